// TLS 1.3 resumption for method 192 (porfiri §3.4: tickets MAY be used, psk_ke MUST NOT; §8.2:
// tickets not reused): tickets kept per resumption key, offered once, psk_dhe_ke only, never past
// the certificate the session authenticated, and never in a rekey.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "km/key_export.h"
#include "km/tls_session.h"
#include "km_test_util.h"

namespace sctps::km {
namespace {

using testing::kNow;

constexpr const char* kPeer = "127.0.0.1:5000|name localhost";

std::shared_ptr<const TlsContext> resuming_context(TlsRole role, const TlsCredentials& credentials,
                                                   bool resumption = true) {
  TlsContextOptions options;
  options.resumption = resumption;
  auto c = TlsContext::create(role, credentials, {}, options);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.value();
}

TlsSession client_session(std::shared_ptr<const TlsContext> ctx, std::string key,
                          std::int64_t now = kNow) {
  TlsSessionOptions o;
  o.peer = PeerIdentityPolicy::expect_name("localhost");
  o.unix_time = now;
  o.resumption_key = std::move(key);
  auto s = TlsSession::create(std::move(ctx), std::move(o));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s.value());
}

TlsSession server_session(std::shared_ptr<const TlsContext> ctx, std::int64_t now = kNow,
                          std::optional<PeerIdentity> previous = std::nullopt) {
  TlsSessionOptions o;
  o.peer = PeerIdentityPolicy::chain_only();
  o.unix_time = now;
  o.previous_identity = std::move(previous);
  auto s = TlsSession::create(std::move(ctx), std::move(o));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s.value());
}

// The client's pending ClientHello record, read without taking it (a copy of the output).
std::vector<std::uint8_t> peek_output(TlsSession& session, TlsSession& sink) {
  std::vector<std::uint8_t> bytes;
  session.append_output(bytes);
  sink.handle_input(bytes);
  return bytes;
}

// Extensions of a ClientHello record (RFC 8446 §4.1.2): type → body.
std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> hello_extensions(
    const std::vector<std::uint8_t>& record) {
  std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> out;
  std::size_t i = 5 + 4 + 2 + 32;  // record header, handshake header, legacy_version, random
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(record.at(at) << 8 | record.at(at + 1));
  };
  i += 1 + record.at(i);  // legacy_session_id
  i += 2 + u16(i);        // cipher_suites
  i += 1 + record.at(i);  // legacy_compression_methods
  const std::size_t end = i + 2 + u16(i);
  i += 2;
  while (i + 4 <= end) {
    const std::uint16_t type = u16(i);
    const std::uint16_t len = u16(i + 2);
    out.emplace_back(type,
                     std::vector<std::uint8_t>(record.begin() + static_cast<long>(i + 4),
                                               record.begin() + static_cast<long>(i + 4 + len)));
    i += 4 + len;
  }
  return out;
}

const std::vector<std::uint8_t>* find_extension(
    const std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>>& extensions,
    std::uint16_t type) {
  for (const auto& [t, body] : extensions) {
    if (t == type) return &body;
  }
  return nullptr;
}

constexpr std::uint16_t kPreSharedKey = 41;
constexpr std::uint16_t kPskKeyExchangeModes = 45;
constexpr std::uint16_t kKeyShare = 51;

std::vector<std::uint8_t> client_key(const TlsSession& s) {
  auto k = export_key_material(s, KeyDirection::kClient, KeyRole::kPrimary, {});
  EXPECT_TRUE(k.ok());
  return std::vector<std::uint8_t>(k->key.bytes().begin(), k->key.bytes().end());
}

class TlsResumptionTest : public ::testing::Test {
 protected:
  TestCertificates pki_ = testing::make_pki();
  std::shared_ptr<const TlsContext> client_ctx_ =
      resuming_context(TlsRole::kClient, testing::client_credentials(pki_));
  std::shared_ptr<const TlsContext> server_ctx_ =
      resuming_context(TlsRole::kServer, testing::server_credentials(pki_));

  // A complete handshake with the client's resumption key `key`.
  std::pair<TlsSession, TlsSession> run(const std::string& key, std::int64_t now = kNow) {
    TlsSession client = client_session(client_ctx_, key, now);
    TlsSession server = server_session(server_ctx_, now);
    testing::pump(client, server);
    // The ticket, as the key manager asks for it once Protection Established has left.
    if (server.issue_ticket()) testing::transfer(server, client);
    return {std::move(client), std::move(server)};
  }
};

