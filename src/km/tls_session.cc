#include "km/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <mutex>
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
  // OpenSSL 3.0 names the alerts of TLS 1.2 only (RFC 8446 §6 added these).
  switch (description) {
    case 109: return "missing extension";
    case 115: return "unknown PSK identity";
    case 116: return "certificate required";
    case 120: return "no application protocol";
    default: break;
  }
  // OpenSSL takes (level << 8) | description and looks at the description only.
  std::string name = SSL_alert_desc_string_long(description);
  if (name == "unknown") name += " (" + std::to_string(description) + ")";
  return name;
}

// --- Context ---

struct SslSessionDeleter {
  void operator()(SSL_SESSION* p) const { SSL_SESSION_free(p); }  // wipes its secrets
};
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionDeleter>;

struct TlsContext::Native {
  SslCtxPtr ctx;
  // Client tickets by resumption key. The context is shared by the associations of an endpoint
  // (and may be by several endpoints), so access is locked.
  struct Ticket {
    SslSessionPtr session;
    std::uint64_t order = 0;  // when it was stored: the oldest is evicted first
  };
  mutable std::mutex mutex;
  std::map<std::string, Ticket, std::less<>> tickets;
  std::uint64_t stored = 0;
};

TlsContext::TlsContext(TlsRole role, std::unique_ptr<Native> native, bool trust,
                       const TlsContextOptions& options)
    : role_(role), native_(std::move(native)), has_trust_anchors_(trust), options_(options) {}
TlsContext::~TlsContext() = default;

std::size_t TlsContext::cached_tickets() const {
  const std::lock_guard lock(native_->mutex);
  return native_->tickets.size();
}

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
  bool resumed = false;
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

// Whether `certificate` is still valid at `unix_time` (its notAfter is later).
bool valid_at(X509* certificate, std::int64_t unix_time) {
  if (certificate == nullptr) return false;
  std::time_t at = unix_time;
  return X509_cmp_time(X509_get0_notAfter(certificate), &at) > 0;
}

// Client: a ticket arrived (after the handshake, RFC 8446 §4.6.1). Kept under the handshake's
// resumption key, replacing the peer's previous one; returning 1 keeps OpenSSL's reference.
int on_new_ticket(SSL* ssl, SSL_SESSION* session) {
  TlsSession::Impl* impl = impl_of(ssl);
  if (impl == nullptr || impl->options.resumption_key.empty() ||
      SSL_SESSION_is_resumable(session) != 1) {
    return 0;
  }
  TlsContext::Native& native = impl->context->native();
  const std::size_t limit = std::max<std::size_t>(impl->context->options().max_cached_tickets, 1);
  const std::lock_guard lock(native.mutex);
  auto& slot = native.tickets[impl->options.resumption_key];
  slot.session.reset(session);
  slot.order = ++native.stored;
  while (native.tickets.size() > limit) {
    auto oldest = native.tickets.begin();
    for (auto it = native.tickets.begin(); it != native.tickets.end(); ++it) {
      if (it->second.order < oldest->second.order) oldest = it;
    }
    native.tickets.erase(oldest);
  }
  return 1;
}

// Server: a client offered a ticket. Used only when it decrypted, in an initial handshake (a
// rekey re-authenticates with certificates: the peer's identity must be proved again, §3.3), and
// while the certificate its session authenticated is still valid (§3.4). Otherwise a full
// handshake follows. Every handshake issues a fresh ticket (single use, §8.2).
SSL_TICKET_RETURN on_ticket_offered(SSL* ssl, SSL_SESSION* session, const unsigned char*,
                                    std::size_t, SSL_TICKET_STATUS status, void*) {
  if (status == SSL_TICKET_FATAL_ERR_MALLOC || status == SSL_TICKET_FATAL_ERR_OTHER) {
    return SSL_TICKET_RETURN_ABORT;
  }
  const TlsSession::Impl* impl = impl_of(ssl);
  const bool decrypted = status == SSL_TICKET_SUCCESS || status == SSL_TICKET_SUCCESS_RENEW;
  if (!decrypted || impl == nullptr || impl->options.previous_identity ||
      !valid_at(SSL_SESSION_get0_peer(session), impl->options.unix_time)) {
    return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
  return SSL_TICKET_RETURN_USE_RENEW;
}

}  // namespace

