// The DTLS chunk in the engine with method 0 (pre-shared keys): negotiation outcomes end to end,
// every packet protected once keys are in place, held messages, the "protected" flag.
#include <gtest/gtest.h>

#include "protection_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

TEST(ProtectionTest, PskAssociationProtectsEveryPacketAfterTheHandshake) {
  PskPair p;
  WireLog log(p.pair.net);
  const core::AssocId id = p.pair.connect();
  // Sent before the association exists: held, never in clear.
  ASSERT_EQ(p.pair.client->endpoint().send(id, StreamId(1), Ppid(51), pattern(3000, 1), {},
                                           p.pair.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.pair.run_until([&] { return p.pair.server->received.size() == 1; }));
  p.pair.net.run_for(sec(1));  // the last SACKs
  const auto& m = p.pair.server->received.front().message;
  EXPECT_EQ(m.payload, pattern(3000, 1));
  EXPECT_TRUE(m.is_protected);

  ASSERT_EQ(p.pair.client->ups.size(), 1u);
  EXPECT_EQ(p.pair.client->ups[0].protection, core::Protection::kPending);
  EXPECT_EQ(p.pair.client->ups[0].dtls_method, 0);
  EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.pair.client).size(), 1u);
  EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.pair.server).size(), 1u);

  // On the wire: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK in clear; everything else one DTLS chunk.
  std::size_t clear = 0;
  std::size_t sealed = 0;
  for (const WireRecord& r : p.pair.net.now() > kTimeZero ? log.records : log.records) {
    if (r.kind != TraceKind::kSent) continue;
    const auto types = r.types();
    ASSERT_FALSE(types.empty());
    if (types[0] == 0x41) {
      EXPECT_EQ(types.size(), 1u);
      ++sealed;
    } else {
      EXPECT_TRUE(types[0] == ct::kInit || types[0] == ct::kInitAck ||
                  types[0] == ct::kCookieEcho || types[0] == ct::kCookieAck)
          << r.describe(kTimeZero);
      EXPECT_EQ(types.size(), 1u) << r.describe(kTimeZero);
      EXPECT_FALSE(r.has(ct::kData));
      ++clear;
    }
  }
  EXPECT_EQ(clear, 4u);
  EXPECT_GT(sealed, 2u);

  const auto stats = p.pair.client->endpoint().stats(id);
  ASSERT_TRUE(stats);
  EXPECT_GT(stats->protection.sent_protected, 0u);
  EXPECT_GT(stats->protection.recv_protected, 0u);
  EXPECT_EQ(stats->protection.aead_failures, 0u);
  EXPECT_EQ(stats->held_messages, 1u);

  const auto agreement = p.pair.client->endpoint().dtls_agreement(id);
  ASSERT_TRUE(agreement);
  EXPECT_TRUE(agreement->is_protected());
  EXPECT_EQ(agreement->method, 0);
  const auto server_agreement = p.pair.server->endpoint().dtls_agreement(p.pair.server_assoc());
  ASSERT_TRUE(server_agreement);
  EXPECT_NE(agreement->role, server_agreement->role);
  EXPECT_EQ(agreement->downgrade_data, server_agreement->downgrade_data);
}

TEST(ProtectionTest, LooseClientAgainstPlainServerRunsUnprotected) {
  auto keys = psk_factory(psk_file_text());
  Pair p(2, {}, with_dtls(fast_options(), psk_dtls(core::DtlsMode::kLoose)), fast_options(),
         use_keys(keys));
  const core::AssocId id = p.connect();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(100, 2), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  EXPECT_FALSE(p.server->received[0].message.is_protected);
  ASSERT_EQ(p.client->ups.size(), 1u);
  EXPECT_EQ(p.client->ups[0].protection, core::Protection::kUnprotectedLoose);
  EXPECT_EQ(p.client->ups[0].dtls_cause, wire::cause_code::kMissingDtlsChunkSupport);
  EXPECT_EQ(p.server->ups[0].protection, core::Protection::kOff);
}

