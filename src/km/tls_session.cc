#include "km/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <limits>
#include <utility>

#include "km/openssl_handles.h"

namespace sctps::km {

namespace {

// RFC 8446 §4.2.7 / OpenSSL group names: the ephemeral key exchanges offered, preferred first.
constexpr const char* kGroups = "X25519:P-256";

constexpr std::uint8_t kAlertCloseNotify = 0;
constexpr int kSslAlertFatal = 2;

KmError make_error(KmErrorCode code, std::string message) {
  return KmError{code, std::move(message)};
}

}  // namespace

std::string_view to_string(TlsRole role) {
  return role == TlsRole::kClient ? "client" : "server";
}

std::string_view to_string(TlsState state) {
  switch (state) {
    case TlsState::kHandshaking: return "handshaking";
    case TlsState::kComplete: return "complete";
    case TlsState::kClosed: return "closed";
    case TlsState::kFailed: return "failed";
  }
  return "unknown";
}

std::string TlsAlert::text() const {
  // OpenSSL takes (level << 8) | description and looks at the description only.
  return SSL_alert_desc_string_long(description);
}

// --- Context ---

struct TlsContext::Native {
  SslCtxPtr ctx;
};

TlsContext::TlsContext(TlsRole role, std::unique_ptr<Native> native, bool trust)
    : role_(role), native_(std::move(native)), has_trust_anchors_(trust) {}
TlsContext::~TlsContext() = default;

struct TlsSession::Impl {
  SslPtr ssl;
  BIO* rbio = nullptr;  // owned by ssl
  BIO* wbio = nullptr;  // owned by ssl
  std::shared_ptr<const TlsContext> context;
  TlsSessionOptions options;
  TlsState state = TlsState::kHandshaking;
  std::string error;
  std::string verify_error;  // set by the verify callback
  std::string forbidden;     // a message the profile forbids (KeyUpdate)
  std::optional<TlsAlert> alert_sent;
  std::optional<TlsAlert> alert_received;
  bool peer_closed = false;
  const protect::CipherSuite* suite = nullptr;
  std::optional<PeerIdentity> peer;

  void step();
  void fail(std::string why);
  void on_complete();
};

namespace {

TlsSession::Impl* impl_of(const SSL* ssl) {
  return static_cast<TlsSession::Impl*>(SSL_get_app_data(ssl));
}

// Replaces OpenSSL's certificate verification: the chain against our CA at the caller's time,
// then the identity policy on the leaf. Returning 0 aborts the handshake with an alert derived
// from the error set on the store context.
int verify_peer(X509_STORE_CTX* store_ctx, void* /*arg*/) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsSession::Impl* impl = ssl != nullptr ? impl_of(ssl) : nullptr;
  if (impl == nullptr) return 0;
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  if (leaf == nullptr) {
    impl->verify_error = "peer sent no certificate";
    return 0;
  }
  if (impl->context->has_trust_anchors()) {
    const std::time_t at = impl->options.unix_time;
    X509_STORE_CTX_set_time(store_ctx, 0, at);
    if (X509_verify_cert(store_ctx) != 1) {
      const int code = X509_STORE_CTX_get_error(store_ctx);
      impl->verify_error = std::string("peer certificate rejected: ") +
                           X509_verify_cert_error_string(code) + " (subject " +
                           identity_of(leaf).subject + ")";
      return 0;
    }
  }
  if (auto why = check_peer_identity(leaf, impl->options.peer)) {
    impl->verify_error = *why;
    X509_STORE_CTX_set_error(store_ctx, impl->options.peer.kind == PeerIdentityPolicy::Kind::kName
                                            ? X509_V_ERR_HOSTNAME_MISMATCH
                                            : X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  if (const auto& previous = impl->options.previous_identity) {
    const PeerIdentity now = identity_of(leaf);
    if (!now.same_identity(*previous)) {
      impl->verify_error =
          "peer identity changed: was " + previous->describe() + ", now " + now.describe();
      X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    }
  }
  X509_STORE_CTX_set_error(store_ctx, X509_V_OK);
  return 1;
}

void on_info(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_ALERT) == 0) return;
  TlsSession::Impl* impl = impl_of(ssl);
  if (impl == nullptr) return;
  TlsAlert alert;
  alert.description = static_cast<std::uint8_t>(ret & 0xFF);
  alert.fatal = ((ret >> 8) & 0xFF) == kSslAlertFatal;
  if ((where & SSL_CB_READ) != 0) {
    if (alert.description == kAlertCloseNotify) {
      impl->peer_closed = true;
    } else if (!impl->alert_received) {
      impl->alert_received = alert;
    }
  } else if (alert.description != kAlertCloseNotify && !impl->alert_sent) {
    impl->alert_sent = alert;
  }
}

// Watches received handshake messages for KeyUpdate, which the profile forbids (§3.4).
void on_message(int write_p, int /*version*/, int content_type, const void* buf, std::size_t len,
                SSL* ssl, void* /*arg*/) {
  if (write_p != 0 || content_type != SSL3_RT_HANDSHAKE || len == 0) return;
  TlsSession::Impl* impl = impl_of(ssl);
  if (impl == nullptr) return;
  if (static_cast<const std::uint8_t*>(buf)[0] == SSL3_MT_KEY_UPDATE && impl->forbidden.empty())
    impl->forbidden = "peer sent a TLS KeyUpdate, which this key-management method forbids";
}

}  // namespace

