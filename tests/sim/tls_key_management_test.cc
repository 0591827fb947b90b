// Key-management method 192 (TLS 1.3, draft-porfiri-tsvwg-sctp-dtls-handshake §6.1) in the
// simulated network and driven directly: the handshake over PPID 4242 in clear, the order in which
// keys reach the protectors, Protection Established, held application messages, equal keys on
// both sides, loss, identity failures and the handshake timeout. Once per cipher suite.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "km/cert_gen.h"
#include "km/km_message.h"
#include "km/tls_key_manager.h"
#include "protection_harness.h"
#include "tls_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

struct TlsOptions {
  std::uint16_t suite = 0x1301;
  std::string expected_server_name = "localhost";
  // Empty: the server accepts any client certificate from the CA.
  std::string expected_client_name;
  Duration handshake_timeout = sec(10);
  // The SCTP initiator takes the key-management server role (roles are negotiated apart from who
  // initiates, draft-ietf-tsvwg-sctp-dtls-chunk §5.1).
  bool initiator_is_server = false;
  // TLS 1.3 resumption on both contexts (tickets issued and offered).
  bool resumption = false;
};

// The SCTP client endpoint takes the key-management client role with the client certificate, the
// SCTP server endpoint the server role with the server certificate (their extended key usages).
km::TlsKeyManagerConfig tls_config(bool server, const TlsOptions& o) {
  const std::vector<std::uint16_t> suites{o.suite};
  km::TlsContextOptions context_options;
  context_options.resumption = o.resumption;
  auto context = km::TlsContext::create(server ? km::TlsRole::kServer : km::TlsRole::kClient,
                                        credentials(server), suites, context_options);
  if (!context.ok()) {
    ADD_FAILURE() << context.error().message;
    std::abort();
  }
  km::TlsKeyManagerConfig c;
  (server ? c.server_context : c.client_context) = context.value();
  c.peer_when_client = km::PeerIdentityPolicy::expect_name(o.expected_server_name);
  c.peer_when_server = o.expected_client_name.empty()
                           ? km::PeerIdentityPolicy::chain_only()
                           : km::PeerIdentityPolicy::expect_name(o.expected_client_name);
  c.handshake_timeout = o.handshake_timeout;
  c.unix_time = km::unix_time_from(kUnixNow);
  return c;
}

struct TlsPair {
  explicit TlsPair(std::uint64_t seed, LinkConfig link = {}, TlsOptions o = {})
      : client_keys(
            std::make_shared<km::TlsKeyManagerFactory>(tls_config(o.initiator_is_server, o))),
        server_keys(
            std::make_shared<km::TlsKeyManagerFactory>(tls_config(!o.initiator_is_server, o))),
        pair(
            seed, link,
            with_dtls(fast_options(), tls_dtls(o.initiator_is_server ? core::DtlsRoles::kServer
                                                                     : core::DtlsRoles::kClient)),
            with_dtls(fast_options(), tls_dtls(o.initiator_is_server ? core::DtlsRoles::kClient
                                                                     : core::DtlsRoles::kServer)),
            [this](core::EndpointConfig& c) {
              c.key_managers = client_keys.get();
              c.key_log = [this](std::string_view line) { client_log.emplace_back(line); };
            },
            [this](core::EndpointConfig& c) {
              c.key_managers = server_keys.get();
              c.key_log = [this](std::string_view line) { server_log.emplace_back(line); };
            }) {}

  std::shared_ptr<km::TlsKeyManagerFactory> client_keys;
  std::shared_ptr<km::TlsKeyManagerFactory> server_keys;
  std::vector<std::string> client_log;
  std::vector<std::string> server_log;
  Pair pair;
};

// The DATA chunks of a packet in clear.
std::vector<wire::DataChunk> clear_data(const WireRecord& r) {
  return r.data();
}

bool has_clear_key_management_data(const Packet& p) {
  auto v = parse_packet(p);
  if (!v) return false;
  for (const auto& c : *v) {
    if (c.type != ct::kData) continue;
    auto d = wire::DataChunk::parse(c);
    if (d && d->ppid.value() == core::kKeyManagementPpid) return true;
  }
  return false;
}

bool is_handshake_chunk(std::uint8_t type) {
  return type == ct::kInit || type == ct::kInitAck || type == ct::kCookieEcho ||
         type == ct::kCookieAck;
}

// Porfiri §7: the side whose TLS handshake failed sends the alert in a key-management message,
// then aborts. On the wire, its last two packets: DATA only (stream 0, PPID 4242, ordered, a T=0
// message of epoch 3 holding one TLS record), then the ABORT alone (RFC 9260 §3.3.7); the peer
// receives them in that order.
void expect_alert_then_abort(const WireLog& log, const IpAddress& from, const IpAddress& to) {
  const auto sent = log.sent(from);
  ASSERT_GE(sent.size(), 2u);
  const WireRecord& alert = *sent[sent.size() - 2];
  const WireRecord& abort = *sent[sent.size() - 1];
  EXPECT_EQ(abort.types(), std::vector<std::uint8_t>{ct::kAbort}) << abort.describe(kTimeZero);
  const std::vector<wire::DataChunk> data = alert.data();
  ASSERT_EQ(data.size(), 1u) << alert.describe(kTimeZero);
  EXPECT_EQ(alert.types().size(), 1u) << alert.describe(kTimeZero);
  const wire::DataChunk& d = data[0];
  EXPECT_EQ(d.stream_id.value(), 0u);
  EXPECT_EQ(d.ppid.value(), core::kKeyManagementPpid);
  EXPECT_FALSE(d.unordered);
  EXPECT_TRUE(d.beginning && d.ending);
  ASSERT_GE(d.payload.size(), 6u);
  EXPECT_EQ(d.payload[0], 0x03);  // T=0, epoch 3
  // One TLS record: an alert (21), or under the handshake keys an encrypted one (23).
  EXPECT_TRUE(d.payload[1] == 21 || d.payload[1] == 23) << int{d.payload[1]};
  EXPECT_EQ(d.payload[2], 0x03);
  EXPECT_EQ(d.payload[3], 0x03);
  EXPECT_EQ(std::size_t{d.payload[4]} * 256 + d.payload[5], d.payload.size() - 6);
  // Delivered to the peer, in that order.
  const auto delivered = log.delivered(to);
  const auto at = [&](const WireRecord& r) {
    return std::find_if(delivered.begin(), delivered.end(),
                        [&](const WireRecord* x) { return x->bytes == r.bytes; });
  };
  const auto alert_at = at(alert);
  const auto abort_at = at(abort);
  ASSERT_NE(alert_at, delivered.end());
  ASSERT_NE(abort_at, delivered.end());
  EXPECT_LT(alert_at, abort_at);
}

