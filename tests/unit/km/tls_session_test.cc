#include "km/tls_session.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "km/openssl_handles.h"
#include "km_test_util.h"
#include "protect/cipher_suite.h"

namespace sctps::km {
namespace {

using namespace sctps::km::testing;
namespace suite_id = protect::cipher_suite_id;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Session : public PkiTest {};

TEST_F(Session, MutualHandshakeInThreeFlights) {
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  EXPECT_EQ(client.role(), TlsRole::kClient);
  EXPECT_EQ(server.role(), TlsRole::kServer);
  // The ClientHello is ready at once; the server waits for it.
  EXPECT_GT(client.pending_output(), 0u);
  EXPECT_EQ(server.pending_output(), 0u);
  EXPECT_EQ(client.state(), TlsState::kHandshaking);

  ASSERT_GT(transfer(client, server), 0u);  // ClientHello
  EXPECT_EQ(server.state(), TlsState::kHandshaking);
  ASSERT_GT(transfer(server, client), 0u);         // ServerHello .. Finished
  EXPECT_EQ(client.state(), TlsState::kComplete);  // after writing its Finished
  EXPECT_EQ(server.state(), TlsState::kHandshaking);
  ASSERT_GT(transfer(client, server), 0u);  // Certificate .. Finished
  EXPECT_EQ(server.state(), TlsState::kComplete);
  // No tickets, nothing more to say.
  EXPECT_EQ(server.pending_output(), 0u);
  EXPECT_EQ(client.pending_output(), 0u);

  ASSERT_NE(client.cipher_suite(), nullptr);
  EXPECT_EQ(client.cipher_suite()->id, suite_id::kAes128GcmSha256);  // protector's first choice
  EXPECT_EQ(server.cipher_suite(), client.cipher_suite());
  ASSERT_TRUE(client.peer_identity().has_value());
  ASSERT_TRUE(server.peer_identity().has_value());
  EXPECT_EQ(client.peer_identity()->subject, "CN=localhost,O=sctps test");
  EXPECT_EQ(server.peer_identity()->subject, "CN=sctps-client,O=sctps test");
  EXPECT_TRUE(client.error().empty());
  EXPECT_FALSE(client.alert_sent());
  EXPECT_FALSE(server.alert_received());
}

TEST_F(Session, HandshakeRecordsAreWholeRecordsInKeyManagementMessages) {
  // Carry every flight as a km message (T = 0, epoch 3) and parse it on the way: the output of a
  // session is always a sequence of whole records.
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  auto carry = [](TlsSession& from, TlsSession& to) {
    std::vector<std::uint8_t> msg = {km_header(KmMessageType::kTlsRecords, 3)};
    from.append_output(msg);
    if (msg.size() == 1) return false;
    const auto parsed = parse_km_message(msg);
    EXPECT_TRUE(parsed.ok()) << to_string(*parsed.error);
    EXPECT_EQ(parsed.message.epoch, 3);
    to.handle_input(parsed.message.tls_records);
    return true;
  };
  int rounds = 0;
  for (;;) {
    const bool a = carry(client, server);  // both directions every round
    const bool b = carry(server, client);
    if (!a && !b) break;
    ++rounds;
  }
  EXPECT_EQ(rounds, 2);  // (CH, SH..Fin), (Cert..Fin, nothing)
  EXPECT_TRUE(client.complete());
  EXPECT_TRUE(server.complete());
}

TEST_F(Session, ByteByByteInputCompletes) {
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("127.0.0.1"));
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("sctps-client"));
  for (int round = 0; round < 4; ++round) {
    for (auto pair : {std::pair{&client, &server}, std::pair{&server, &client}}) {
      std::vector<std::uint8_t> bytes;
      pair.first->append_output(bytes);
      for (const std::uint8_t b : bytes) pair.second->handle_input(wire::Bytes(&b, 1));
    }
  }
  EXPECT_TRUE(client.complete()) << client.error();
  EXPECT_TRUE(server.complete()) << server.error();
}

TEST_F(Session, EverySuiteCanBeNegotiated) {
  for (const auto& s : protect::supported_cipher_suites()) {
    const Handshake h = handshake(*pki_, {s.id}, {});
    ASSERT_TRUE(h.client.complete()) << s.name << ": " << h.client.error();
    ASSERT_TRUE(h.server.complete()) << s.name << ": " << h.server.error();
    EXPECT_EQ(h.client.cipher_suite()->id, s.id);
    EXPECT_EQ(h.server.cipher_suite()->id, s.id);
  }
  // The server's restriction counts as much as the client's.
  const Handshake h = handshake(*pki_, {}, {suite_id::kChacha20Poly1305Sha256});
  ASSERT_TRUE(h.server.complete()) << h.server.error();
  EXPECT_EQ(h.client.cipher_suite()->id, suite_id::kChacha20Poly1305Sha256);
}