KmResult<std::shared_ptr<const TlsContext>> TlsContext::create(
    TlsRole role, const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites) {
  ERR_clear_error();
  // The suite list: the protector's (§3.2), or the caller's subset of it.
  std::string suites;
  if (cipher_suites.empty()) {
    for (const auto& s : protect::supported_cipher_suites()) {
      if (!suites.empty()) suites += ':';
      suites += s.name;
    }
  } else {
    for (const std::uint16_t id : cipher_suites) {
      const protect::CipherSuite* s = protect::find_cipher_suite(id);
      if (s == nullptr) {
        std::array<char, 8> hex{};
        std::snprintf(hex.data(), hex.size(), "%04x", static_cast<unsigned>(id));
        return make_error(KmErrorCode::kUnsupported,
                          std::string("cipher suite 0x") + hex.data() +
                              " is not supported by the DTLS chunk protector");
      }
      if (!suites.empty()) suites += ':';
      suites += s->name;
    }
  }

  auto native = std::make_unique<Native>();
  native->ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX* ctx = native->ctx.get();
  if (ctx == nullptr) return make_error(KmErrorCode::kCryptoFailure, drain_openssl_errors());
  const bool configured =
      SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
      SSL_CTX_set_ciphersuites(ctx, suites.c_str()) == 1 &&
      SSL_CTX_set1_groups_list(ctx, kGroups) == 1 &&
      // No tickets, no session cache: every handshake is a full one with a fresh ECDHE (§3.4).
      SSL_CTX_set_num_tickets(ctx, 0) == 1;
  if (!configured) {
    return make_error(KmErrorCode::kCryptoFailure,
                      "cannot configure the TLS 1.3 profile: " + drain_openssl_errors());
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);

  if (SSL_CTX_use_cert_and_key(ctx, credentials.certificate(), credentials.private_key(),
                               credentials.intermediates(), 1) != 1) {
    return make_error(
        KmErrorCode::kInvalidInput,
        "the certificate or key cannot be used for TLS 1.3: " + drain_openssl_errors());
  }
  if (credentials.trust_store() != nullptr &&
      SSL_CTX_set1_verify_cert_store(ctx, credentials.trust_store()) != 1) {
    return make_error(KmErrorCode::kCryptoFailure, drain_openssl_errors());
  }
  // Mutual authentication (§3.3): a server demands a client certificate.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verify_peer, nullptr);
  SSL_CTX_set_info_callback(ctx, on_info);
  SSL_CTX_set_msg_callback(ctx, on_message);
  return std::shared_ptr<const TlsContext>(
      new TlsContext(role, std::move(native), credentials.has_trust_anchors()));
}

// --- Session ---

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsSession::~TlsSession() = default;
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;

KmResult<TlsSession> TlsSession::create(std::shared_ptr<const TlsContext> context,
                                        TlsSessionOptions options) {
  if (!context) return make_error(KmErrorCode::kInvalidState, "no TLS context");
  if (!context->has_trust_anchors() && options.peer.kind != PeerIdentityPolicy::Kind::kPinnedKey) {
    return make_error(
        KmErrorCode::kInvalidInput,
        "no CA certificate configured: the peer cannot be authenticated; give a CA or "
        "pin the peer's key");
  }
  ERR_clear_error();
  auto impl = std::make_unique<Impl>();
  impl->context = std::move(context);
  impl->options = std::move(options);
  impl->ssl.reset(SSL_new(impl->context->native_->ctx.get()));
  if (!impl->ssl) return make_error(KmErrorCode::kCryptoFailure, drain_openssl_errors());
  impl->rbio = BIO_new(BIO_s_mem());
  impl->wbio = BIO_new(BIO_s_mem());
  if (impl->rbio == nullptr || impl->wbio == nullptr) {
    BIO_free(impl->rbio);
    BIO_free(impl->wbio);
    return make_error(KmErrorCode::kCryptoFailure, "out of memory");
  }
  // An empty read BIO means "no data yet", not end of file.
  BIO_set_mem_eof_return(impl->rbio, -1);
  SSL_set_bio(impl->ssl.get(), impl->rbio, impl->wbio);
  SSL_set_app_data(impl->ssl.get(), impl.get());
  if (impl->context->role() == TlsRole::kClient) {
    SSL_set_connect_state(impl->ssl.get());
    impl->step();  // writes the ClientHello
  } else {
    SSL_set_accept_state(impl->ssl.get());
  }
  return TlsSession(std::move(impl));
}