class TlsKeyManagementTest : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(TlsKeyManagementTest, HandshakeInClearThenEveryPacketProtected) {
  TlsOptions o;
  o.suite = GetParam();
  TlsPair t(11, {}, o);
  Pair& p = t.pair;
  WireLog log(p.net);
  const core::AssocId id = p.connect();
  // Queued before the association exists: held until protection, never in clear.
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(3000, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  ASSERT_EQ(p.server->endpoint().send(p.server_assoc(), StreamId(1), Ppid(52), pattern(2000, 2), {},
                                      p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.client->received.size() == 1; }));
  p.net.run_for(sec(1));  // the last SACKs
  dump_if_requested(log, kTimeZero);

  EXPECT_EQ(p.server->received[0].message.payload, pattern(3000, 1));
  EXPECT_TRUE(p.server->received[0].message.is_protected);
  EXPECT_EQ(p.client->received[0].message.payload, pattern(2000, 2));
  EXPECT_TRUE(p.client->received[0].message.is_protected);
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());

  for (EndpointHost* host : {p.client.get(), p.server.get()}) {
    const auto established = events_of<core::ProtectionEstablished>(*host);
    ASSERT_EQ(established.size(), 1u);
    EXPECT_EQ(established[0].method, wire::dtls_km_method::kTls13);
    EXPECT_EQ(established[0].epoch, 3u);
  }

  // On the wire, per sender: first clear packets, in which DATA is only key-management messages
  // (the TLS handshake), then, from its first DTLS chunk on, nothing in clear but the SCTP
  // handshake chunks.
  for (const IpAddress& from : {p.client_ip, p.server_ip}) {
    bool sealed_seen = false;
    std::size_t clear_km = 0;
    std::size_t sealed = 0;
    for (const WireRecord* r : log.sent(from)) {
      const auto types = r->types();
      ASSERT_FALSE(types.empty());
      if (types[0] == wire::DtlsChunk::kType) {
        EXPECT_EQ(types.size(), 1u);
        sealed_seen = true;
        ++sealed;
        continue;
      }
      EXPECT_FALSE(sealed_seen && !is_handshake_chunk(types[0])) << r->describe(kTimeZero);
      for (const wire::DataChunk& d : clear_data(*r)) {
        EXPECT_EQ(d.ppid.value(), core::kKeyManagementPpid) << r->describe(kTimeZero);
        EXPECT_EQ(d.stream_id.value(), 0u);
        ++clear_km;
      }
    }
    EXPECT_GE(clear_km, 1u) << from.to_string();  // ClientHello / the server's flight
    EXPECT_GT(sealed, 1u) << from.to_string();
  }

  // Equal keys: every key direction one side installed, the other installed too (send on one side,
  // receive on the other; same verification tag, epoch, suite and bytes). Primary and restart.
  ASSERT_EQ(t.client_log.size(), 4u);
  auto a = t.client_log;
  auto b = t.server_log;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  const std::string suite_hex = fmt::format(" 3 {:04x} ", o.suite);
  for (const std::string& line : a) EXPECT_NE(line.find(suite_hex), std::string::npos) << line;

  const auto stats = p.client->endpoint().stats(id);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->protection.aead_failures, 0u);
  EXPECT_GE(stats->key_management_messages_sent, 2u);      // ClientHello, Finished (+close)
  EXPECT_GE(stats->key_management_messages_received, 2u);  // server flight, Protection Established
  EXPECT_EQ(stats->held_messages, 1u);
}

// Clear key-management bytes `from` sent (the TLS handshake before protection).
std::size_t clear_key_management_bytes(const WireLog& log, const IpAddress& from,
                                       std::size_t skip_records = 0) {
  std::size_t bytes = 0;
  std::size_t index = 0;
  for (const WireRecord* r : log.sent(from)) {
    if (index++ < skip_records) continue;
    for (const wire::DataChunk& d : clear_data(*r)) {
      if (d.ppid.value() == core::kKeyManagementPpid) bytes += d.payload.size();
    }
  }
  return bytes;
}

// A second association to the same server resumes the first one's TLS session (psk_dhe_ke): no
// certificates on the wire, the same identities, fresh keys; its rekeys still authenticate in
// full.
TEST_P(TlsKeyManagementTest, SecondAssociationResumesAndRekeysInFull) {
  TlsOptions o;
  o.suite = GetParam();
  o.resumption = true;
  TlsPair t(31, {}, o);
  Pair& p = t.pair;
  WireLog log(p.net);
  const core::AssocId first = p.connect();
  ASSERT_TRUE(p.run_until([&] {
    return !events_of<core::ProtectionEstablished>(*p.client).empty() &&
           !events_of<core::ProtectionEstablished>(*p.server).empty();
  }));
  const std::size_t full_server_bytes = clear_key_management_bytes(log, p.server_ip);
  ASSERT_TRUE(p.client->endpoint().shutdown(first, p.net.now()));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kShutdown);

  const std::size_t server_records_before = log.sent(p.server_ip).size();
  const core::AssocId second = p.connect();
  ASSERT_TRUE(p.run_until([&] {
    return events_of<core::ProtectionEstablished>(*p.client).size() == 2 &&
           events_of<core::ProtectionEstablished>(*p.server).size() == 2;
  }));
  for (EndpointHost* host : {p.client.get(), p.server.get()}) {
    const auto established = events_of<core::ProtectionEstablished>(*host);
    EXPECT_FALSE(established[0].resumed);
    EXPECT_TRUE(established[1].resumed);
    EXPECT_EQ(established[1].epoch, 3u);
  }
  // The server's certificate and CertificateVerify stayed at home.
  const std::size_t resumed_server_bytes =
      clear_key_management_bytes(log, p.server_ip, server_records_before);
  EXPECT_GT(resumed_server_bytes, 0u);
  EXPECT_LT(resumed_server_bytes + 300, full_server_bytes)
      << resumed_server_bytes << " vs " << full_server_bytes;

  ASSERT_EQ(
      p.client->endpoint().send(second, StreamId(1), Ppid(51), pattern(1500, 3), {}, p.net.now()),
      core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  EXPECT_EQ(p.server->received[0].message.payload, pattern(1500, 3));
  EXPECT_TRUE(p.server->received[0].message.is_protected);

  // A rekey of the resumed association: a full handshake with certificates, judged against the
  // identity the resumed session carried.
  ASSERT_TRUE(p.client->endpoint().rekey(second, p.net.now()));
  ASSERT_TRUE(p.run_until([&] { return !events_of<core::KeysRotated>(*p.client).empty(); }));
  EXPECT_EQ(events_of<core::KeysRotated>(*p.client)[0].epoch, 4u);
  EXPECT_EQ(p.client->downs.size(), 1u);
  EXPECT_EQ(p.server->downs.size(), 1u);
}