TEST_F(Session, NoCommonSuiteFailsBothSidesWithAnAlert) {
  Handshake h = handshake(*pki_, {suite_id::kAes256GcmSha384}, {suite_id::kAes128GcmSha256});
  EXPECT_TRUE(h.server.failed());
  EXPECT_TRUE(h.client.failed());
  ASSERT_TRUE(h.server.alert_sent().has_value());
  EXPECT_EQ(h.server.alert_sent()->description, 40);  // handshake_failure
  ASSERT_TRUE(h.client.alert_received().has_value());
  EXPECT_EQ(h.client.alert_received()->description, 40);
  EXPECT_TRUE(contains(h.client.error(), "peer sent alert handshake failure")) << h.client.error();
  EXPECT_TRUE(contains(h.server.error(), "TLS handshake failed")) << h.server.error();
  EXPECT_EQ(h.client.cipher_suite(), nullptr);
}

TEST_F(Session, SuitesOutsideTheProtectorAreRefused) {
  const std::uint16_t ccm = 0x1304;  // TLS_AES_128_CCM_SHA256: not supported by the protector
  auto c = TlsContext::create(TlsRole::kClient, client_credentials(*pki_),
                              std::vector<std::uint16_t>{suite_id::kAes128GcmSha256, ccm});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, KmErrorCode::kUnsupported);
  EXPECT_EQ(c.error().message, "cipher suite 0x1304 is not supported by the DTLS chunk protector");
}

TEST_F(Session, WrongServerNameFailsTheClientAndTellsTheServer) {
  Handshake h = handshake(*pki_, {}, {}, "db.example");
  ASSERT_TRUE(h.client.failed());
  EXPECT_TRUE(contains(h.client.error(),
                       "peer certificate does not name db.example (it names DNS:localhost, "
                       "IP:127.0.0.1)"))
      << h.client.error();
  ASSERT_TRUE(h.client.alert_sent().has_value());
  EXPECT_TRUE(h.server.failed());
  ASSERT_TRUE(h.server.alert_received().has_value());
  EXPECT_EQ(h.server.alert_received()->description, h.client.alert_sent()->description);
  EXPECT_FALSE(h.client.peer_identity().has_value());
}

TEST_F(Session, ServerNameCheckOnClientCertificate) {
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("billing.example"));
  pump(client, server);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "does not name billing.example (it names DNS:sctps-client)"))
      << server.error();
  // The client had completed; the server's alert takes that back.
  EXPECT_TRUE(client.failed());
  EXPECT_TRUE(client.alert_received().has_value());
  EXPECT_TRUE(contains(client.error(), "peer sent alert")) << client.error();
}

TEST_F(Session, UntrustedServerCaFailsTheClient) {
  const TestCertificates other = make_pki();
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  // A server from another PKI: its chain does not lead to the client's CA.
  TlsSession server = session(context(TlsRole::kServer, server_credentials(other)),
                              PeerIdentityPolicy::chain_only());
  pump(client, server);
  EXPECT_TRUE(client.failed());
  EXPECT_TRUE(contains(client.error(),
                       "peer certificate rejected: unable to get local issuer "
                       "certificate (subject CN=localhost,O=sctps test)"))
      << client.error();
  EXPECT_TRUE(server.failed());
}

TEST_F(Session, UntrustedClientCaFailsTheServer) {
  const TestCertificates other = make_pki();
  auto client_creds = TlsCredentials::load_pem(other.client_pem, other.client_key_pem.text(),
                                               pki_->ca_pem);  // trusts our server
  ASSERT_TRUE(client_creds.ok());
  TlsSession client = session(context(TlsRole::kClient, client_creds.value()),
                              PeerIdentityPolicy::expect_name("localhost"));
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  pump(client, server);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "peer certificate rejected: unable to get local issuer"))
      << server.error();
  EXPECT_TRUE(client.failed());
}

TEST_F(Session, ExpiredAndNotYetValidCertificatesFail) {
  const std::int64_t two_years = 2 * 365 * 86400;
  for (const std::int64_t when : {kNow + two_years, kNow - two_years}) {
    TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                                PeerIdentityPolicy::expect_name("localhost"), when);
    TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                                PeerIdentityPolicy::chain_only(), kNow);
    pump(client, server);
    ASSERT_TRUE(client.failed());
    const std::string want =
        when > kNow ? "certificate has expired" : "certificate is not yet valid";
    EXPECT_TRUE(contains(client.error(), want)) << client.error();
  }
}

