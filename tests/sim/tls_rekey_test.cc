// Rekeying with key-management method 192 (draft-porfiri-tsvwg-sctp-dtls-handshake §6.2, §7):
// first the managers driven directly (who installs what when, simultaneous starts, triggers,
// retries, failures), then in the simulated network (a rekey every 2 s for an hour of virtual time
// under loss, simultaneous rekeys with traffic, each initial handshake message lost once, failure
// paths of the initial handshake, a tampered INIT parameter).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "km/tls_key_manager.h"
#include "protection_harness.h"
#include "tls_harness.h"
#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/dtls_chunk.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

namespace ct = wire::chunk_type;

struct RekeyOptions {
  std::uint16_t suite = 0x1301;
  Duration rekey_interval{};  // 0: only on request
  std::uint64_t rekey_bytes = 0;
  std::optional<Duration> drain_time = sec(1);
  Duration rekey_timeout = sec(10);
  // The negotiated server judges the client by name instead of the chain only.
  std::string expected_client_name;
  std::int64_t unix_time = kUnixNow;
};

// Both TLS roles on each side (either may start a rekey and be its TLS client).
km::TlsKeyManagerConfig rekey_config(const km::TlsCredentials& own, const RekeyOptions& o) {
  const std::vector<std::uint16_t> suites{o.suite};
  auto made = km::TlsKeyManagerConfig::from_credentials(own, suites);
  if (!made.ok()) {
    ADD_FAILURE() << made.error().message;
    std::abort();
  }
  km::TlsKeyManagerConfig c = std::move(made.value());
  c.peer_when_client = km::PeerIdentityPolicy::expect_name("localhost");
  c.peer_when_server = o.expected_client_name.empty()
                           ? km::PeerIdentityPolicy::chain_only()
                           : km::PeerIdentityPolicy::expect_name(o.expected_client_name);
  c.unix_time = km::unix_time_from(o.unix_time);
  c.rekey_interval = o.rekey_interval;
  c.rekey_bytes = o.rekey_bytes;
  c.drain_time = o.drain_time;
  c.rekey_timeout = o.rekey_timeout;
  return c;
}

// --- Driven directly ---

struct Direct {
  explicit Direct(RekeyOptions o = {})
      : client_config(rekey_config(credentials(false), o)),
        server_config(rekey_config(credentials(true), o)) {
    core::KeyManagementAgreement a;
    a.method = wire::dtls_km_method::kTls13;
    a.restart = true;
    a.downgrade_data = {0x80, 0x06, 0x00, 0x0A, 1, 2, 3, 4, 0x01, 0xC0,
                        0x80, 0x06, 0x00, 0x0A, 5, 6, 7, 8, 0x02, 0xC0};
    a.failure_time = sec(30);
    a.role = core::DtlsRole::kClient;
    client = std::make_unique<km::TlsKeyManager>(a, client_config);
    a.role = core::DtlsRole::kServer;
    server = std::make_unique<km::TlsKeyManager>(a, server_config);
  }

  // Delivers every queued message in order, both ways, until neither side has any.
  void pump(TimePoint at, bool is_protected = true) {
    for (bool moved = true; moved;) {
      moved = false;
      while (auto m = client->poll_message()) {
        server->on_message(*m, is_protected, server_protector, at);
        moved = true;
      }
      while (auto m = server->poll_message()) {
        client->on_message(*m, is_protected, client_protector, at);
        moved = true;
      }
    }
  }

  // The initial handshake (§6.1) at `at`; the first two messages in clear.
  void establish(TimePoint at) {
    server->start(server_protector, at);
    client->start(client_protector, at);
    for (int i = 0; i < 2; ++i) {
      while (auto m = client->poll_message()) server->on_message(*m, false, server_protector, at);
      while (auto m = server->poll_message()) client->on_message(*m, i > 0, client_protector, at);
    }
    pump(at);
    ASSERT_EQ(client->state(), core::KeyManagerState::kProtected);
    ASSERT_EQ(server->state(), core::KeyManagerState::kProtected);
  }

  km::TlsKeyManager& side(bool server_side) { return server_side ? *server : *client; }
  protect::ChunkProtector& protector(bool server_side) {
    return server_side ? server_protector : client_protector;
  }

  km::TlsKeyManagerConfig client_config;
  km::TlsKeyManagerConfig server_config;
  std::unique_ptr<km::TlsKeyManager> client;
  std::unique_ptr<km::TlsKeyManager> server;
  protect::ChunkProtector client_protector;
  protect::ChunkProtector server_protector;
};

bool has_receive(const protect::ChunkProtector& p, bool restart, std::uint64_t epoch) {
  return p.decryptions(restart, epoch).has_value();
}
bool has_send(const protect::ChunkProtector& p, bool restart, std::uint64_t epoch) {
  return p.encryptions(restart, epoch).has_value();
}