TEST_P(TlsKeyManagementTest, MessagesFlowBothWaysWithLoss) {
  TlsOptions o;
  o.suite = GetParam();
  LinkConfig link;
  link.loss = 0.05;
  TlsPair t(23, link, o);
  Pair& p = t.pair;
  const core::AssocId id = p.connect();
  constexpr std::size_t kMessages = 30;
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(800 + i * 37, i), {},
                                        p.net.now()),
              core::SendStatus::kOk);
  }
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == kMessages; }, sec(120)))
      << "server got " << p.server->received.size();
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    ASSERT_EQ(p.server->endpoint().send(p.server_assoc(), StreamId(2), Ppid(52),
                                        pattern(500 + i * 53, 100 + i), {}, p.net.now()),
              core::SendStatus::kOk);
  }
  ASSERT_TRUE(p.run_until([&] { return p.client->received.size() == kMessages; }, sec(120)))
      << "client got " << p.client->received.size();
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    EXPECT_EQ(p.server->received[i].message.payload, pattern(800 + i * 37, i));
    EXPECT_TRUE(p.server->received[i].message.is_protected);
    EXPECT_EQ(p.client->received[i].message.payload, pattern(500 + i * 53, 100 + i));
    EXPECT_TRUE(p.client->received[i].message.is_protected);
  }
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
  EXPECT_GT(p.net.totals().dropped_loss, 0u);
}

TEST_P(TlsKeyManagementTest, SctpResponderAsKeyManagementClient) {
  TlsOptions o;
  o.suite = GetParam();
  o.initiator_is_server = true;
  TlsPair t(17, {}, o);
  Pair& p = t.pair;
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(1500, 3), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  EXPECT_EQ(p.server->received[0].message.payload, pattern(1500, 3));
  EXPECT_TRUE(p.server->received[0].message.is_protected);
  const auto agreement = p.client->endpoint().dtls_agreement(id);
  ASSERT_TRUE(agreement);
  EXPECT_EQ(agreement->role, core::DtlsRole::kServer);
  EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.client).size(), 1u);
  EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.server).size(), 1u);
  auto a = t.client_log;
  auto b = t.server_log;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a, b);
}

TEST_P(TlsKeyManagementTest, WrongServerNameAbortsBothSidesWithTheReason) {
  TlsOptions o;
  o.suite = GetParam();
  o.expected_server_name = "wrong.example";
  TlsPair t(31, {}, o);
  Pair& p = t.pair;
  WireLog log(p.net);
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(100, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  p.net.run_for(sec(1));  // the server's own ABORT
  dump_if_requested(log, kTimeZero);
  EXPECT_TRUE(p.server->received.empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.server).empty());
  const std::string& client_detail = p.client->downs[0].detail;
  EXPECT_NE(
      client_detail.find("TLS handshake failed: peer certificate does not name wrong.example"),
      std::string::npos)
      << client_detail;
  // The server learns it from the client's TLS alert (porfiri §7), before the ABORT, and aborts
  // on its own with the alert in its reason.
  const std::string& server_detail = p.server->downs[0].detail;
  EXPECT_NE(server_detail.find("key management failed: TLS handshake failed"), std::string::npos)
      << server_detail;
  EXPECT_NE(server_detail.find("peer sent alert bad certificate"), std::string::npos)
      << server_detail;
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kLocalAbort);
  EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kLocalAbort);
  expect_alert_then_abort(log, p.client_ip, p.server_ip);
  // The server's ABORT follows; the client, closed, takes it as out of the blue (discarded).
  const auto server_sent = log.sent(p.server_ip);
  ASSERT_FALSE(server_sent.empty());
  EXPECT_EQ(server_sent.back()->types(), std::vector<std::uint8_t>{ct::kAbort});
  EXPECT_EQ(p.client->downs.size(), 1u);
  EXPECT_TRUE(t.client_log.empty());
  EXPECT_TRUE(t.server_log.empty());
}

// The server refuses the client's certificate after the client has completed its side of the
// handshake and installed its receive keys (§6.1 step 7): no protection, both sides down.
TEST_P(TlsKeyManagementTest, RejectedClientCertificateAbortsBothSides) {
  TlsOptions o;
  o.suite = GetParam();
  o.expected_client_name = "other-client";
  TlsPair t(37, {}, o);
  Pair& p = t.pair;
  WireLog log(p.net);
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(100, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  p.net.run_for(sec(1));
  dump_if_requested(log, kTimeZero);
  EXPECT_TRUE(p.server->received.empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.server).empty());
  const std::string& server_detail = p.server->downs[0].detail;
  EXPECT_NE(server_detail.find("peer certificate does not name other-client"), std::string::npos)
      << server_detail;
  // The client hears the server's alert (porfiri §7) and aborts with it in its reason.
  const std::string& client_detail = p.client->downs[0].detail;
  EXPECT_NE(client_detail.find("peer rejected the handshake; peer sent alert bad certificate"),
            std::string::npos)
      << client_detail;
  EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kLocalAbort);
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kLocalAbort);
  expect_alert_then_abort(log, p.server_ip, p.client_ip);
  // The held application message is reported undelivered, the key-management ones are not.
  ASSERT_EQ(p.client->downs[0].undelivered.size(), 1u);
  EXPECT_EQ(p.client->downs[0].undelivered[0].payload, pattern(100, 1));
  // The client had installed its two receive keys, never a send key; the server nothing.
  EXPECT_EQ(t.client_log.size(), 2u);
  EXPECT_TRUE(t.server_log.empty());
}