TEST(ProtectionTest, StrictClientAbortsWhenTheServerLacksTheParameter) {
  auto keys = psk_factory(psk_file_text());
  Pair p(3, {}, with_dtls(fast_options(), psk_dtls()), fast_options(), use_keys(keys));
  WireLog log(p.net);
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kCannotStart);
  EXPECT_NE(p.client->downs[0].detail.find("cause 100"), std::string::npos)
      << p.client->downs[0].detail;
  const auto aborts = log.sent(p.client_ip, ct::kAbort);
  ASSERT_EQ(aborts.size(), 1u);
  const auto causes = aborts[0]->causes(ct::kAbort);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<wire::MissingDtlsChunkSupportCause>(causes[0]));
}

TEST(ProtectionTest, StrictServerRefusesAnInitWithoutTheParameter) {
  auto keys = psk_factory(psk_file_text());
  Pair p(4, {}, fast_options(), with_dtls(fast_options(), psk_dtls()), {}, use_keys(keys));
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
  EXPECT_EQ(p.server->endpoint().endpoint_stats().inits_aborted_dtls, 1u);
  EXPECT_TRUE(p.server->ups.empty());
}

TEST(ProtectionTest, NoKeyForThePeerAbortsWithAReason) {
  auto client_keys = psk_factory(psk_file_text());
  auto server_keys = psk_factory(psk_file_text(0x1301, "192.0.2.1"));  // not the client
  Pair p(5, {}, with_dtls(fast_options(), psk_dtls()), with_dtls(fast_options(), psk_dtls()),
         use_keys(client_keys), use_keys(server_keys));
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  EXPECT_NE(p.server->downs[0].detail.find("no pre-shared key for peer 10.0.0.1"),
            std::string::npos)
      << p.server->downs[0].detail;
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
}

// Both ends open at once (§5.2.1, §5.2.4): the INIT ACK of an endpoint in COOKIE-WAIT repeats
// the DTLS parameter of its own INIT, so both decide the key-management roles on the same pair of
// parameters and their keys match.
void expect_protected_both_ways(PskPair& pp, core::AssocId cid, core::AssocId sid) {
  Pair& p = pp.pair;
  ASSERT_EQ(p.client->endpoint().send(cid, StreamId(1), Ppid(7), pattern(2000, 3), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_EQ(p.server->endpoint().send(sid, StreamId(1), Ppid(8), pattern(2000, 4), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until(
      [&] { return !p.client->received.empty() && !p.server->received.empty(); }, sec(10)));
  EXPECT_EQ(p.server->received[0].message.payload, pattern(2000, 3));
  EXPECT_EQ(p.client->received[0].message.payload, pattern(2000, 4));
  EXPECT_TRUE(p.server->received[0].message.is_protected);
  EXPECT_TRUE(p.client->received[0].message.is_protected);
  const auto a = p.client->endpoint().dtls_agreement(cid);
  const auto z = p.server->endpoint().dtls_agreement(sid);
  ASSERT_TRUE(a && z);
  EXPECT_NE(a->role, z->role);
  EXPECT_EQ(a->downgrade_data, z->downgrade_data);
  EXPECT_EQ(p.client->endpoint().stats(cid)->protection.aead_failures, 0u);
  EXPECT_EQ(p.server->endpoint().stats(sid)->protection.aead_failures, 0u);
}

TEST(ProtectionTest, SimultaneousOpenAgreesOnRolesAndKeys) {
  PskPair pp(31);
  Pair& p = pp.pair;
  const core::AssocId cid = p.connect();
  const core::AssocId sid = p.server->endpoint().connect({p.client_ip}, 5000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  expect_protected_both_ways(pp, cid, sid);
}

TEST(ProtectionTest, InitInCookieEchoedAgreesOnRolesAndKeys) {
  PskPair pp(32);
  Pair& p = pp.pair;
  const core::AssocId cid = p.connect();
  p.net.run_for(ms(8));  // the server answered statelessly; its INIT ACK is on the way
  const core::AssocId sid = p.server->endpoint().connect({p.client_ip}, 5000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  expect_protected_both_ways(pp, cid, sid);
}

}  // namespace
}  // namespace sctps::sim