// A packet of one DATA chunk sealed by `from` and opened by `to`; the epoch that opened it.
std::optional<std::uint64_t> seal_and_open(protect::ChunkProtector& from,
                                           protect::ChunkProtector& to) {
  std::vector<std::uint8_t> packet(128 + protect::ChunkProtector::kOverhead, 0);
  const std::vector<std::uint8_t> plain = {
      0x13, 0x88, 0x17, 0x70, 0, 0, 0, 1, 0, 0, 0, 0,  // common header
      0x00, 0x03, 0x00, 0x14, 0, 0, 0, 7, 0, 1, 0, 0, 0, 0, 0, 51, 'a', 'b', 'c', 'd'};  // DATA
  std::copy(plain.begin(), plain.end(), packet.begin());
  const protect::SealResult sealed = from.seal(packet, plain.size(), packet.size());
  if (!sealed.ok()) return std::nullopt;
  packet.resize(sealed.length);
  const protect::OpenResult opened = to.open(packet);
  if (!opened.ok()) return std::nullopt;
  return opened.key.epoch;
}

class RekeyStarter : public ::testing::TestWithParam<bool> {};  // true: the negotiated server

// §6.2.2 step by step, started by either side: the starter is the TLS client of the rekey.
TEST_P(RekeyStarter, FollowsSection622AndDrainsTheOldKeys) {
  const bool server_starts = GetParam();
  Direct d;
  const TimePoint t0 = kTimeZero + sec(1);
  d.establish(t0);
  km::TlsKeyManager& starter = d.side(server_starts);
  km::TlsKeyManager& answerer = d.side(!server_starts);
  protect::ChunkProtector& sp = d.protector(server_starts);
  protect::ChunkProtector& ap = d.protector(!server_starts);
  d.pump(t0);  // close_notify of the initial handshake: late, not dropped
  EXPECT_EQ(starter.late_messages() + answerer.late_messages(), 2u);

  const TimePoint t1 = t0 + sec(5);
  ASSERT_TRUE(starter.rekey(sp, t1));
  EXPECT_FALSE(starter.rekey(sp, t1));  // one handshake at a time (§3.4)
  EXPECT_TRUE(starter.handshaking());
  // 1-2: ClientHello for epoch 4, protected.
  auto hello = starter.poll_message();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ((*hello)[0], 0x04);  // T=0, epoch 4
  answerer.on_message(*hello, true, ap, t1);
  EXPECT_TRUE(answerer.handshaking());
  // 3-4: the answerer's flight; the starter installs the answerer's keys to receive.
  while (auto m = answerer.poll_message()) starter.on_message(*m, true, sp, t1);
  EXPECT_TRUE(has_receive(sp, false, 4));
  EXPECT_TRUE(has_receive(sp, true, 4));
  EXPECT_FALSE(has_send(sp, false, 4));
  EXPECT_EQ(sp.send_key()->epoch, 3u);
  EXPECT_EQ(starter.epoch(), 3u);
  // 5-7: the starter's Finished (sealed with epoch 3); the answerer installs both ways, switches,
  // sends Protection Established.
  while (auto m = starter.poll_message()) answerer.on_message(*m, true, ap, t1);
  EXPECT_EQ(answerer.epoch(), 4u);
  EXPECT_EQ(ap.send_key()->epoch, 4u);
  EXPECT_TRUE(has_send(ap, true, 4));
  EXPECT_TRUE(has_receive(ap, false, 3));  // the starter still sends with 3
  EXPECT_EQ(seal_and_open(sp, ap), std::optional<std::uint64_t>(3));
  EXPECT_EQ(seal_and_open(ap, sp), std::optional<std::uint64_t>(4));
  // 8: Protection Established; the starter switches.
  const TimePoint t2 = t1 + ms(30);
  while (auto m = answerer.poll_message()) starter.on_message(*m, true, sp, t2);
  EXPECT_EQ(starter.epoch(), 4u);
  EXPECT_EQ(sp.send_key()->epoch, 4u);
  EXPECT_FALSE(starter.handshaking());
  EXPECT_FALSE(answerer.handshaking());
  EXPECT_EQ(seal_and_open(sp, ap), std::optional<std::uint64_t>(4));
  EXPECT_EQ(starter.dropped_messages(), 0u);
  EXPECT_EQ(answerer.dropped_messages(), 0u);

  const auto ts = starter.poll_transition();
  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->epoch, 4u);
  EXPECT_TRUE(ts->initiated_locally);
  EXPECT_EQ(ts->took, ms(30));
  const auto ta = answerer.poll_transition();
  ASSERT_TRUE(ta.has_value());
  EXPECT_FALSE(ta->initiated_locally);
  EXPECT_FALSE(starter.poll_transition().has_value());

  // Drain (§6.2.3, 1 s here): epoch 3 stays until then, then every epoch-3 direction is gone.
  EXPECT_EQ(starter.draining_epoch(), std::optional<std::uint64_t>(3));
  EXPECT_EQ(starter.next_deadline(), t2 + sec(1));
  starter.advance_time(sp, t2 + ms(999));
  answerer.advance_time(ap, t2 + ms(999));
  EXPECT_TRUE(has_receive(sp, false, 3));
  starter.advance_time(sp, t2 + sec(1));
  answerer.advance_time(ap, t2 + sec(1));
  for (protect::ChunkProtector* p : {&sp, &ap}) {
    for (bool restart : {false, true}) {
      EXPECT_FALSE(has_receive(*p, restart, 3));
      EXPECT_FALSE(has_send(*p, restart, 3));
      EXPECT_TRUE(has_receive(*p, restart, 4));
      EXPECT_TRUE(has_send(*p, restart, 4));
    }
  }
  EXPECT_FALSE(starter.draining_epoch().has_value());
  EXPECT_EQ(seal_and_open(sp, ap), std::optional<std::uint64_t>(4));
  EXPECT_EQ(seal_and_open(ap, sp), std::optional<std::uint64_t>(4));

  // And again: epoch 5, started by the other side this time.
  ASSERT_TRUE(answerer.rekey(ap, t2 + sec(2)));
  d.pump(t2 + sec(2));
  EXPECT_EQ(starter.epoch(), 5u);
  EXPECT_EQ(answerer.epoch(), 5u);
  EXPECT_EQ(starter.rekeys(), 2u);
  EXPECT_EQ(seal_and_open(sp, ap), std::optional<std::uint64_t>(5));
}