TEST_P(TlsKeyManagementTest, HandshakeTimesOutWhenTheClientsMessagesAreLost) {
  TlsOptions o;
  o.suite = GetParam();
  o.handshake_timeout = sec(3);
  TlsPair t(41, {}, o);
  Pair& p = t.pair;
  std::size_t filtered = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& packet) {
    if (!has_clear_key_management_data(packet)) return Verdict::kPass;
    ++filtered;
    return Verdict::kDrop;
  });
  const TimePoint t0 = p.net.now();
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(100, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  EXPECT_GT(filtered, 0u);
  EXPECT_TRUE(p.server->received.empty());
  for (EndpointHost* host : {p.client.get(), p.server.get()}) {
    const std::string& detail = host->downs[0].detail;
    EXPECT_NE(detail.find("timeout"), std::string::npos) << detail;
  }
  // The server started first (at COOKIE ECHO) and waited for the ClientHello.
  EXPECT_NE(p.server->downs[0].detail.find("client's handshake messages"), std::string::npos)
      << p.server->downs[0].detail;
  EXPECT_GE(p.net.now() - t0, sec(3));
  EXPECT_LT(p.net.now() - t0, sec(4));
  // The held application message is reported undelivered. (The engine lists the unacknowledged
  // ClientHello there too, as a PPID 4242 message; only the application's are checked.)
  std::size_t application = 0;
  for (const core::UnsentMessage& m : p.client->downs[0].undelivered) {
    if (m.ppid.value() == core::kKeyManagementPpid) continue;
    ++application;
    EXPECT_EQ(m.ppid.value(), 51u);
    EXPECT_EQ(m.payload, pattern(100, 1));
  }
  EXPECT_EQ(application, 1u);
}

// A TLS 1.3 client with no certificate to present: OpenSSL driven directly, its records framed as
// porfiri §4 messages of epoch 3. The engine's own TlsContext always holds a certificate (mutual
// authentication, §3.3), so a peer without one is another implementation, misconfigured; it does
// not judge the server (not what is tested) and never installs keys.
class CertificatelessClient final : public core::KeyManager {
 public:
  // `handshake_done`: set once OpenSSL finished its side (sent an empty Certificate and Finished).
  explicit CertificatelessClient(bool& handshake_done)
      : ctx_(SSL_CTX_new(TLS_client_method())), handshake_done_(handshake_done) {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);
    SSL_set_app_data(ssl_, this);
    SSL_set_info_callback(ssl_, &CertificatelessClient::on_info);
    SSL_set_connect_state(ssl_);
  }
  ~CertificatelessClient() override {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  CertificatelessClient(const CertificatelessClient&) = delete;
  CertificatelessClient& operator=(const CertificatelessClient&) = delete;

  void start(protect::ChunkProtector&, TimePoint) override { step(); }
  void on_message(std::span<const std::uint8_t> message, bool, protect::ChunkProtector&,
                  TimePoint) override {
    if (state_ == core::KeyManagerState::kFailed || message.size() < 2 ||
        message[0] != km::km_header(km::KmMessageType::kTlsRecords, 3)) {
      return;
    }
    BIO_write(rbio_, message.data() + 1, static_cast<int>(message.size() - 1));
    step();
  }
  void on_limit(const protect::KeyLimitEvent&, protect::ChunkProtector&, TimePoint) override {}
  bool rekey(protect::ChunkProtector&, TimePoint) override { return false; }
  void advance_time(protect::ChunkProtector&, TimePoint) override {}
  TimePoint next_deadline() const override { return kTimeInfinite; }
  std::optional<std::vector<std::uint8_t>> poll_message() override {
    if (outbox_.empty()) return std::nullopt;
    std::vector<std::uint8_t> m = std::move(outbox_.front());
    outbox_.erase(outbox_.begin());
    return m;
  }
  core::KeyManagerState state() const override { return state_; }
  std::string failure() const override { return failure_; }
  std::uint64_t epoch() const override { return 0; }

 private:
  static void on_info(const SSL* ssl, int where, int ret) {
    if ((where & SSL_CB_READ_ALERT) == 0) return;
    auto* self = static_cast<CertificatelessClient*>(SSL_get_app_data(ssl));
    self->alert_ = ret & 0xFF;  // the description (RFC 8446 §6)
  }
  void step() {
    if (!handshake_done_) {
      const int r = SSL_do_handshake(ssl_);
      if (r == 1) {
        handshake_done_ = true;
      } else if (SSL_get_error(ssl_, r) != SSL_ERROR_WANT_READ) {
        fail();
      }
    }
    if (handshake_done_ && state_ != core::KeyManagerState::kFailed) {
      // The server's verdict on our (empty) Certificate arrives after our Finished.
      std::array<std::uint8_t, 64> sink{};
      const int r = SSL_read(ssl_, sink.data(), static_cast<int>(sink.size()));
      if (r > 0 || SSL_get_error(ssl_, r) != SSL_ERROR_WANT_READ) fail();
    }
    const std::size_t pending = BIO_ctrl_pending(wbio_);
    if (pending == 0) return;
    std::vector<std::uint8_t> message(pending + 1);
    message[0] = km::km_header(km::KmMessageType::kTlsRecords, 3);
    BIO_read(wbio_, message.data() + 1, static_cast<int>(pending));
    outbox_.push_back(std::move(message));
  }
  void fail() {
    state_ = core::KeyManagerState::kFailed;
    failure_ = "certificate-less TLS client failed";
    if (alert_ == 116)
      failure_ += "; peer sent alert 116 (certificate_required)";
    else if (alert_ >= 0)
      failure_ += fmt::format("; peer sent alert {}", alert_);
  }

  SSL_CTX* ctx_;
  bool& handshake_done_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  core::KeyManagerState state_ = core::KeyManagerState::kPending;
  std::string failure_;
  int alert_ = -1;
  std::vector<std::vector<std::uint8_t>> outbox_;
};

class CertificatelessClientFactory final : public core::KeyManagerFactory {
 public:
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override {
    if (agreement.method != wire::dtls_km_method::kTls13 ||
        agreement.role != core::DtlsRole::kClient) {
      error = "certificate-less client: TLS client role only";
      return nullptr;
    }
    ++created;
    return std::make_unique<CertificatelessClient>(handshake_done);
  }
  std::size_t created = 0;
  bool handshake_done = false;  // outlives the managers, which the associations own
};

// A pair whose client endpoint uses `client_keys` (a test key manager) against a TLS server.
struct CustomClientPair {
  CustomClientPair(std::uint64_t seed, core::KeyManagerFactory& client_keys)
      : server_keys(std::make_shared<km::TlsKeyManagerFactory>(tls_config(true, TlsOptions{}))),
        pair(
            seed, {}, with_dtls(fast_options(), tls_dtls(core::DtlsRoles::kClient)),
            with_dtls(fast_options(), tls_dtls(core::DtlsRoles::kServer)),
            [&client_keys](core::EndpointConfig& c) { c.key_managers = &client_keys; },
            [this](core::EndpointConfig& c) { c.key_managers = server_keys.get(); }) {}

  // Connects with `message` queued on stream 1 and runs until both sides are down, then 1 s more
  // (what is still in flight arrives).
  void connect_until_down(const std::vector<std::uint8_t>& message) {
    const core::AssocId id = pair.connect();
    ASSERT_EQ(pair.client->endpoint().send(id, StreamId(1), Ppid(51), message, {}, pair.net.now()),
              core::SendStatus::kOk);
    ASSERT_TRUE(
        pair.run_until([&] { return !pair.client->downs.empty() && !pair.server->downs.empty(); }));
    pair.net.run_for(sec(1));
  }