TEST_F(TlsResumptionTest, ServerIssuesTicketsOnlyWhenAsked) {
  TlsSession client = client_session(client_ctx_, kPeer);
  TlsSession server = server_session(server_ctx_);
  EXPECT_FALSE(server.issue_ticket());  // not before the handshake completed
  testing::pump(client, server);
  ASSERT_TRUE(client.complete() && server.complete());
  EXPECT_EQ(client_ctx_->cached_tickets(), 0u);
  EXPECT_FALSE(client.issue_ticket());  // a client has none to give
  EXPECT_TRUE(client.keeps_tickets());
  EXPECT_FALSE(server.keeps_tickets());
  ASSERT_TRUE(server.issue_ticket());
  EXPECT_GT(testing::transfer(server, client), 0u);
  EXPECT_EQ(client_ctx_->cached_tickets(), 1u);
}

TEST_F(TlsResumptionTest, FirstHandshakeIsFullAndLeavesOneTicket) {
  auto [client, server] = run(kPeer);
  ASSERT_TRUE(client.complete()) << client.error();
  ASSERT_TRUE(server.complete()) << server.error();
  EXPECT_FALSE(client.resumed());
  EXPECT_FALSE(server.resumed());
  EXPECT_EQ(client_ctx_->cached_tickets(), 1u);
}

TEST_F(TlsResumptionTest, SecondHandshakeResumesWithFreshKeysAndTheSameIdentities) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  auto [c2, s2] = run(kPeer);
  ASSERT_TRUE(c2.complete()) << c2.error();
  ASSERT_TRUE(s2.complete()) << s2.error();
  EXPECT_TRUE(c2.resumed());
  EXPECT_TRUE(s2.resumed());
  // The identities the first handshake authenticated.
  ASSERT_TRUE(c2.peer_identity() && s2.peer_identity());
  EXPECT_TRUE(c2.peer_identity()->same_identity(*c1.peer_identity()));
  EXPECT_TRUE(s2.peer_identity()->same_identity(*s1.peer_identity()));
  // Both sides export the same keys, and not those of the first connection.
  EXPECT_EQ(client_key(c2), client_key(s2));
  EXPECT_NE(client_key(c2), client_key(c1));
  // The used ticket was replaced by the one this handshake issued.
  EXPECT_EQ(client_ctx_->cached_tickets(), 1u);
  auto [c3, s3] = run(kPeer);
  EXPECT_TRUE(c3.resumed() && s3.resumed());
}

TEST_F(TlsResumptionTest, ResumingClientHelloOffersOnlyPskDheKeAndAKeyShare) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  TlsSession client = client_session(client_ctx_, kPeer);
  TlsSession server = server_session(server_ctx_);
  const auto hello = peek_output(client, server);
  const auto extensions = hello_extensions(hello);
  const auto* modes = find_extension(extensions, kPskKeyExchangeModes);
  ASSERT_NE(modes, nullptr);
  EXPECT_EQ(*modes, (std::vector<std::uint8_t>{1, 1}));  // one mode: psk_dhe_ke (1), no psk_ke (0)
  EXPECT_NE(find_extension(extensions, kPreSharedKey), nullptr);
  EXPECT_NE(find_extension(extensions, kKeyShare), nullptr);  // the (EC)DHE share
  testing::pump(client, server);
  EXPECT_TRUE(client.resumed() && server.resumed());
}

TEST_F(TlsResumptionTest, TicketIsOfferedOnce) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  TlsSession taker = client_session(client_ctx_, kPeer);  // takes the ticket
  EXPECT_EQ(client_ctx_->cached_tickets(), 0u);
  auto [c2, s2] = run(kPeer);  // nothing left to offer: full
  ASSERT_TRUE(c2.complete() && s2.complete());
  EXPECT_FALSE(c2.resumed());
  EXPECT_FALSE(s2.resumed());
}

TEST_F(TlsResumptionTest, AnotherPeerKeyDoesNotUseTheTicket) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  TlsSession client = client_session(client_ctx_, "127.0.0.2:5000|name localhost");
  TlsSession server = server_session(server_ctx_);
  const auto extensions = hello_extensions(peek_output(client, server));
  EXPECT_EQ(find_extension(extensions, kPreSharedKey), nullptr);
  testing::pump(client, server);
  if (server.issue_ticket()) testing::transfer(server, client);
  EXPECT_TRUE(client.complete());
  EXPECT_FALSE(client.resumed());
  EXPECT_EQ(client_ctx_->cached_tickets(), 2u);  // one per peer
}