INSTANTIATE_TEST_SUITE_P(EitherSide, RekeyStarter, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "NegotiatedServerStarts" : "NegotiatedClientStarts";
                         });

// A protected pair at t, the close_notify messages of the initial handshake delivered.
class RekeyAfterEstablishment : public ::testing::Test {
 protected:
  void SetUp() override {
    d.establish(t);
    d.pump(t);
  }
  Direct d;
  const TimePoint t = kTimeZero + sec(1);
};

// §6.2.4: both send a ClientHello for epoch 4; the negotiated client's handshake is the one done.
TEST_F(RekeyAfterEstablishment, SimultaneousStartsResolveToTheNegotiatedClientsHandshake) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t + sec(1)));
  ASSERT_TRUE(d.server->rekey(d.server_protector, t + sec(1)));
  d.pump(t + sec(1));
  EXPECT_EQ(d.client->epoch(), 4u);
  EXPECT_EQ(d.server->epoch(), 4u);
  EXPECT_EQ(d.client->collisions(), 1u);
  EXPECT_EQ(d.server->collisions(), 1u);
  const auto tc = d.client->poll_transition();
  const auto tsv = d.server->poll_transition();
  ASSERT_TRUE(tc && tsv);
  EXPECT_TRUE(tc->initiated_locally);
  EXPECT_FALSE(tsv->initiated_locally);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(seal_and_open(d.client_protector, d.server_protector), std::optional<std::uint64_t>(4));
  EXPECT_EQ(seal_and_open(d.server_protector, d.client_protector), std::optional<std::uint64_t>(4));
}

// §3.4 / §6.2.1 triggers: the interval (both sides' timers fire together: a collision), the
// volume of protected bytes, and the AEAD-limit warning.
TEST(Rekey, IntervalTriggerStartsARekeyOnBothSides) {
  RekeyOptions o;
  o.rekey_interval = sec(2);
  Direct d(o);
  const TimePoint t = kTimeZero + sec(1);
  d.establish(t);
  EXPECT_EQ(d.client->next_deadline(), t + sec(2));
  d.client->advance_time(d.client_protector, t + ms(1999));
  EXPECT_FALSE(d.client->handshaking());
  d.client->advance_time(d.client_protector, t + sec(2));
  d.server->advance_time(d.server_protector, t + sec(2));
  EXPECT_TRUE(d.client->handshaking());
  EXPECT_TRUE(d.server->handshaking());
  d.pump(t + sec(2));
  EXPECT_EQ(d.client->epoch(), 4u);
  EXPECT_EQ(d.server->epoch(), 4u);
  // The next one is due 2 s after the switch.
  EXPECT_EQ(d.client->next_deadline(), t + sec(2) + sec(1));  // the drain first
  d.client->advance_time(d.client_protector, t + sec(3));
  EXPECT_EQ(d.client->next_deadline(), t + sec(4));
}

TEST(Rekey, ByteTriggerCountsProtectedBytesBothWays) {
  RekeyOptions o;
  o.rekey_bytes = 1000;
  Direct d(o);
  const TimePoint t = kTimeZero + sec(1);
  d.establish(t);
  int packets = 0;
  while (!d.client->handshaking() && packets < 100) {
    ASSERT_TRUE(seal_and_open(d.client_protector, d.server_protector));
    ASSERT_TRUE(seal_and_open(d.server_protector, d.client_protector));
    d.client->on_traffic(d.client_protector, t);
    packets += 2;
  }
  // 20 bytes of chunks per packet, counted on send and on receipt: 1000 bytes after 25 pairs.
  EXPECT_EQ(packets, 50);
  d.pump(t);
  EXPECT_EQ(d.client->epoch(), 4u);
  d.client->on_traffic(d.client_protector, t);
  EXPECT_FALSE(d.client->handshaking());  // counted from the switch again
}

TEST(Rekey, AeadLimitWarningStartsARekeyBeforeTheLimit) {
  Direct d;
  protect::ProtectorOptions po;
  po.confidentiality_limit_override = 20;
  po.limit_warn_percent = 50;
  d.client_protector = protect::ChunkProtector(po);
  d.server_protector = protect::ChunkProtector(po);
  const TimePoint t = kTimeZero + sec(1);
  d.establish(t);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(seal_and_open(d.client_protector, d.server_protector)) << i;
  }
  bool warned = false;
  while (auto e = d.client_protector.poll_limit_event()) {
    warned = warned || e->level == protect::LimitLevel::kApproaching;
    d.client->on_limit(*e, d.client_protector, t);
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(d.client->handshaking());
  d.pump(t);
  EXPECT_EQ(d.client->epoch(), 4u);
  // The new key has its own budget.
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(seal_and_open(d.client_protector, d.server_protector)) << i;
  }
}