TEST_F(Session, PinnedKeyWithoutCa) {
  auto server_cert = TlsCredentials::load_pem(pki_->server_pem, pki_->server_key_pem.text(), "");
  auto client_cert = TlsCredentials::load_pem(pki_->client_pem, pki_->client_key_pem.text(), "");
  ASSERT_TRUE(server_cert.ok() && client_cert.ok());
  const Sha256 server_pin = spki_sha256(server_cert->certificate());
  const Sha256 client_pin = spki_sha256(client_cert->certificate());
  {
    TlsSession client = session(context(TlsRole::kClient, client_cert.value()),
                                PeerIdentityPolicy::pinned_key(server_pin));
    TlsSession server = session(context(TlsRole::kServer, server_cert.value()),
                                PeerIdentityPolicy::pinned_key(client_pin));
    pump(client, server);
    EXPECT_TRUE(client.complete()) << client.error();
    EXPECT_TRUE(server.complete()) << server.error();
  }
  {
    TlsSession client = session(context(TlsRole::kClient, client_cert.value()),
                                PeerIdentityPolicy::pinned_key(client_pin));  // wrong pin
    TlsSession server = session(context(TlsRole::kServer, server_cert.value()),
                                PeerIdentityPolicy::pinned_key(client_pin));
    pump(client, server);
    EXPECT_TRUE(client.failed());
    EXPECT_TRUE(contains(client.error(), "does not match the pinned sha256:" + to_hex(client_pin)))
        << client.error();
  }
  // Without a CA and without a pin nobody could be authenticated: refused up front.
  auto s = TlsSession::create(
      context(TlsRole::kServer, server_cert.value()),
      TlsSessionOptions{PeerIdentityPolicy::chain_only(), kNow, std::nullopt, {}});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(contains(s.error().message, "no CA certificate configured")) << s.error().message;
}

TEST_F(Session, PeerIdentityMayNotChangeBetweenHandshakes) {
  // One trust store with three CAs: ours, one that issued a renewed server certificate with the
  // same names and a new key, and one that issued a server certificate with another name.
  const TestCertificates renewed = make_pki();
  const TestCertificates renamed = make_pki("other.example");
  auto trust_all = TlsCredentials::load_pem(pki_->client_pem, pki_->client_key_pem.text(),
                                            pki_->ca_pem + renewed.ca_pem + renamed.ca_pem);
  ASSERT_TRUE(trust_all.ok()) << trust_all.error().message;
  auto client_ctx = context(TlsRole::kClient, trust_all.value());
  auto run = [&](const TestCertificates& server_pki, std::optional<PeerIdentity> previous) {
    TlsSessionOptions options{PeerIdentityPolicy::chain_only(), kNow, std::move(previous), {}};
    auto c = TlsSession::create(client_ctx, std::move(options));
    EXPECT_TRUE(c.ok());
    // Every server trusts our client's CA.
    auto server_creds = TlsCredentials::load_pem(server_pki.server_pem,
                                                 server_pki.server_key_pem.text(), pki_->ca_pem);
    EXPECT_TRUE(server_creds.ok());
    TlsSession server =
        session(context(TlsRole::kServer, server_creds.value()), PeerIdentityPolicy::chain_only());
    pump(c.value(), server);
    return std::move(c.value());
  };
  const TlsSession first = run(*pki_, std::nullopt);
  ASSERT_TRUE(first.complete()) << first.error();
  const PeerIdentity identity = *first.peer_identity();

  const TlsSession same = run(*pki_, identity);
  EXPECT_TRUE(same.complete()) << same.error();
  const TlsSession renewal = run(renewed, identity);
  EXPECT_TRUE(renewal.complete()) << renewal.error();
  EXPECT_NE(renewal.peer_identity()->spki_sha256, identity.spki_sha256);

  const TlsSession changed = run(renamed, identity);
  ASSERT_TRUE(changed.failed());
  EXPECT_TRUE(contains(changed.error(),
                       "peer identity changed: was CN=localhost,O=sctps test (DNS:localhost, "
                       "IP:127.0.0.1), now CN=other.example,O=sctps test (DNS:localhost, "
                       "DNS:other.example, IP:127.0.0.1)"))
      << changed.error();
  EXPECT_TRUE(changed.alert_sent().has_value());
}

TEST_F(Session, CloseSendsCloseNotify) {
  Handshake h = handshake(*pki_);
  ASSERT_TRUE(h.client.complete() && h.server.complete());
  h.server.close();
  EXPECT_EQ(h.server.state(), TlsState::kClosed);
  EXPECT_GT(h.server.pending_output(), 0u);
  EXPECT_FALSE(h.client.peer_closed());
  transfer(h.server, h.client);
  EXPECT_TRUE(h.client.peer_closed());
  EXPECT_EQ(h.client.state(), TlsState::kComplete);
  h.client.close();
  EXPECT_EQ(h.client.state(), TlsState::kClosed);
  transfer(h.client, h.server);  // ignored: already closed
  EXPECT_EQ(h.server.state(), TlsState::kClosed);
  // close() before completion does nothing.
  TlsSession fresh = session(context(TlsRole::kClient, client_credentials(*pki_)),
                             PeerIdentityPolicy::expect_name("localhost"));
  fresh.close();
  EXPECT_EQ(fresh.state(), TlsState::kHandshaking);
}