KmResult<std::shared_ptr<const TlsContext>> TlsContext::create(
    TlsRole role, const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites,
    const TlsContextOptions& options) {
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
      // Without resumption no tickets: every handshake is a full one. With it, one ticket per
      // handshake; the exchange stays ephemeral either way (psk_dhe_ke: OpenSSL offers and
      // accepts psk_ke only with SSL_OP_ALLOW_NO_DHE_KEX, never set here; §3.4).
      // (issue_ticket asks for each ticket).
      SSL_CTX_set_num_tickets(ctx, 0) == 1;
  if (!configured) {
    return make_error(KmErrorCode::kCryptoFailure,
                      "cannot configure the TLS 1.3 profile: " + drain_openssl_errors());
  }
  SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_NO_DHE_KEX);
  if (options.resumption && role == TlsRole::kClient) {
    // Tickets reach on_new_ticket; OpenSSL's own cache stays empty (no server-side state).
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_ticket);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (options.resumption && role == TlsRole::kServer) {
    // Stateless tickets, sealed with a key OpenSSL draws for this context and keeps in memory.
    SSL_CTX_set_timeout(ctx, static_cast<long>(std::clamp<std::int64_t>(
                                 options.ticket_lifetime_s, 1, std::int64_t{7} * 24 * 3600)));
    SSL_CTX_set_session_ticket_cb(ctx, nullptr, on_ticket_offered, nullptr);
    // Sessions are bound to a context name; libssl resumes none without one when it verifies
    // clients.
    static constexpr unsigned char kSessionContext[] = "sctps method 192";
    if (SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1) != 1) {
      return make_error(KmErrorCode::kCryptoFailure, drain_openssl_errors());
    }
  }
  // Our chain is what the credentials hold; libssl would otherwise try to complete it from the
  // context's store on every handshake, an X509_verify_cert of our own certificate each time.
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  if (!options.resumption) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
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
      new TlsContext(role, std::move(native), credentials.has_trust_anchors(), options));
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
    if (impl->context->resumption() && !impl->options.resumption_key.empty()) {
      // The peer's ticket, taken out: offered once (§8.2), and only while the certificate it
      // stands for is valid (§3.4). SSL_set_session keeps a reference of its own.
      TlsContext::Native& native = impl->context->native();
      SslSessionPtr ticket;
      {
        const std::lock_guard lock(native.mutex);
        if (auto it = native.tickets.find(impl->options.resumption_key);
            it != native.tickets.end()) {
          ticket = std::move(it->second.session);
          native.tickets.erase(it);
        }
      }
      if (ticket && valid_at(SSL_SESSION_get0_peer(ticket.get()), impl->options.unix_time)) {
        SSL_set_session(impl->ssl.get(), ticket.get());
      }
    }
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
  resumed = SSL_session_reused(ssl.get()) == 1;
  if (suite == nullptr) {
    fail("negotiated a cipher suite the protector does not support");
  } else if (!peer) {
    fail("peer presented no certificate");
  } else if (resumed && options.previous_identity) {
    // Refused by on_ticket_offered and never offered by us; kept as a guard: a rekey proves the
    // peer's identity with its certificate again.
    fail("a rekey handshake resumed a session instead of authenticating the peer");
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
    // itself (a NewSessionTicket) may arrive; application data is a protocol violation (§2.1).
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

bool TlsSession::issue_ticket_possible() const {
  return impl_->context->role() == TlsRole::kServer && impl_->context->resumption() &&
         impl_->state == TlsState::kComplete;
}

bool TlsSession::issue_ticket() {
  if (!issue_ticket_possible()) return false;
  ERR_clear_error();
  const bool ok =
      SSL_new_session_ticket(impl_->ssl.get()) == 1 && SSL_do_handshake(impl_->ssl.get()) == 1;
  ERR_clear_error();
  return ok;
}

bool TlsSession::keeps_tickets() const {
  return impl_->context->role() == TlsRole::kClient && impl_->context->resumption() &&
         !impl_->options.resumption_key.empty();
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
bool TlsSession::resumed() const {
  return impl_->resumed;
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