// §7: a rekey without answer is tried again while the current keys are usable, then given up.
TEST_F(RekeyAfterEstablishment, TimeoutBeforeTheServersFlightIsRetriedThenSucceeds) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  ASSERT_TRUE(d.client->poll_message().has_value());  // the ClientHello is lost
  d.client->advance_time(d.client_protector, t + sec(10));
  EXPECT_FALSE(d.client->handshaking());
  EXPECT_EQ(d.client->rekey_retries(), 1u);
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kProtected);
  EXPECT_EQ(d.client->next_deadline(), t + sec(11));
  d.client->advance_time(d.client_protector, t + sec(11));
  EXPECT_TRUE(d.client->handshaking());
  d.pump(t + sec(11));
  EXPECT_EQ(d.client->epoch(), 4u);
  EXPECT_EQ(d.server->epoch(), 4u);
}

TEST_F(RekeyAfterEstablishment, ServerRestartsItsSessionWhenTheClientTriesAgain) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  auto hello = d.client->poll_message();
  ASSERT_TRUE(hello);
  d.server->on_message(*hello, true, d.server_protector, t);
  while (d.server->poll_message()) {
  }  // the server's flight is lost
  d.client->advance_time(d.client_protector, t + sec(10));
  d.client->advance_time(d.client_protector, t + sec(11));
  d.pump(t + sec(11));
  EXPECT_EQ(d.client->epoch(), 4u);
  EXPECT_EQ(d.server->epoch(), 4u);
  EXPECT_EQ(seal_and_open(d.client_protector, d.server_protector), std::optional<std::uint64_t>(4));
}

TEST_F(RekeyAfterEstablishment, GivesUpAfterThreeAttempts) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  TimePoint now = t;
  for (int attempt = 0; attempt < 3 && d.client->state() != core::KeyManagerState::kFailed;
       ++attempt) {
    while (d.client->poll_message()) {
    }
    now = d.client->next_deadline();
    d.client->advance_time(d.client_protector, now);  // timeout
    if (d.client->state() == core::KeyManagerState::kFailed) break;
    now = d.client->next_deadline();
    d.client->advance_time(d.client_protector, now);  // retry
  }
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kFailed);
  EXPECT_NE(d.client->failure().find("no answer from the peer in 3 attempt(s)"), std::string::npos)
      << d.client->failure();
  EXPECT_EQ(d.client->rekey_retries(), 2u);
}

TEST_F(RekeyAfterEstablishment, TimeoutAfterInstallingTheNewReceiveKeysEndsTheAssociation) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  while (auto m = d.client->poll_message()) d.server->on_message(*m, true, d.server_protector, t);
  while (auto m = d.server->poll_message()) d.client->on_message(*m, true, d.client_protector, t);
  while (d.client->poll_message()) {
  }  // the client's Finished is lost (SCTP would retransmit it; here it never arrives)
  d.client->advance_time(d.client_protector, t + sec(10));
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kFailed);
  EXPECT_NE(d.client->failure().find("no Protection Established"), std::string::npos)
      << d.client->failure();
  // The server's attempt simply ends at its own timeout.
  d.server->advance_time(d.server_protector, t + sec(10));
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kProtected);
  EXPECT_FALSE(d.server->handshaking());
}

// §3.3: the identity proved in the first handshake may not change; a renewed certificate of the
// same identity is fine (PeerIdentity::same_identity, tested with the session).
TEST_F(RekeyAfterEstablishment, PeerIdentityChangeAtRekeyFailsBothSides) {
  // The client now presents the server's certificate (same CA, another identity). The server
  // judges clients by chain only, so only the identity rule can refuse it.
  d.client_config = rekey_config(credentials(true), RekeyOptions{});
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  d.pump(t);
  EXPECT_EQ(d.server->state(), core::KeyManagerState::kFailed);
  EXPECT_NE(d.server->failure().find("rekey to epoch 4"), std::string::npos) << d.server->failure();
  EXPECT_NE(d.server->failure().find("identity"), std::string::npos) << d.server->failure();
  EXPECT_EQ(d.client->state(), core::KeyManagerState::kFailed);  // the alert
  EXPECT_NE(d.client->failure().find("alert"), std::string::npos) << d.client->failure();
  EXPECT_FALSE(has_receive(d.server_protector, false, 4));
}

TEST_F(RekeyAfterEstablishment, MessagesOfOtherEpochsAndUnprotectedOnesAreDropped) {
  ASSERT_TRUE(d.client->rekey(d.client_protector, t));
  auto hello = d.client->poll_message();
  ASSERT_TRUE(hello);
  d.server->on_message(*hello, false, d.server_protector, t);  // in clear: not believed
  auto wrong = *hello;
  wrong[0] = 0x05;  // epoch 5: not the next one
  d.server->on_message(wrong, true, d.server_protector, t);
  const std::vector<std::uint8_t> pe = {0x84, 0x01};  // Protection Established out of place
  d.server->on_message(pe, true, d.server_protector, t);
  EXPECT_EQ(d.server->dropped_messages(), 3u);
  EXPECT_FALSE(d.server->handshaking());
  d.server->on_message(*hello, true, d.server_protector, t);
  d.pump(t);
  EXPECT_EQ(d.server->epoch(), 4u);
  EXPECT_EQ(d.client->epoch(), 4u);
}