  std::shared_ptr<km::TlsKeyManagerFactory> server_keys;
  Pair pair;
};

// The server requires a client certificate (SSL_VERIFY_FAIL_IF_NO_PEER_CERT; porfiri §3.3 mutual
// authentication) and gets none: it fails, sends certificate_required (RFC 8446 §4.4.2.4) before
// its ABORT (porfiri §7), and both sides go down with nothing delivered.
TEST(TlsKeyManagementFailureTest, ClientWithoutCertificateIsRefusedWithCertificateRequired) {
  CertificatelessClientFactory client_keys;
  CustomClientPair t(43, client_keys);
  Pair& p = t.pair;
  WireLog log(p.net);
  t.connect_until_down(pattern(200, 4));
  dump_if_requested(log, kTimeZero);
  EXPECT_EQ(client_keys.created, 1u);
  // The client did its part: it sent its Finished (without a certificate) before the verdict.
  EXPECT_TRUE(client_keys.handshake_done);

  EXPECT_TRUE(p.server->received.empty());
  EXPECT_TRUE(p.client->received.empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.server).empty());
  const core::AssociationDown& server_down = p.server->downs[0];
  const core::AssociationDown& client_down = p.client->downs[0];
  EXPECT_EQ(server_down.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(server_down.detail.find("peer did not return a certificate"), std::string::npos)
      << server_down.detail;
  EXPECT_NE(server_down.detail.find("; sent alert certificate required"), std::string::npos)
      << server_down.detail;
  EXPECT_EQ(client_down.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(client_down.detail.find("peer sent alert 116 (certificate_required)"),
            std::string::npos)
      << client_down.detail;
  ASSERT_EQ(client_down.undelivered.size(), 1u);
  EXPECT_EQ(client_down.undelivered[0].payload, pattern(200, 4));
  expect_alert_then_abort(log, p.server_ip, p.client_ip);
}

// The TLS manager of one side, failed on purpose as it starts, with a last message of `size`
// bytes (T=0, epoch 3) after its ClientHello: what the engine does with the messages a failed
// manager leaves, when they fit one packet and when they do not.
class FailAtStart final : public core::KeyManager {
 public:
  FailAtStart(std::unique_ptr<core::KeyManager> inner, std::size_t size)
      : inner_(std::move(inner)), size_(size) {}
  void start(protect::ChunkProtector& p, TimePoint now) override {
    inner_->start(p, now);
    failed_ = true;
    last_ = pattern(size_, 9);
    (*last_)[0] = km::km_header(km::KmMessageType::kTlsRecords, 3);
  }
  void on_message(std::span<const std::uint8_t>, bool, protect::ChunkProtector&,
                  TimePoint) override {}
  void on_limit(const protect::KeyLimitEvent&, protect::ChunkProtector&, TimePoint) override {}
  bool rekey(protect::ChunkProtector&, TimePoint) override { return false; }
  void advance_time(protect::ChunkProtector&, TimePoint) override {}
  TimePoint next_deadline() const override { return kTimeInfinite; }
  std::optional<std::vector<std::uint8_t>> poll_message() override {
    if (auto m = inner_->poll_message()) return m;
    std::optional<std::vector<std::uint8_t>> m = std::move(last_);
    last_.reset();
    return m;
  }
  core::KeyManagerState state() const override {
    return failed_ ? core::KeyManagerState::kFailed : inner_->state();
  }
  std::string failure() const override { return "failed on purpose"; }
  std::uint64_t epoch() const override { return inner_->epoch(); }

 private:
  std::unique_ptr<core::KeyManager> inner_;
  std::size_t size_;
  bool failed_ = false;
  std::optional<std::vector<std::uint8_t>> last_;
};

class FailAtStartFactory final : public core::KeyManagerFactory {
 public:
  FailAtStartFactory(km::TlsKeyManagerConfig config, std::size_t size)
      : inner_(std::move(config)), size_(size) {}
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override {
    auto made = inner_.create(agreement, error);
    if (!made) return nullptr;
    return std::make_unique<FailAtStart>(std::move(made), size_);
  }

 private:
  km::TlsKeyManagerFactory inner_;
  std::size_t size_;
};

class PartingMessagesTest : public ::testing::TestWithParam<bool> {};  // true: they fit a packet

// What a failed key manager still had to send goes, all of it, in one packet of DATA alone before
// the ABORT, in order on stream 0 with consecutive TSNs; when it does not fit one packet, none of
// it goes and the ABORT leaves alone at once. Held application messages never go.
TEST_P(PartingMessagesTest, GoInOnePacketBeforeTheAbortOrNotAtAll) {
  const bool fits = GetParam();
  const std::size_t size = fits ? 40 : 3000;  // beyond the path MTU (1500 by default)
  FailAtStartFactory client_keys(tls_config(false, TlsOptions{}), size);
  CustomClientPair t(47, client_keys);
  Pair& p = t.pair;
  WireLog log(p.net);
  t.connect_until_down(pattern(300, 5));
  dump_if_requested(log, kTimeZero);

  const core::AssociationDown& client_down = p.client->downs[0];
  EXPECT_EQ(client_down.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(client_down.detail.find("key management failed: failed on purpose"), std::string::npos)
      << client_down.detail;
  ASSERT_EQ(client_down.undelivered.size(), 1u);
  EXPECT_EQ(client_down.undelivered[0].ppid.value(), 51u);
  EXPECT_TRUE(p.server->received.empty());

  // After the SCTP handshake the client sends DATA of stream 0 only, then its ABORT, alone. (What
  // follows is the endpoint's answer to packets for the closed association, RFC 9260 §8.4.)
  const auto sent = log.sent(p.client_ip);
  std::vector<const WireRecord*> after_handshake;
  for (const WireRecord* r : sent) {
    if (is_handshake_chunk(r->types().at(0))) continue;
    after_handshake.push_back(r);
    if (r->has(ct::kAbort)) break;
  }
  ASSERT_FALSE(after_handshake.empty());
  EXPECT_EQ(after_handshake.back()->types(), std::vector<std::uint8_t>{ct::kAbort});
  if (fits) {
    // The ClientHello and the last message, in one packet: SSN 0 and 1, consecutive TSNs.
    ASSERT_EQ(after_handshake.size(), 2u);
    const auto data = after_handshake[0]->data();
    ASSERT_EQ(data.size(), 2u) << after_handshake[0]->describe(kTimeZero);
    EXPECT_EQ(after_handshake[0]->types().size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(data[i].stream_id.value(), 0u);
      EXPECT_EQ(data[i].ppid.value(), core::kKeyManagementPpid);
      EXPECT_EQ(data[i].ssn.value(), i);
    }
    EXPECT_EQ(data[1].tsn.value(), data[0].tsn.value() + 1);
    EXPECT_EQ(data[1].payload.size(), size);
    // The server took the ClientHello (the DATA arrived first) and answered with its flight.
    bool server_flight = false;
    for (const WireRecord* r : log.sent(p.server_ip)) {
      for (const wire::DataChunk& d : r->data()) {
        server_flight = server_flight || d.ppid.value() == core::kKeyManagementPpid;
      }
    }
    EXPECT_TRUE(server_flight);
  } else {
    ASSERT_EQ(after_handshake.size(), 1u) << after_handshake[0]->describe(kTimeZero);
    EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kPeerAborted);
    EXPECT_NE(p.server->downs[0].detail.find("failed on purpose"), std::string::npos)
        << p.server->downs[0].detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Size, PartingMessagesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? std::string("FitOnePacket")
                                                   : std::string("TooLarge");
                         });

INSTANTIATE_TEST_SUITE_P(Suites, TlsKeyManagementTest, ::testing::Values(0x1301, 0x1302, 0x1303),
                         [](const ::testing::TestParamInfo<std::uint16_t>& param_info) {
                           return fmt::format("x{:04x}", param_info.param);
                         });

// --- The manager driven directly, without the engine: the order of §6.1 in the protectors ---

struct DirectPair {
  explicit DirectPair(TlsOptions o = {}, bool restart = true)
      : client_config(tls_config(false, o)), server_config(tls_config(true, o)) {
    make_managers(restart, 1);
  }
  // New managers for a second association with the same configurations (and so the same TLS
  // contexts and ticket caches), with other down-grade data.
  void renew(bool restart = true) {
    make_managers(restart, 9);
    client_protector = protect::ChunkProtector();
    server_protector = protect::ChunkProtector();
  }
  void make_managers(bool restart, std::uint8_t tie_breaker_base) {
    core::KeyManagementAgreement a;
    a.method = wire::dtls_km_method::kTls13;
    a.restart = restart;
    a.downgrade_data = {
        0x80, 0x06, 0x00, 0x0A, tie_breaker_base, 2, 3, 4, 0x01, 0xC0, 0x80, 0x06, 0x00, 0x0A, 5, 6,
        7,    8,    0x02, 0xC0};
    a.peer_addresses = {ip("10.0.0.2")};
    a.peer_port = 6000;
    a.role = core::DtlsRole::kClient;
    client = std::make_unique<km::TlsKeyManager>(a, client_config);
    a.role = core::DtlsRole::kServer;
    server = std::make_unique<km::TlsKeyManager>(a, server_config);
  }
  // §6.1 up to Protection Established delivered to the client, as the engine would run it.
  void establish(TimePoint now) {
    server->start(server_protector, now);
    client->start(client_protector, now);
    carry(*client, *server, server_protector, false, now);  // ClientHello
    carry(*server, *client, client_protector, false, now);  // the server's flight
    client->advance_time(client_protector, now);            // once the client's flight left
    carry(*client, *server, server_protector, false, now);  // the client's flight
    const auto pe = server->poll_message();                 // Protection Established
    ASSERT_TRUE(pe.has_value());
    client->on_message(*pe, true, client_protector, now);
    ASSERT_EQ(client->state(), core::KeyManagerState::kProtected);
    ASSERT_EQ(server->state(), core::KeyManagerState::kProtected);
  }
  // Moves every message from one manager to the other; returns how many.
  static std::size_t carry(km::TlsKeyManager& from, km::TlsKeyManager& to,
                           protect::ChunkProtector& to_protector, bool is_protected,
                           TimePoint now) {
    std::size_t n = 0;
    while (auto m = from.poll_message()) {
      to.on_message(*m, is_protected, to_protector, now);
      ++n;
    }
    return n;
  }

  km::TlsKeyManagerConfig client_config;
  km::TlsKeyManagerConfig server_config;
  std::unique_ptr<km::TlsKeyManager> client;
  std::unique_ptr<km::TlsKeyManager> server;
  protect::ChunkProtector client_protector;
  protect::ChunkProtector server_protector;
};

bool has_receive_key(const protect::ChunkProtector& p, bool restart) {
  return p.decryptions(restart, 3).has_value();
}

// A packet of one DATA chunk, sealed by `from` and opened by `to`.
bool seal_and_open(protect::ChunkProtector& from, protect::ChunkProtector& to) {
  std::vector<std::uint8_t> packet(128 + protect::ChunkProtector::kOverhead, 0);
  const std::vector<std::uint8_t> plain = {
      0x13, 0x88, 0x17, 0x70, 0, 0, 0, 1, 0, 0, 0, 0,  // common header
      0x00, 0x03, 0x00, 0x14, 0, 0, 0, 7, 0, 1, 0, 0, 0, 0, 0, 51, 'a', 'b', 'c', 'd'};  // DATA
  std::copy(plain.begin(), plain.end(), packet.begin());
  const protect::SealResult sealed = from.seal(packet, plain.size(), packet.size());
  if (!sealed.ok()) return false;
  packet.resize(sealed.length);
  const protect::OpenResult opened = to.open(packet);
  return opened.ok() && opened.chunks.bytes.size() >= 20 &&
         std::equal(plain.begin() + 12, plain.end(), opened.chunks.bytes.begin());
}

// With resumption, the ticket follows Protection Established (so it never delays it); the client
// keeps its session only until the ticket and the server's close_notify arrived; both free their
// TLS objects; the next association resumes.
TEST(TlsKeyManagerDirectTest, ResumingManagersPassTheTicketAfterProtectionThenFreeTheSession) {
  TlsOptions o;
  o.resumption = true;
  DirectPair d(o);
  const TimePoint now = kTimeZero + sec(1);
  d.establish(now);
  EXPECT_FALSE(d.client->resumed());
  // Nothing else queued by the server yet: the ticket, restart keys and close_notify are due.
  EXPECT_FALSE(d.server->poll_message().has_value());
  EXPECT_TRUE(d.server->holds_tls_session());
  EXPECT_LE(d.server->next_deadline(), now);
  EXPECT_FALSE(d.server_protector.encryptions(true, 3).has_value());
  d.server->advance_time(d.server_protector, now);
  EXPECT_TRUE(d.server_protector.encryptions(true, 3).has_value());
  EXPECT_FALSE(d.server->holds_tls_session());
  // The client waits for the ticket, at most the handshake timeout.
  EXPECT_TRUE(d.client->holds_tls_session());
  EXPECT_EQ(d.client->next_deadline(), now + sec(10));
  EXPECT_EQ(d.client_config.client_context->cached_tickets(), 0u);
  ASSERT_EQ(DirectPair::carry(*d.server, *d.client, d.client_protector, true, now), 1u);
  EXPECT_EQ(d.client_config.client_context->cached_tickets(), 1u);
  EXPECT_FALSE(d.client->holds_tls_session());
  // The client's close_notify answers the server's; late, harmless.
  ASSERT_EQ(DirectPair::carry(*d.client, *d.server, d.server_protector, true, now), 1u);
  EXPECT_EQ(d.server->late_messages(), 1u);

  d.renew();
  d.establish(now + sec(5));
  EXPECT_TRUE(d.client->resumed());
  EXPECT_TRUE(d.server->resumed());
  EXPECT_TRUE(seal_and_open(d.client_protector, d.server_protector));
  EXPECT_EQ(d.client_config.client_context->cached_tickets(), 0u);  // used, not yet renewed
  d.server->advance_time(d.server_protector, now + sec(5));
  DirectPair::carry(*d.server, *d.client, d.client_protector, true, now + sec(5));
  EXPECT_EQ(d.client_config.client_context->cached_tickets(), 1u);  // the next one
  EXPECT_FALSE(d.client->holds_tls_session());
  EXPECT_FALSE(d.server->holds_tls_session());
}

TEST(TlsKeyManagerDirectTest, ResumingClientGivesUpWaitingForATicket) {
  TlsOptions o;
  o.resumption = true;
  DirectPair d(o);
  const TimePoint now = kTimeZero + sec(1);
  d.establish(now);
  d.server->advance_time(d.server_protector, now);
  while (d.server->poll_message()) {
  }  // the ticket and close_notify are lost (a peer that never closes looks the same)
  EXPECT_TRUE(d.client->holds_tls_session());
  d.client->advance_time(d.client_protector, now + sec(9));
  EXPECT_TRUE(d.client->holds_tls_session());
  d.client->advance_time(d.client_protector, now + sec(10));
  EXPECT_FALSE(d.client->holds_tls_session());
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(d.client_config.client_context->cached_tickets(), 0u);
}

TEST(TlsKeyManagerDirectTest, InstallsKeysInTheOrderOfSection61) {
  DirectPair d;
  const TimePoint now = kTimeZero + sec(1);
  d.server->start(d.server_protector, now);
  d.client->start(d.client_protector, now);
  EXPECT_EQ(d.server->next_deadline(), now + sec(10));

  // ClientHello → server; the server's flight → client.
  ASSERT_EQ(DirectPair::carry(*d.client, *d.server, d.server_protector, false, now), 1u);
  ASSERT_EQ(DirectPair::carry(*d.server, *d.client, d.client_protector, false, now), 1u);
  // The client's exports and installs wait until its own flight has left: due at once, run by the
  // engine's next advance_time after it transmitted.
  EXPECT_FALSE(has_receive_key(d.client_protector, false));
  EXPECT_LE(d.client->next_deadline(), now);
  d.client->advance_time(d.client_protector, now);
  // Step 7: the client receives with the server's keys, does not send yet.
  EXPECT_TRUE(has_receive_key(d.client_protector, false));
  EXPECT_TRUE(has_receive_key(d.client_protector, true));
  EXPECT_FALSE(d.client_protector.has_send_key());
  EXPECT_FALSE(d.client_protector.protection_required());
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kPending);
  EXPECT_FALSE(has_receive_key(d.server_protector, false));

  // The client's Finished → server: steps 9-11.
  ASSERT_EQ(DirectPair::carry(*d.client, *d.server, d.server_protector, false, now), 1u);
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(d.server->epoch(), 3u);
  EXPECT_TRUE(d.server_protector.protection_required());
  ASSERT_TRUE(d.server_protector.send_key().has_value());
  EXPECT_FALSE(d.server_protector.send_key()->restart);
  EXPECT_EQ(d.server_protector.send_key()->epoch, 3u);
  // The restart keys follow once Protection Established has left (the next advance_time).
  EXPECT_FALSE(d.server_protector.encryptions(true, 3).has_value());
  EXPECT_LE(d.server->next_deadline(), now);
  d.server->advance_time(d.server_protector, now);
  EXPECT_TRUE(d.server_protector.encryptions(true, 3).has_value());  // restart send key
  EXPECT_TRUE(has_receive_key(d.server_protector, true));
  EXPECT_EQ(d.server->next_deadline(), now + sec(3600));  // the rekey interval (§3.4)
  // The server's keys work towards the client already.
  EXPECT_TRUE(seal_and_open(d.server_protector, d.client_protector));

  // Protection Established (then close_notify) → client: step 12.
  const auto pe = d.server->poll_message();
  ASSERT_TRUE(pe.has_value());
  ASSERT_EQ(pe->size(), 2u);
  EXPECT_EQ((*pe)[0], 0x83);  // T=1, epoch 3
  EXPECT_EQ((*pe)[1], 0x01);
  // Unprotected, it is not believed.
  d.client->on_message(*pe, false, d.client_protector, now);
  EXPECT_EQ(d.client->dropped_messages(), 1u);
  EXPECT_FALSE(d.client_protector.has_send_key());
  d.client->on_message(*pe, true, d.client_protector, now);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  EXPECT_TRUE(d.client_protector.protection_required());
  ASSERT_TRUE(d.client_protector.send_key().has_value());
  EXPECT_FALSE(d.client_protector.send_key()->restart);
  EXPECT_EQ(d.client->epoch(), 3u);
  EXPECT_TRUE(seal_and_open(d.client_protector, d.server_protector));
  EXPECT_TRUE(seal_and_open(d.server_protector, d.client_protector));
  ASSERT_NE(d.client->cipher_suite(), nullptr);
  EXPECT_EQ(d.client->cipher_suite()->id, 0x1301);
  ASSERT_TRUE(d.client->peer_identity().has_value());
  EXPECT_NE(d.client->peer_identity()->subject.find("CN=localhost"), std::string::npos);

  // Both close the TLS connection; the peer's close_notify arrives after ours freed the session
  // and is counted as late, not as an error.
  const std::uint64_t before = d.client->dropped_messages();
  EXPECT_GE(DirectPair::carry(*d.server, *d.client, d.client_protector, true, now), 1u);
  EXPECT_EQ(d.client->dropped_messages(), before);
  EXPECT_EQ(d.client->late_messages(), 1u);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  // The TLS objects and their secrets are gone on both sides (issue #6: idle memory).
  EXPECT_FALSE(d.client->holds_tls_session());
  EXPECT_FALSE(d.server->holds_tls_session());
}