void TlsSession::Impl::fail(std::string why) {
  state = TlsState::kFailed;
  error = "TLS handshake failed: " + why;
  if (alert_sent) error += "; sent alert " + alert_sent->text();
  if (alert_received) error += "; peer sent alert " + alert_received->text();
}

void TlsSession::Impl::on_complete() {
  state = TlsState::kComplete;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl.get());
  suite =
      cipher != nullptr ? protect::find_cipher_suite(SSL_CIPHER_get_protocol_id(cipher)) : nullptr;
  if (X509* cert = SSL_get0_peer_certificate(ssl.get())) peer = identity_of(cert);
  if (suite == nullptr) {
    fail("negotiated a cipher suite the protector does not support");
  } else if (!peer) {
    fail("peer presented no certificate");
  }
}

// Runs the handshake, or after it reads what arrived (alerts, close_notify, KeyUpdate).
void TlsSession::Impl::step() {
  ERR_clear_error();
  if (state == TlsState::kHandshaking) {
    const int r = SSL_do_handshake(ssl.get());
    if (r == 1) {
      on_complete();
    } else {
      const int e = SSL_get_error(ssl.get(), r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        std::string why = !verify_error.empty() ? verify_error : drain_openssl_errors();
        if (alert_received && verify_error.empty()) {
          why = "peer rejected the handshake";
        }
        fail(why);
      }
    }
  }
  if (state == TlsState::kComplete) {
    // After the handshake nothing but alerts, close_notify or handshake messages OpenSSL handles
    // itself may arrive; application data is a protocol violation (§2.1).
    std::array<std::uint8_t, 256> sink{};
    for (;;) {
      const int r = SSL_read(ssl.get(), sink.data(), static_cast<int>(sink.size()));
      if (r > 0) {
        OPENSSL_cleanse(sink.data(), sink.size());
        fail("peer sent application data over the key-management TLS connection");
        break;
      }
      const int e = SSL_get_error(ssl.get(), r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_ZERO_RETURN)
        break;
      fail(alert_received ? "peer rejected the handshake" : drain_openssl_errors());
      break;
    }
  }
  if (!forbidden.empty() && state != TlsState::kFailed) fail(forbidden);
  ERR_clear_error();
}

TlsRole TlsSession::role() const {
  return impl_->context->role();
}
TlsState TlsSession::state() const {
  return impl_->state;
}

void TlsSession::handle_input(wire::Bytes records) {
  if (impl_->state == TlsState::kFailed || impl_->state == TlsState::kClosed) return;
  while (!records.empty()) {
    const std::size_t n =
        std::min(records.size(), static_cast<std::size_t>(std::numeric_limits<int>::max()));
    if (BIO_write(impl_->rbio, records.data(), static_cast<int>(n)) != static_cast<int>(n)) {
      impl_->fail("out of memory buffering TLS input");
      return;
    }
    records = records.subspan(n);
  }
  impl_->step();
}

std::size_t TlsSession::pending_output() const {
  return BIO_ctrl_pending(impl_->wbio);
}

void TlsSession::append_output(std::vector<std::uint8_t>& out) {
  const std::size_t n = pending_output();
  if (n == 0) return;
  const std::size_t at = out.size();
  out.resize(at + n);
  std::size_t got = 0;
  while (got < n) {
    const int chunk = static_cast<int>(
        std::min(n - got, static_cast<std::size_t>(std::numeric_limits<int>::max())));
    const int r = BIO_read(impl_->wbio, out.data() + at + got, chunk);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(at + got);
}

void TlsSession::close() {
  if (impl_->state != TlsState::kComplete) return;
  ERR_clear_error();
  // One call queues close_notify; we do not wait for the peer's (the keys are already exported).
  SSL_shutdown(impl_->ssl.get());
  ERR_clear_error();
  impl_->state = TlsState::kClosed;
}

bool TlsSession::peer_closed() const {
  return impl_->peer_closed;
}
const std::string& TlsSession::error() const {
  return impl_->error;
}
std::optional<TlsAlert> TlsSession::alert_sent() const {
  return impl_->alert_sent;
}
std::optional<TlsAlert> TlsSession::alert_received() const {
  return impl_->alert_received;
}
const protect::CipherSuite* TlsSession::cipher_suite() const {
  return impl_->suite;
}
const std::optional<PeerIdentity>& TlsSession::peer_identity() const {
  return impl_->peer;
}

bool TlsSession::export_keying_material(std::string_view label, wire::Bytes context,
                                        wire::MutableBytes out) const {
  if (impl_->suite == nullptr ||
      (impl_->state != TlsState::kComplete && impl_->state != TlsState::kClosed))
    return false;
  ERR_clear_error();
  const int r = SSL_export_keying_material(impl_->ssl.get(), out.data(), out.size(), label.data(),
                                           label.size(), context.data(), context.size(), 1);
  ERR_clear_error();
  return r == 1;
}

}  // namespace sctps::km