// --- In the simulated network ---

struct NetPair {
  NetPair(std::uint64_t seed, LinkConfig link, const RekeyOptions& o,
          const km::TlsCredentials& client_credentials = credentials(false),
          const km::TlsCredentials& server_credentials = credentials(true),
          core::AssociationOptions base = fast_options())
      : client_keys(
            std::make_shared<km::TlsKeyManagerFactory>(rekey_config(client_credentials, o))),
        server_keys(
            std::make_shared<km::TlsKeyManagerFactory>(rekey_config(server_credentials, o))),
        pair(
            seed, link, with_dtls(base, tls_dtls(core::DtlsRoles::kClient)),
            with_dtls(base, tls_dtls(core::DtlsRoles::kServer)),
            [this](core::EndpointConfig& c) { c.key_managers = client_keys.get(); },
            [this](core::EndpointConfig& c) { c.key_managers = server_keys.get(); }) {}

  std::shared_ptr<km::TlsKeyManagerFactory> client_keys;
  std::shared_ptr<km::TlsKeyManagerFactory> server_keys;
  Pair pair;
};

// Continuous traffic both ways: a message every `gap` on each side, numbered, checked at the
// receiver for order, duplicates and content.
struct Traffic {
  explicit Traffic(Pair& p, Duration gap) : p_(p), gap_(gap) {}

  static std::vector<std::uint8_t> message(std::uint32_t n, std::uint32_t side) {
    std::vector<std::uint8_t> m = pattern(100 + (n * 7919) % 2900, n * 2 + side);
    m[0] = static_cast<std::uint8_t>(n >> 24);
    m[1] = static_cast<std::uint8_t>(n >> 16);
    m[2] = static_cast<std::uint8_t>(n >> 8);
    m[3] = static_cast<std::uint8_t>(n);
    return m;
  }

  // Runs until `until`, sending while before `stop_sending`.
  void run(core::AssocId client_id, TimePoint stop_sending, TimePoint until) {
    while (p_.net.now() < until) {
      if (p_.net.now() < stop_sending) {
        send(*p_.client, client_id, sent_by_client, 0);
        send(*p_.server, p_.server_assoc(), sent_by_server, 1);
      }
      p_.net.run_until([] { return false; }, p_.net.now() + gap_);
      check(*p_.server, seen_by_server, 0);
      check(*p_.client, seen_by_client, 1);
      if (!p_.client->downs.empty() || !p_.server->downs.empty()) return;
    }
  }

  void send(EndpointHost& host, core::AssocId id, std::uint32_t& counter, std::uint32_t side) {
    if (host.endpoint().send(id, StreamId(1), Ppid(60), message(counter, side), {}, p_.net.now()) ==
        core::SendStatus::kOk) {
      ++counter;
    }
  }

  void check(EndpointHost& host, std::uint32_t& seen, std::uint32_t side) {
    for (; checked_[side] < host.received.size(); ++checked_[side]) {
      const auto& m = host.received[checked_[side]].message;
      if (m.ppid.value() != 60) continue;
      if (m.payload != message(seen, side) || !m.is_protected) {
        ++bad;
      }
      ++seen;
    }
  }

  Pair& p_;
  Duration gap_;
  std::uint32_t sent_by_client = 0;
  std::uint32_t sent_by_server = 0;
  std::uint32_t seen_by_server = 0;
  std::uint32_t seen_by_client = 0;
  std::uint32_t bad = 0;  // out of order, duplicated, altered or unprotected
  std::size_t checked_[2] = {0, 0};
};

// Every packet a host sends after its first DTLS chunk is one DTLS chunk alone.
struct SealedAudit {
  std::uint64_t clear_after_sealed = 0;
  std::uint64_t sealed = 0;
  std::map<std::string, bool> sealed_seen;  // by sender address
  void attach(Network& net) {
    net.set_tracer([this](const TraceRecord& r) {
      if (r.kind != TraceKind::kSent) return;
      auto v = wire::PacketView::parse(r.packet.bytes);
      if (!v) return;
      const std::string from = r.packet.from.to_string();
      const std::uint8_t first = v->first_chunk().type;
      if (first == ct::kDtls && v->chunk_count() == 1) {
        ++sealed;
        sealed_seen[from] = true;
      } else if (sealed_seen[from] && first != ct::kInit && first != ct::kInitAck) {
        ++clear_after_sealed;
      }
    });
  }
};