TEST(TlsKeyManagerDirectTest, DropsAndCountsUnexpectedMessages) {
  DirectPair d({}, false);
  const TimePoint now = kTimeZero;
  d.server->start(d.server_protector, now);
  d.client->start(d.client_protector, now);
  auto hello = d.client->poll_message();
  ASSERT_TRUE(hello.has_value());
  ASSERT_EQ((*hello)[0], 0x03);  // T=0, epoch 3

  auto other_epoch = *hello;
  other_epoch[0] = 0x04;
  d.server->on_message(other_epoch, false, d.server_protector, now);
  const std::vector<std::uint8_t> unknown_control = {0x83, 0x7F};
  d.server->on_message(unknown_control, false, d.server_protector, now);
  const std::vector<std::uint8_t> empty;
  d.server->on_message(empty, false, d.server_protector, now);
  const std::vector<std::uint8_t> protection_established = {0x83, 0x01};
  d.server->on_message(protection_established, true, d.server_protector,
                       now);  // servers never get it
  d.client->on_message(protection_established, true, d.client_protector, now);  // too early
  EXPECT_EQ(d.server->dropped_messages(), 4u);
  EXPECT_EQ(d.client->dropped_messages(), 1u);
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kPending);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kPending);
  EXPECT_FALSE(d.client_protector.has_send_key());

  // The real ClientHello still completes the handshake; without restart no restart keys.
  d.server->on_message(*hello, false, d.server_protector, now);
  DirectPair::carry(*d.server, *d.client, d.client_protector, false, now);
  DirectPair::carry(*d.client, *d.server, d.server_protector, false, now);
  DirectPair::carry(*d.server, *d.client, d.client_protector, true, now);
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  EXPECT_FALSE(has_receive_key(d.client_protector, true));
  EXPECT_FALSE(d.client_protector.encryptions(true, 3).has_value());
  EXPECT_TRUE(seal_and_open(d.client_protector, d.server_protector));
}