TEST_F(Session, GarbageInputFailsWithoutCrashing) {
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  const std::vector<std::uint8_t> junk = {22, 3, 3, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF};
  server.handle_input(junk);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "TLS handshake failed")) << server.error();
  EXPECT_TRUE(server.alert_sent().has_value());
  EXPECT_GT(server.pending_output(), 0u);  // the alert, for the peer
  server.handle_input(junk);               // ignored once failed
  EXPECT_TRUE(server.failed());
}

TEST_F(Session, ExportNeedsACompletedHandshake) {
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  std::array<std::uint8_t, 16> out{};
  EXPECT_FALSE(client.export_keying_material("EXPORTER_TLS_FOR_DTLS_IN_SCTP", {}, out));
}

// --- Against a plain OpenSSL peer we configure outside the profile ---

struct RawClient {
  SslCtxPtr ctx;
  SslPtr ssl;
  BIO* rbio = nullptr;
  BIO* wbio = nullptr;

  RawClient(int max_version, const TestCertificates* creds) {
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    if (creds != nullptr) {
      auto c = TlsCredentials::load_pem(creds->client_pem, creds->client_key_pem.text(), "");
      EXPECT_TRUE(c.ok());
      SSL_CTX_use_certificate(ctx.get(), c->certificate());
      SSL_CTX_use_PrivateKey(ctx.get(), c->private_key());
    }
    ssl.reset(SSL_new(ctx.get()));
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl.get(), rbio, wbio);
    SSL_set_connect_state(ssl.get());
    SSL_do_handshake(ssl.get());
  }
  void feed_from(TlsSession& s) {
    std::vector<std::uint8_t> bytes;
    s.append_output(bytes);
    if (!bytes.empty()) BIO_write(rbio, bytes.data(), static_cast<int>(bytes.size()));
    SSL_do_handshake(ssl.get());
    std::array<std::uint8_t, 64> sink{};
    SSL_read(ssl.get(), sink.data(), static_cast<int>(sink.size()));  // alerts, tickets
  }
  void send_to(TlsSession& s) {
    std::vector<std::uint8_t> bytes(BIO_ctrl_pending(wbio));
    if (bytes.empty()) return;
    BIO_read(wbio, bytes.data(), static_cast<int>(bytes.size()));
    s.handle_input(bytes);
  }
  void exchange(TlsSession& s) {
    for (int i = 0; i < 4; ++i) {
      send_to(s);
      feed_from(s);
    }
  }
};

TEST_F(Session, ServerRefusesTls12) {
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  RawClient raw(TLS1_2_VERSION, pki_);
  raw.exchange(server);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "unsupported protocol")) << server.error();
  ASSERT_TRUE(server.alert_sent().has_value());
  EXPECT_EQ(server.alert_sent()->description, 70);  // protocol_version
}

TEST_F(Session, ServerRequiresAClientCertificate) {
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  RawClient raw(TLS1_3_VERSION, nullptr);
  raw.exchange(server);
  EXPECT_TRUE(server.failed());
  ASSERT_TRUE(server.alert_sent().has_value());
  EXPECT_EQ(server.alert_sent()->description, 116);  // certificate_required
  EXPECT_EQ(server.alert_sent()->text(), "certificate required");
  EXPECT_EQ((TlsAlert{121, true}.text()), "unknown (121)");
  EXPECT_EQ((TlsAlert{42, true}.text()), "bad certificate");
  EXPECT_TRUE(contains(server.error(), "peer did not return a certificate")) << server.error();
}

TEST_F(Session, ApplicationDataFromThePeerFails) {
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  RawClient raw(TLS1_3_VERSION, pki_);
  raw.exchange(server);
  ASSERT_TRUE(server.complete()) << server.error();
  const char data[] = "hello";
  ASSERT_EQ(SSL_write(raw.ssl.get(), data, 5), 5);
  raw.send_to(server);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "application data")) << server.error();
}

TEST_F(Session, KeyUpdateFromThePeerFails) {
  TlsSession server = session(context(TlsRole::kServer, server_credentials(*pki_)),
                              PeerIdentityPolicy::chain_only());
  RawClient raw(TLS1_3_VERSION, pki_);
  raw.exchange(server);
  ASSERT_TRUE(server.complete()) << server.error();
  ASSERT_EQ(SSL_key_update(raw.ssl.get(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  ASSERT_EQ(SSL_do_handshake(raw.ssl.get()), 1);
  raw.send_to(server);
  EXPECT_TRUE(server.failed());
  EXPECT_TRUE(contains(server.error(), "KeyUpdate")) << server.error();
}

}  // namespace
}  // namespace sctps::km