// The soak: a rekey every 2 s for one hour of virtual time, continuous traffic both ways,
// 5 % loss. Nothing lost or duplicated, epochs rising by one each time, old keys gone after the
// drain, nothing but DTLS chunks on the wire after protection (so the key-management messages of
// every rekey travelled inside them).
TEST(RekeyInNetwork, EveryTwoSecondsForAnHourUnderFivePercentLoss) {
  LinkConfig link;
  link.loss = 0.05;
  link.delay = ms(10);
  RekeyOptions o;
  o.rekey_interval = sec(2);
  o.drain_time = ms(500);
  NetPair n(41, link, o);
  Pair& p = n.pair;
  SealedAudit audit;
  audit.attach(p.net);
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] {
    return events_of<core::ProtectionEstablished>(*p.client).size() == 1 &&
           events_of<core::ProtectionEstablished>(*p.server).size() == 1;
  }));
  Traffic traffic(p, ms(50));
  const TimePoint start = p.net.now();
  traffic.run(id, start + sec(3600), start + sec(3600) + sec(20));
  ASSERT_TRUE(p.client->downs.empty()) << p.client->downs[0].detail;
  ASSERT_TRUE(p.server->downs.empty()) << p.server->downs[0].detail;
  EXPECT_EQ(traffic.bad, 0u);
  EXPECT_EQ(traffic.seen_by_server, traffic.sent_by_client);
  EXPECT_EQ(traffic.seen_by_client, traffic.sent_by_server);
  EXPECT_GT(traffic.sent_by_client, 70000u);

  for (EndpointHost* host : {p.client.get(), p.server.get()}) {
    const auto rotated = events_of<core::KeysRotated>(*host);
    // One every 2 s plus the handshake time, for an hour.
    EXPECT_GT(rotated.size(), 1600u);
    EXPECT_LE(rotated.size(), 1810u);
    for (std::size_t i = 0; i < rotated.size(); ++i) {
      ASSERT_EQ(rotated[i].epoch, 4 + i) << "rotation " << i;
    }
    const core::AssocId aid = host == p.client.get() ? id : p.server_assoc();
    const protect::ChunkProtector* protector = host->endpoint().protector(aid);
    ASSERT_NE(protector, nullptr);
    const std::uint64_t current = 3 + rotated.size();
    ASSERT_EQ(protector->send_key()->epoch, current);
    // Old keys removed: nothing below the current epoch minus one (the last drain may still run,
    // or a next handshake's receive keys may be in).
    for (std::uint64_t e = 3; e + 1 < current; ++e) {
      for (bool restart : {false, true}) {
        ASSERT_FALSE(has_receive(*protector, restart, e)) << e;
        ASSERT_FALSE(has_send(*protector, restart, e)) << e;
      }
    }
    const auto stats = host->endpoint().stats(aid);
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->rekeys, rotated.size());
    EXPECT_EQ(stats->key_epoch, current);
    EXPECT_EQ(stats->cipher_suite, 0x1301);
    EXPECT_EQ(stats->protection.dropped_unprotected, 0u);
  }
  EXPECT_EQ(audit.clear_after_sealed, 0u);
  EXPECT_GT(p.net.totals().dropped_loss, 1000u);
  const auto rotated = events_of<core::KeysRotated>(*p.client);
  std::vector<Duration> took;
  for (const auto& r : rotated) took.push_back(r.took);
  std::sort(took.begin(), took.end());
  fmt::print(
      "one hour, 5 % loss: {} rekeys, {} + {} messages, {} packets lost, rekey median {} ms "
      "p99 {} ms (RTT 20 ms)\n",
      rotated.size(), traffic.sent_by_client, traffic.sent_by_server, p.net.totals().dropped_loss,
      std::chrono::duration_cast<std::chrono::milliseconds>(took[took.size() / 2]).count(),
      std::chrono::duration_cast<std::chrono::milliseconds>(took[took.size() * 99 / 100]).count());
}

TEST(RekeyInNetwork, SimultaneousRekeysFromBothSidesWithTraffic) {
  RekeyOptions o;
  NetPair n(43, {}, o);
  Pair& p = n.pair;
  const core::AssocId id = p.connect();
  ASSERT_TRUE(
      p.run_until([&] { return events_of<core::ProtectionEstablished>(*p.server).size() == 1; }));
  Traffic traffic(p, ms(5));
  traffic.run(id, p.net.now() + ms(200), p.net.now() + ms(200));
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(p.client->endpoint().rekey(id, p.net.now()));
    ASSERT_TRUE(p.server->endpoint().rekey(p.server_assoc(), p.net.now()));
    traffic.run(id, p.net.now() + sec(2), p.net.now() + sec(2));
  }
  traffic.run(id, p.net.now(), p.net.now() + sec(3));
  ASSERT_TRUE(p.client->downs.empty());
  ASSERT_TRUE(p.server->downs.empty());
  EXPECT_EQ(traffic.bad, 0u);
  EXPECT_EQ(traffic.seen_by_server, traffic.sent_by_client);
  EXPECT_EQ(traffic.seen_by_client, traffic.sent_by_server);
  const auto c = events_of<core::KeysRotated>(*p.client);
  const auto s = events_of<core::KeysRotated>(*p.server);
  ASSERT_EQ(c.size(), 5u);
  ASSERT_EQ(s.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c[i].epoch, 4 + i);
    EXPECT_EQ(s[i].epoch, 4 + i);
    EXPECT_TRUE(c[i].initiated_locally);  // the negotiated client's ClientHello wins
    EXPECT_FALSE(s[i].initiated_locally);
    EXPECT_GT(c[i].took, Duration::zero());
  }
}

// Each message of the initial handshake lost once (the first transmission of the packet that
// carries it): SCTP retransmits it and the association becomes protected.
class LostHandshakeMessage : public ::testing::TestWithParam<int> {};