TEST(TlsKeyManagerDirectTest, TimeoutAndTlsFailureGiveReadableReasons) {
  {
    DirectPair d;
    d.client->start(d.client_protector, kTimeZero);
    d.client->advance_time(d.client_protector, kTimeZero + sec(9));
    EXPECT_EQ(d.client->state(), core::KeyManagerState::kPending);
    d.client->advance_time(d.client_protector, kTimeZero + sec(10));
    EXPECT_EQ(d.client->state(), core::KeyManagerState::kFailed);
    EXPECT_NE(d.client->failure().find("timeout"), std::string::npos) << d.client->failure();
    EXPECT_NE(d.client->failure().find("server's handshake messages"), std::string::npos);
    EXPECT_EQ(d.client->next_deadline(), kTimeInfinite);
  }
  {
    TlsOptions o;
    o.expected_server_name = "other.example";
    DirectPair d(o);
    d.server->start(d.server_protector, kTimeZero);
    d.client->start(d.client_protector, kTimeZero);
    DirectPair::carry(*d.client, *d.server, d.server_protector, false, kTimeZero);
    DirectPair::carry(*d.server, *d.client, d.client_protector, false, kTimeZero);
    EXPECT_EQ(d.client->state(), core::KeyManagerState::kFailed);
    EXPECT_NE(d.client->failure().find("does not name other.example"), std::string::npos)
        << d.client->failure();
    EXPECT_FALSE(has_receive_key(d.client_protector, false));
    // The alert reaches the server, which fails with the TLS reason too.
    DirectPair::carry(*d.client, *d.server, d.server_protector, false, kTimeZero);
    EXPECT_EQ(d.server->state(), core::KeyManagerState::kFailed);
    EXPECT_NE(d.server->failure().find("alert"), std::string::npos) << d.server->failure();
  }
}