TEST_F(TlsResumptionTest, EmptyKeyMeansFullHandshakeAndNoTicketKept) {
  auto [c1, s1] = run("");
  ASSERT_TRUE(c1.complete() && s1.complete());
  EXPECT_EQ(client_ctx_->cached_tickets(), 0u);
}

TEST_F(TlsResumptionTest, ServerWithoutResumptionIssuesNoTicket) {
  server_ctx_ = resuming_context(TlsRole::kServer, testing::server_credentials(pki_), false);
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  EXPECT_EQ(client_ctx_->cached_tickets(), 0u);
  auto [c2, s2] = run(kPeer);
  EXPECT_FALSE(c2.resumed());
}

TEST_F(TlsResumptionTest, ClientWithoutResumptionKeepsNoTicket) {
  client_ctx_ = resuming_context(TlsRole::kClient, testing::client_credentials(pki_), false);
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  EXPECT_EQ(client_ctx_->cached_tickets(), 0u);
  auto [c2, s2] = run(kPeer);
  EXPECT_FALSE(c2.resumed());
}

TEST_F(TlsResumptionTest, NoResumptionPastTheCertificatesValidity) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  // Two years on, the server certificate (one year) has expired: the client does not offer the
  // ticket, and the full handshake then fails on the expired certificate.
  const std::int64_t later = kNow + std::int64_t{2} * 365 * 24 * 3600;
  TlsSession client = client_session(client_ctx_, kPeer, later);
  TlsSession server = server_session(server_ctx_, later);
  const auto extensions = hello_extensions(peek_output(client, server));
  EXPECT_EQ(find_extension(extensions, kPreSharedKey), nullptr);
  testing::pump(client, server);
  EXPECT_FALSE(client.resumed());
  EXPECT_TRUE(client.failed());
}

TEST_F(TlsResumptionTest, ServerRefusesTicketsWhenTheClientCertificateExpired) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  // The client still believes its ticket (its clock says now); the server judges at a time the
  // client certificate has expired: no resumption, and the full handshake fails.
  const std::int64_t later = kNow + std::int64_t{2} * 365 * 24 * 3600;
  TlsSession client = client_session(client_ctx_, kPeer, kNow);
  TlsSession server = server_session(server_ctx_, later);
  testing::pump(client, server);
  EXPECT_FALSE(server.resumed());
  EXPECT_TRUE(server.failed());
}

TEST_F(TlsResumptionTest, ServerNeverResumesARekey) {
  auto [c1, s1] = run(kPeer);
  ASSERT_TRUE(c1.complete() && s1.complete());
  // A rekey server knows the previous identity: it refuses the ticket and authenticates again.
  TlsSession client = client_session(client_ctx_, kPeer);
  TlsSession server = server_session(server_ctx_, kNow, *s1.peer_identity());
  testing::pump(client, server);
  ASSERT_TRUE(client.complete()) << client.error();
  ASSERT_TRUE(server.complete()) << server.error();
  EXPECT_FALSE(client.resumed());
  EXPECT_FALSE(server.resumed());
}

TEST_F(TlsResumptionTest, CacheKeepsAtMostTheConfiguredNumberOfTickets) {
  TlsContextOptions options;
  options.resumption = true;
  options.max_cached_tickets = 2;
  auto small = TlsContext::create(TlsRole::kClient, testing::client_credentials(pki_), {}, options);
  ASSERT_TRUE(small.ok());
  client_ctx_ = *small;
  for (const char* key : {"a", "b", "c"}) {
    auto [c, s] = run(key);
    ASSERT_TRUE(c.complete() && s.complete());
    // Closed before it is freed, as the key manager does: libssl marks the session of a
    // connection freed without close_notify as not resumable.
    c.close();
  }
  EXPECT_EQ(client_ctx_->cached_tickets(), 2u);
  auto [ca, sa] = run("a");  // the oldest went
  EXPECT_FALSE(ca.resumed());
  EXPECT_EQ(client_ctx_->cached_tickets(), 2u);
  auto [cc, sc] = run("c");
  EXPECT_TRUE(cc.resumed());
}

}  // namespace
}  // namespace sctps::km