TEST_P(LostHandshakeMessage, IsRetransmittedAndTheAssociationIsProtected) {
  const int victim = GetParam();  // 0 ClientHello, 1 server flight, 2 client Finished, 3 PE
  NetPair n(47, {}, RekeyOptions{});
  Pair& p = n.pair;
  int clear_km = 0;
  bool server_sealed_seen = false;
  bool dropped = false;
  auto filter = [&](Packet& packet) {
    if (dropped) return Verdict::kPass;
    auto v = wire::PacketView::parse(packet.bytes);
    if (!v) return Verdict::kPass;
    if (v->first_chunk().type == ct::kDtls) {
      if (victim == 3 && packet.from == p.server_ip && !server_sealed_seen) {
        server_sealed_seen = true;  // the server's first DTLS chunk carries Protection Established
        dropped = true;
        return Verdict::kDrop;
      }
      return Verdict::kPass;
    }
    for (const auto& c : *v) {
      if (c.type != ct::kData) continue;
      auto d = wire::DataChunk::parse(c);
      if (!d || d->ppid.value() != core::kKeyManagementPpid) continue;
      if (clear_km++ == victim) {
        dropped = true;
        return Verdict::kDrop;
      }
      break;
    }
    return Verdict::kPass;
  };
  p.net.set_filter(p.client_ip, p.server_ip, filter);
  p.net.set_filter(p.server_ip, p.client_ip, filter);
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(2000, 9), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }, sec(30)));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(p.server->received[0].message.payload, pattern(2000, 9));
  EXPECT_TRUE(p.server->received[0].message.is_protected);
  EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.client).size(), 1u);
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

std::string lost_message_name(const ::testing::TestParamInfo<int>& info) {
  static const char* const kNames[] = {"ClientHello", "ServerFlight", "ClientFinished",
                                       "ProtectionEstablished"};
  return kNames[info.param];
}

INSTANTIATE_TEST_SUITE_P(EachMessage, LostHandshakeMessage, ::testing::Values(0, 1, 2, 3),
                         lost_message_name);

// Failure paths of the initial handshake, end to end: the association goes down on both sides
// with a reason, and nothing the application sent is delivered. `both`: how each side went down,
// when checked (a TLS failure: the failing side aborts after sending its alert, porfiri §7, and
// the peer aborts on that alert, so both are local aborts naming the TLS reason).
void expect_failed_without_delivery(NetPair& n, std::string_view client_reason,
                                    std::string_view server_reason,
                                    std::optional<core::DownReason> both = std::nullopt) {
  Pair& p = n.pair;
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(500, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(
      p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }, sec(30)));
  EXPECT_TRUE(p.server->received.empty());
  EXPECT_TRUE(p.client->received.empty());
  ::testing::Test::RecordProperty("client_detail", p.client->downs[0].detail);
  ::testing::Test::RecordProperty("server_detail", p.server->downs[0].detail);
  EXPECT_NE(p.client->downs[0].detail.find(client_reason), std::string::npos)
      << p.client->downs[0].detail;
  EXPECT_NE(p.server->downs[0].detail.find(server_reason), std::string::npos)
      << p.server->downs[0].detail;
  if (both) {
    EXPECT_EQ(p.client->downs[0].reason, *both);
    EXPECT_EQ(p.server->downs[0].reason, *both);
  }
}

TEST(InitialHandshakeFailure, UntrustedCa) {
  // The server's certificate comes from a CA the client does not trust.
  NetPair n(51, {}, RekeyOptions{}, credentials(false),
            credentials_from(other_pki(), true, pki().ca_pem));
  expect_failed_without_delivery(n, "unable to get local issuer certificate",
                                 "peer sent alert unknown CA", core::DownReason::kLocalAbort);
}

TEST(InitialHandshakeFailure, ExpiredCertificate) {
  RekeyOptions o;
  o.unix_time = kUnixNow + 400LL * 24 * 3600;  // the test certificates last 365 days
  NetPair n(53, {}, o);
  expect_failed_without_delivery(n, "certificate has expired",
                                 "peer sent alert certificate expired",
                                 core::DownReason::kLocalAbort);
}

TEST(InitialHandshakeFailure, WrongClientName) {
  RekeyOptions o;
  o.expected_client_name = "someone-else";
  NetPair n(55, {}, o);
  expect_failed_without_delivery(n, "peer sent alert bad certificate", "does not name someone-else",
                                 core::DownReason::kLocalAbort);
}