// Hostile bytes on PPID 4242 (network input): never a crash, never a key, at worst a failed
// handshake (which aborts the association, as a forged TLS record would over any transport).
TEST(TlsKeyManagerDirectTest, RandomMessagesNeverInstallKeys) {
  for (std::uint32_t round = 0; round < 20; ++round) {
    DirectPair d;
    d.server->start(d.server_protector, kTimeZero);
    d.client->start(d.client_protector, kTimeZero);
    for (std::uint32_t i = 0; i < 50; ++i) {
      std::vector<std::uint8_t> m = pattern(i % 40, round * 100 + i);
      if (!m.empty() && i % 2 == 0) m[0] = static_cast<std::uint8_t>(m[0] & 0x83);  // epoch 3 often
      if (m.size() > 3 && i % 3 == 0) {  // a plausible record header
        m[1] = 22;
        m[2] = 3;
        m[3] = 3;
      }
      d.server->on_message(m, i % 5 == 0, d.server_protector, kTimeZero);
      d.client->on_message(m, i % 5 == 0, d.client_protector, kTimeZero);
    }
    for (km::TlsKeyManager* m : {d.server.get(), d.client.get()}) {
      EXPECT_NE(m->state(), core::KeyManagerState::kProtected);
      if (m->state() == core::KeyManagerState::kFailed) {
        EXPECT_FALSE(m->failure().empty());
      }
    }
    for (protect::ChunkProtector* p : {&d.server_protector, &d.client_protector}) {
      EXPECT_FALSE(p->has_send_key());
      EXPECT_FALSE(has_receive_key(*p, false));
      EXPECT_FALSE(p->protection_required());
    }
  }
}

TEST(TlsKeyManagerFactoryTest, ServesOnlyMethod192AndConfiguredRoles) {
  km::TlsKeyManagerFactory factory(tls_config(false, {}));
  core::KeyManagementAgreement a;
  std::string error;
  a.method = wire::dtls_km_method::kPreSharedKeys;
  EXPECT_EQ(factory.create(a, error), nullptr);
  EXPECT_NE(error.find("method 0"), std::string::npos) << error;
  a.method = wire::dtls_km_method::kTls13;
  a.role = core::DtlsRole::kServer;  // only client credentials configured
  error.clear();
  EXPECT_EQ(factory.create(a, error), nullptr);
  EXPECT_NE(error.find("server role"), std::string::npos) << error;
  a.role = core::DtlsRole::kClient;
  error.clear();
  EXPECT_NE(factory.create(a, error), nullptr);
  EXPECT_TRUE(error.empty());
}

}  // namespace
}  // namespace sctps::sim