// A TLS failure during a rekey (porfiri §6.2, §7) in the network: the certificates expire while the
// association runs, and the side that starts the rekey, its TLS client, refuses the server's
// certificate. Its alert goes under the current keys, sealed like every packet by then, in a packet
// before the ABORT; the peer opens it and goes down naming the alert.
TEST(RekeyInNetwork, CertificateExpiredAtRekeyAbortsBothSidesWithTheAlert) {
  RekeyOptions o;
  // The test certificates end 365 days after kUnixNow: the association starts 20 s before that.
  o.unix_time = kUnixNow + 365LL * 24 * 3600 - 20;
  NetPair n(61, {}, o);
  Pair& p = n.pair;
  WireLog log(p.net);
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] {
    return !events_of<core::ProtectionEstablished>(*p.client).empty() &&
           !events_of<core::ProtectionEstablished>(*p.server).empty();
  }));
  p.net.run_for(sec(30));  // past the end of both certificates; the running keys do not care
  ASSERT_TRUE(p.client->downs.empty()) << p.client->downs[0].detail;
  ASSERT_TRUE(p.server->downs.empty()) << p.server->downs[0].detail;
  const std::size_t sent_before = log.sent(p.client_ip).size();
  ASSERT_TRUE(p.client->endpoint().rekey(id, p.net.now()));
  ASSERT_TRUE(
      p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }, sec(10)));
  p.net.run_for(sec(1));
  dump_if_requested(log, kTimeZero);

  const core::AssociationDown& client_down = p.client->downs[0];
  const core::AssociationDown& server_down = p.server->downs[0];
  EXPECT_EQ(client_down.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(client_down.detail.find("rekey to epoch 4"), std::string::npos) << client_down.detail;
  EXPECT_NE(client_down.detail.find("certificate has expired"), std::string::npos)
      << client_down.detail;
  // Not the ABORT (which would read "ABORT received"): the alert, opened with the epoch-3 keys.
  EXPECT_EQ(server_down.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(server_down.detail.find("rekey to epoch 4"), std::string::npos) << server_down.detail;
  EXPECT_NE(server_down.detail.find("peer sent alert certificate expired"), std::string::npos)
      << server_down.detail;
  // Every packet of the client since the rekey is one DTLS chunk, the alert's and the ABORT's too:
  // nothing of the association in clear. (Both sides abort at once, so each side's sealed ABORT
  // reaches a peer that is gone: an out-of-the-blue packet it cannot look into, answered by the
  // endpoint with a clear ABORT with the T bit, RFC 9260 §8.4 rule 8. Those are not counted.)
  const auto sent = log.sent(p.client_ip);
  std::size_t sealed = 0;
  for (std::size_t i = sent_before; i < sent.size(); ++i) {
    const auto types = sent[i]->types();
    if (types == std::vector<std::uint8_t>{wire::DtlsChunk::kType}) {
      ++sealed;
      continue;
    }
    const auto abort = sent[i]->first_of(ct::kAbort);
    ASSERT_TRUE(abort.has_value() && types.size() == 1) << sent[i]->describe(kTimeZero);
    EXPECT_EQ(abort->flags & 0x01, 0x01) << sent[i]->describe(kTimeZero);
  }
  EXPECT_GE(sealed, 3u);  // ClientHello, the alert, the ABORT
}

// A man in the middle changes the DTLS Key Management parameter of the INIT (the tie breaker,
// which does not change the negotiation): the sides feed different down-grade data into the
// exporter (§5.2), derive different keys, and the association fails with nothing delivered.
TEST(InitialHandshakeFailure, TamperedInitParameterGivesDifferentKeys) {
  NetPair n(57, {}, RekeyOptions{});
  Pair& p = n.pair;
  bool tampered = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& packet) {
    auto v = wire::PacketView::parse(packet.bytes);
    if (!v || v->first_chunk().type != ct::kInit) return Verdict::kPass;
    // Find 0x8006 among the INIT's parameters and flip a bit of its first value byte.
    for (std::size_t i = 12 + 20; i + 5 < packet.bytes.size(); i += 4) {
      if (packet.bytes[i] == 0x80 && packet.bytes[i + 1] == 0x06) {
        packet.bytes[i + 4] ^= 0x01;
        wire::write_sctp_checksum(packet.bytes);
        tampered = true;
        break;
      }
    }
    return Verdict::kPass;
  });
  expect_failed_without_delivery(n, "", "");
  EXPECT_TRUE(tampered);
  EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
}

// Between the SCTP handshake and Protection Established packets still travel in clear, and an
// on-path attacker who read the verification tag can add DATA. The peer holds its user messages
// until protection (never in clear), so an unprotected user message is never delivered.
TEST(InitialHandshakeFailure, UnprotectedUserDataBeforeProtectionIsNotDelivered) {
  NetPair n(59, {}, RekeyOptions{});
  Pair& p = n.pair;
  bool injected = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& packet) {
    if (injected) return Verdict::kPass;
    auto v = wire::PacketView::parse(packet.bytes);
    if (!v) return Verdict::kPass;
    for (const auto& c : *v) {
      if (c.type != ct::kData) continue;
      auto d = wire::DataChunk::parse(c);
      if (!d || d->ppid.value() != core::kKeyManagementPpid) continue;
      // The ClientHello passes; a forged unordered message rides next to it, same tags.
      std::vector<std::uint8_t> forged(packet.bytes.begin(), packet.bytes.begin() + 12);
      const std::vector<std::uint8_t> chunk = {ct::kData, 0x07, 0x00, 0x14,  // U, B, E; length 20
                                               0,         0,    0,    0,     // TSN, set below
                                               0x00,      0x01, 0x00, 0x00,  // stream 1, SSN 0
                                               0x00,      0x00, 0x00, 0x4D,  // PPID 77
                                               'e',       'v',  'i',  'l'};
      forged.insert(forged.end(), chunk.begin(), chunk.end());
      wire::store_be32(forged.data() + 12 + 4, d->tsn.value() + 100);
      wire::write_sctp_checksum(forged);
      p.net.inject(forged, packet.from, packet.to, p.net.now());
      injected = true;
      break;
    }
    return Verdict::kPass;
  });
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(300, 2), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.server->received.empty(); }, sec(10)));
  p.net.run_for(ms(100));
  EXPECT_TRUE(injected);
  for (const auto& r : p.server->received) {
    EXPECT_NE(r.message.ppid.value(), 77u);
    EXPECT_TRUE(r.message.is_protected);
  }
  const auto stats = p.server->endpoint().stats(p.server_assoc());
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->dropped_unprotected_messages, 1u);
}

}  // namespace
}  // namespace sctps::sim
