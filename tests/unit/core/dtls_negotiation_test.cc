#include "core/handshake/dtls_negotiation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/random.h"
#include "support/hex.h"
#include "wire/error_causes.h"
#include "wire/tlv.h"

namespace sctps::core {
namespace {

using test::from_hex;
using test::to_hex;
using wire::DtlsKeyManagementParameter;
namespace cc = wire::cause_code;

constexpr std::uint8_t kPsk = wire::dtls_km_method::kPreSharedKeys;
constexpr std::uint8_t kTls = wire::dtls_km_method::kTls13;

// One endpoint of a simulated INIT / INIT ACK exchange.
struct Side {
  bool enabled = true;
  DtlsMode mode = DtlsMode::kStrict;
  DtlsRoles roles = DtlsRoles::kBoth;
  std::vector<std::uint8_t> methods{kTls};
  bool restart = true;
  std::uint32_t tie_breaker = 0;
  std::uint8_t reserved_bits = 0;  // set on the wire by this side (receivers must ignore them)

  DtlsChunkConfig config() const {
    DtlsChunkConfig c;
    c.enabled = enabled;
    c.mode = mode;
    c.roles = roles;
    c.methods = methods;
    c.restart_supported = restart;
    return c;
  }
  std::uint8_t flags() const {
    std::uint8_t f = reserved_bits;
    if (restart) f |= 0x04;
    if (roles != DtlsRoles::kClient) f |= 0x02;
    if (roles != DtlsRoles::kServer) f |= 0x01;
    return f;
  }
  // The parameter as this side sends it, built byte by byte from §4.1 Figure 2 (no padding).
  std::vector<std::uint8_t> hand_bytes() const {
    const std::size_t length = 9 + methods.size();
    std::vector<std::uint8_t> b{0x80,
                                0x06,
                                static_cast<std::uint8_t>(length >> 8),
                                static_cast<std::uint8_t>(length & 0xFF),
                                static_cast<std::uint8_t>(tie_breaker >> 24),
                                static_cast<std::uint8_t>((tie_breaker >> 16) & 0xFF),
                                static_cast<std::uint8_t>((tie_breaker >> 8) & 0xFF),
                                static_cast<std::uint8_t>(tie_breaker & 0xFF),
                                flags()};
    b.insert(b.end(), methods.begin(), methods.end());
    return b;
  }
  // What this side keeps as `local_sent` (its own value, no `wire`).
  DtlsKeyManagementParameter sent() const {
    DtlsKeyManagementParameter p;
    p.tie_breaker = tie_breaker;
    p.restart = restart;
    p.server = roles != DtlsRoles::kClient;
    p.client = roles != DtlsRoles::kServer;
    p.methods = methods;
    return p;
  }
};

// A received parameter: parsed from the padded bytes, so its `wire` points into `storage`.
struct Received {
  std::vector<std::uint8_t> storage;
  std::optional<DtlsKeyManagementParameter> param;
};

Received receive(const Side& sender) {
  Received r;
  if (!sender.enabled) return r;
  r.storage = sender.hand_bytes();
  while (r.storage.size() % 4 != 0) r.storage.push_back(0);
  auto block = wire::TlvBlock::parse(r.storage);
  if (!block.ok() || block->count() != 1) {
    ADD_FAILURE() << "bad hand-built parameter";
    return r;
  }
  auto parsed = DtlsKeyManagementParameter::parse(*block->begin());
  if (!parsed.ok()) {
    ADD_FAILURE() << "hand-built parameter does not parse";
    return r;
  }
  r.param = *parsed;
  return r;
}

struct Exchange {
  NegotiationResult a;  // the SCTP initiator
  NegotiationResult b;  // the responder
};

Exchange run(const Side& a, const Side& b) {
  if (a.enabled && a.reserved_bits == 0) {
    EXPECT_EQ(to_hex(a.sent().encoded_bytes()), to_hex(a.hand_bytes()));
  }
  if (b.enabled && b.reserved_bits == 0) {
    EXPECT_EQ(to_hex(b.sent().encoded_bytes()), to_hex(b.hand_bytes()));
  }
  const Received from_a = receive(a);
  const Received from_b = receive(b);
  Exchange e;
  e.a = negotiate_dtls(a.config(), a.sent(), from_b.param, true);
  e.b = negotiate_dtls(b.config(), b.sent(), from_a.param, false);
  return e;
}

std::vector<std::uint8_t> concat(std::vector<std::uint8_t> x, const std::vector<std::uint8_t>& y) {
  x.insert(x.end(), y.begin(), y.end());
  return x;
}

void expect_protected(const NegotiationResult& r, DtlsRole role, std::uint8_t method, bool restart,
                      const std::vector<std::uint8_t>& downgrade) {
  EXPECT_EQ(r.outcome, DtlsOutcome::kProtected);
  EXPECT_TRUE(r.is_protected());
  EXPECT_EQ(r.cause, 0);
  EXPECT_EQ(r.role, role);
  EXPECT_EQ(r.method, method);
  EXPECT_EQ(r.restart, restart);
  EXPECT_EQ(to_hex(r.downgrade_data), to_hex(downgrade));
}

void expect_failed(const NegotiationResult& r, DtlsMode mode, std::uint16_t cause) {
  EXPECT_EQ(r.outcome,
            mode == DtlsMode::kStrict ? DtlsOutcome::kAbort : DtlsOutcome::kUnprotectedLoose);
  EXPECT_FALSE(r.is_protected());
  EXPECT_EQ(r.cause, cause);
  EXPECT_EQ(r.method, 0);
  EXPECT_FALSE(r.restart);
  EXPECT_TRUE(r.downgrade_data.empty());
}

DtlsRole other(DtlsRole r) {
  return r == DtlsRole::kClient ? DtlsRole::kServer : DtlsRole::kClient;
}

const char* name(DtlsRoles r) {
  switch (r) {
    case DtlsRoles::kClient: return "Client";
    case DtlsRoles::kServer: return "Server";
    case DtlsRoles::kBoth: return "Both";
  }
  return "?";
}
const char* name(DtlsMode m) {
  return m == DtlsMode::kStrict ? "Strict" : "Loose";
}

// ---------------------------------------------------------------------------------------------
// Configuration and the local parameter.

TEST(DtlsChunkConfig, Defaults) {
  const DtlsChunkConfig c;
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.methods, std::vector<std::uint8_t>{192});
  EXPECT_EQ(c.roles, DtlsRoles::kBoth);
  EXPECT_TRUE(c.restart_supported);
  EXPECT_EQ(c.mode, DtlsMode::kStrict);
  EXPECT_TRUE(c.valid());
  DtlsChunkConfig empty;
  empty.methods.clear();
  EXPECT_FALSE(empty.valid());
}

TEST(DtlsMakeLocalParameter, FlagsMethodsAndRandomTieBreaker) {
  DtlsChunkConfig c;
  c.enabled = true;
  c.methods = {kTls, kPsk};
  SeededRandom r1(7);
  SeededRandom r2(7);
  const auto p = make_local_parameter(c, r1);
  EXPECT_EQ(p.tie_breaker, r2.next_u32());
  EXPECT_TRUE(p.restart);
  EXPECT_TRUE(p.server);
  EXPECT_TRUE(p.client);
  EXPECT_EQ(p.methods, (std::vector<std::uint8_t>{192, 0}));
  EXPECT_TRUE(p.wire.empty());
  // Header, tie breaker, flags R|S|C, methods 192 then 0; length 11, no padding.
  std::vector<std::uint8_t> expected = from_hex("8006000b");
  const auto tb = p.tie_breaker;
  expected.push_back(static_cast<std::uint8_t>(tb >> 24));
  expected.push_back(static_cast<std::uint8_t>((tb >> 16) & 0xFF));
  expected.push_back(static_cast<std::uint8_t>((tb >> 8) & 0xFF));
  expected.push_back(static_cast<std::uint8_t>(tb & 0xFF));
  expected.push_back(0x07);
  expected.push_back(0xc0);
  expected.push_back(0x00);
  EXPECT_EQ(to_hex(p.encoded_bytes()), to_hex(expected));

  // A second parameter draws a fresh tie breaker.
  const auto q = make_local_parameter(c, r1);
  EXPECT_EQ(q.tie_breaker, r2.next_u32());
  EXPECT_NE(p.tie_breaker, q.tie_breaker);
}

TEST(DtlsMakeLocalParameter, RolesAndRestart) {
  SeededRandom random(1);
  DtlsChunkConfig c;
  c.enabled = true;
  c.restart_supported = false;
  c.roles = DtlsRoles::kClient;
  auto p = make_local_parameter(c, random);
  EXPECT_TRUE(p.client);
  EXPECT_FALSE(p.server);
  EXPECT_FALSE(p.restart);
  EXPECT_EQ(p.flags(), 0x01);
  c.roles = DtlsRoles::kServer;
  p = make_local_parameter(c, random);
  EXPECT_FALSE(p.client);
  EXPECT_TRUE(p.server);
  EXPECT_EQ(p.flags(), 0x02);
  c.roles = DtlsRoles::kBoth;
  c.restart_supported = true;
  p = make_local_parameter(c, random);
  EXPECT_EQ(p.flags(), 0x07);
}

// ---------------------------------------------------------------------------------------------
// Role matrix: every role combination, strict/loose on each side, both tie breaker orders.

using RoleCase = std::tuple<DtlsRoles, DtlsRoles, DtlsMode, DtlsMode, bool>;

class DtlsRoleMatrix : public testing::TestWithParam<RoleCase> {};

TEST_P(DtlsRoleMatrix, Outcome) {
  const auto [roles_a, roles_b, mode_a, mode_b, a_larger] = GetParam();
  Side a;
  a.roles = roles_a;
  a.mode = mode_a;
  a.tie_breaker = a_larger ? 0x80000001u : 0x00000002u;
  Side b;
  b.roles = roles_b;
  b.mode = mode_b;
  b.tie_breaker = a_larger ? 0x7FFFFFFFu : 0xFFFFFFF0u;
  const Exchange e = run(a, b);

  // Expected role of A (the initiator), nullopt when incompatible.
  std::optional<DtlsRole> role_a;
  const bool a_c = roles_a != DtlsRoles::kServer;
  const bool a_s = roles_a != DtlsRoles::kClient;
  const bool b_c = roles_b != DtlsRoles::kServer;
  const bool b_s = roles_b != DtlsRoles::kClient;
  if (roles_a == DtlsRoles::kBoth && roles_b == DtlsRoles::kBoth) {
    role_a = a_larger ? DtlsRole::kServer : DtlsRole::kClient;
  } else if (a_c && b_s && !(a_s && b_c)) {
    role_a = DtlsRole::kClient;
  } else if (a_s && b_c) {
    role_a = DtlsRole::kServer;
  }

  if (!role_a) {
    // Client/client or server/server.
    ASSERT_EQ(roles_a, roles_b);
    ASSERT_NE(roles_a, DtlsRoles::kBoth);
    expect_failed(e.a, mode_a, cc::kIncompatibleDtlsKeyManagementRoles);
    expect_failed(e.b, mode_b, cc::kIncompatibleDtlsKeyManagementRoles);
    return;
  }
  const std::vector<std::uint8_t> downgrade = *role_a == DtlsRole::kClient
                                                  ? concat(a.hand_bytes(), b.hand_bytes())
                                                  : concat(b.hand_bytes(), a.hand_bytes());
  expect_protected(e.a, *role_a, kTls, true, downgrade);
  expect_protected(e.b, other(*role_a), kTls, true, downgrade);
  EXPECT_EQ(e.a.initiator_is_client, *role_a == DtlsRole::kClient);
  EXPECT_EQ(e.b.initiator_is_client, *role_a == DtlsRole::kClient);
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, DtlsRoleMatrix,
    testing::Combine(testing::Values(DtlsRoles::kClient, DtlsRoles::kServer, DtlsRoles::kBoth),
                     testing::Values(DtlsRoles::kClient, DtlsRoles::kServer, DtlsRoles::kBoth),
                     testing::Values(DtlsMode::kStrict, DtlsMode::kLoose),
                     testing::Values(DtlsMode::kStrict, DtlsMode::kLoose), testing::Bool()),
    [](const testing::TestParamInfo<RoleCase>& p) {
      return std::string("A") + name(std::get<0>(p.param)) + "_B" + name(std::get<1>(p.param)) +
             "_A" + name(std::get<2>(p.param)) + "_B" + name(std::get<3>(p.param)) +
             (std::get<4>(p.param) ? "_ATieLarger" : "_BTieLarger");
    });

// The role table spelled out with literal bytes (a few representative rows).
TEST(DtlsRoles, ClientOnlyInitiatorAgainstBoth) {
  Side a;
  a.roles = DtlsRoles::kClient;
  a.tie_breaker = 0xFFFFFFFF;  // larger, but a single role wins over the tie breaker
  Side b;
  b.tie_breaker = 0x00000001;
  const Exchange e = run(a, b);
  const auto downgrade = from_hex("8006000a ffffffff 05 c0  8006000a 00000001 07 c0");
  expect_protected(e.a, DtlsRole::kClient, kTls, true, downgrade);
  expect_protected(e.b, DtlsRole::kServer, kTls, true, downgrade);
}

TEST(DtlsRoles, ServerOnlyInitiatorAgainstClientOnly) {
  Side a;
  a.roles = DtlsRoles::kServer;
  a.tie_breaker = 0x01020304;
  Side b;
  b.roles = DtlsRoles::kClient;
  b.tie_breaker = 0x05060708;
  const Exchange e = run(a, b);
  // The client is the responder: its parameter (the INIT ACK's) comes first.
  const auto downgrade = from_hex("8006000a 05060708 05 c0  8006000a 01020304 06 c0");
  expect_protected(e.a, DtlsRole::kServer, kTls, true, downgrade);
  expect_protected(e.b, DtlsRole::kClient, kTls, true, downgrade);
  EXPECT_FALSE(e.a.initiator_is_client);
  EXPECT_FALSE(e.b.initiator_is_client);
}

TEST(DtlsRoles, BothAgainstBothLargerTieBreakerIsServer) {
  Side a;
  a.tie_breaker = 0x00000100;
  Side b;
  b.tie_breaker = 0x000000FF;
  const Exchange e = run(a, b);
  const auto downgrade = from_hex("8006000a 000000ff 07 c0  8006000a 00000100 07 c0");
  expect_protected(e.a, DtlsRole::kServer, kTls, true, downgrade);
  expect_protected(e.b, DtlsRole::kClient, kTls, true, downgrade);
}

TEST(DtlsRoles, TieBreakerComparedUnsigned) {
  Side a;
  a.tie_breaker = 0x80000000;  // negative as a signed 32-bit value
  Side b;
  b.tie_breaker = 0x7FFFFFFF;
  const Exchange e = run(a, b);
  EXPECT_EQ(e.a.role, DtlsRole::kServer);
  EXPECT_EQ(e.b.role, DtlsRole::kClient);
}

TEST(DtlsRoles, PeerOfferingNoRoleIsIncompatible) {
  Side a;
  a.tie_breaker = 1;
  Received bad;
  bad.storage = from_hex("8006000a 00000002 04 c0 0000");
  auto block = wire::TlvBlock::parse(bad.storage);
  ASSERT_TRUE(block.ok());
  auto parsed = DtlsKeyManagementParameter::parse(*block->begin());
  ASSERT_TRUE(parsed.ok());
  const auto strict = negotiate_dtls(a.config(), a.sent(), *parsed, true);
  expect_failed(strict, DtlsMode::kStrict, cc::kIncompatibleDtlsKeyManagementRoles);
  a.mode = DtlsMode::kLoose;
  const auto loose = negotiate_dtls(a.config(), a.sent(), *parsed, true);
  expect_failed(loose, DtlsMode::kLoose, cc::kIncompatibleDtlsKeyManagementRoles);
}

// ---------------------------------------------------------------------------------------------
// Equal tie breakers.

class DtlsTieCollision : public testing::TestWithParam<std::tuple<DtlsMode, DtlsMode>> {};

TEST_P(DtlsTieCollision, AbortsWithCause102EvenInLooseMode) {
  const auto [mode_a, mode_b] = GetParam();
  Side a;
  a.mode = mode_a;
  a.tie_breaker = 0x11223344;
  Side b = a;
  b.mode = mode_b;
  const Exchange e = run(a, b);
  for (const NegotiationResult* r : {&e.a, &e.b}) {
    EXPECT_EQ(r->outcome, DtlsOutcome::kAbort);
    EXPECT_EQ(r->cause, cc::kDtlsKeyManagementTieBreakerCollision);
    EXPECT_EQ(r->cause, 102);
    EXPECT_TRUE(r->downgrade_data.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, DtlsTieCollision,
                         testing::Combine(testing::Values(DtlsMode::kStrict, DtlsMode::kLoose),
                                          testing::Values(DtlsMode::kStrict, DtlsMode::kLoose)),
                         [](const testing::TestParamInfo<std::tuple<DtlsMode, DtlsMode>>& p) {
                           return std::string("A") + name(std::get<0>(p.param)) + "_B" +
                                  name(std::get<1>(p.param));
                         });

TEST(DtlsTieCollision, EqualTieBreakersDoNotMatterWithASingleRole) {
  for (const DtlsRoles single : {DtlsRoles::kClient, DtlsRoles::kServer}) {
    Side a;
    a.roles = single;
    a.tie_breaker = 42;
    Side b;
    b.tie_breaker = 42;
    const Exchange e = run(a, b);
    const DtlsRole role_a = single == DtlsRoles::kClient ? DtlsRole::kClient : DtlsRole::kServer;
    const auto downgrade = role_a == DtlsRole::kClient ? concat(a.hand_bytes(), b.hand_bytes())
                                                       : concat(b.hand_bytes(), a.hand_bytes());
    expect_protected(e.a, role_a, kTls, true, downgrade);
    expect_protected(e.b, other(role_a), kTls, true, downgrade);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameter presence: each side disabled, strict or loose.

enum class State : std::uint8_t { kDisabled, kStrict, kLoose };
const char* name(State s) {
  switch (s) {
    case State::kDisabled: return "Disabled";
    case State::kStrict: return "Strict";
    case State::kLoose: return "Loose";
  }
  return "?";
}

Side side_in(State s, std::uint32_t tie) {
  Side x;
  x.enabled = s != State::kDisabled;
  x.mode = s == State::kLoose ? DtlsMode::kLoose : DtlsMode::kStrict;
  x.tie_breaker = tie;
  return x;
}

class DtlsPresence : public testing::TestWithParam<std::tuple<State, State>> {};

TEST_P(DtlsPresence, Outcome) {
  const auto [state_a, state_b] = GetParam();
  const Side a = side_in(state_a, 0x0000AAAA);
  const Side b = side_in(state_b, 0x0000BBBB);
  const Exchange e = run(a, b);
  const auto check = [](const NegotiationResult& r, State self, State peer, DtlsRole role,
                        const std::vector<std::uint8_t>& downgrade) {
    if (self == State::kDisabled) {
      EXPECT_EQ(r.outcome, DtlsOutcome::kDisabled);
      EXPECT_EQ(r.cause, 0);
      EXPECT_TRUE(r.downgrade_data.empty());
    } else if (peer == State::kDisabled) {
      expect_failed(r, self == State::kStrict ? DtlsMode::kStrict : DtlsMode::kLoose,
                    cc::kMissingDtlsChunkSupport);
    } else {
      expect_protected(r, role, kTls, true, downgrade);
    }
  };
  // Both offer both roles: B has the larger tie breaker and is the server.
  const auto downgrade = from_hex("8006000a 0000aaaa 07 c0  8006000a 0000bbbb 07 c0");
  check(e.a, state_a, state_b, DtlsRole::kClient, downgrade);
  check(e.b, state_b, state_a, DtlsRole::kServer, downgrade);
}

INSTANTIATE_TEST_SUITE_P(
    AllStates, DtlsPresence,
    testing::Combine(testing::Values(State::kDisabled, State::kStrict, State::kLoose),
                     testing::Values(State::kDisabled, State::kStrict, State::kLoose)),
    [](const testing::TestParamInfo<std::tuple<State, State>>& p) {
      return std::string("A") + name(std::get<0>(p.param)) + "_B" + name(std::get<1>(p.param));
    });

TEST(DtlsPresence, MissingParameterInInitAckAlsoUsesCause100) {
  DtlsChunkConfig c;
  c.enabled = true;
  SeededRandom random(3);
  const auto sent = make_local_parameter(c, random);
  const auto as_initiator = negotiate_dtls(c, sent, std::nullopt, true);
  EXPECT_EQ(as_initiator.outcome, DtlsOutcome::kAbort);
  EXPECT_EQ(as_initiator.cause, 100);
  const auto as_responder = negotiate_dtls(c, sent, std::nullopt, false);
  EXPECT_EQ(as_responder.outcome, DtlsOutcome::kAbort);
  EXPECT_EQ(as_responder.cause, 100);
}

// ---------------------------------------------------------------------------------------------
// Method selection: the server's list in its order, first one the client lists too.

struct MethodCase {
  const char* label;
  std::vector<std::uint8_t> client;  // A, client only
  std::vector<std::uint8_t> server;  // B, server only
  std::optional<std::uint8_t> expected;
};

class DtlsMethods : public testing::TestWithParam<std::tuple<MethodCase, DtlsMode, DtlsMode>> {};

TEST_P(DtlsMethods, Selection) {
  const auto& [mc, mode_a, mode_b] = GetParam();
  Side a;
  a.roles = DtlsRoles::kClient;
  a.methods = mc.client;
  a.mode = mode_a;
  a.tie_breaker = 0x0A0A0A0A;
  Side b;
  b.roles = DtlsRoles::kServer;
  b.methods = mc.server;
  b.mode = mode_b;
  b.tie_breaker = 0x0B0B0B0B;
  const Exchange e = run(a, b);
  if (!mc.expected) {
    expect_failed(e.a, mode_a, cc::kNoCommonDtlsKeyManagement);
    expect_failed(e.b, mode_b, cc::kNoCommonDtlsKeyManagement);
    return;
  }
  const auto downgrade = concat(a.hand_bytes(), b.hand_bytes());
  expect_protected(e.a, DtlsRole::kClient, *mc.expected, true, downgrade);
  expect_protected(e.b, DtlsRole::kServer, *mc.expected, true, downgrade);
}

const MethodCase kMethodCases[] = {
    {"SameSingle", {kTls}, {kTls}, kTls},
    {"SamePsk", {kPsk}, {kPsk}, kPsk},
    {"SameOrder", {kTls, kPsk}, {kTls, kPsk}, kTls},
    {"ServerPrefersTls", {kPsk, kTls}, {kTls, kPsk}, kTls},
    {"ServerPrefersPsk", {kTls, kPsk}, {kPsk, kTls}, kPsk},
    {"ClientSubset", {kPsk}, {kTls, kPsk}, kPsk},
    {"ServerSubset", {kTls, kPsk}, {kPsk}, kPsk},
    {"UnknownIdsSkipped", {7, kTls, kPsk}, {9, kPsk, 7}, kPsk},
    {"UnknownSharedId", {200, 7}, {7, 200}, 7},
    {"NoOverlap", {kTls}, {kPsk}, std::nullopt},
    {"NoOverlapLists", {kTls, 1, 2}, {kPsk, 3}, std::nullopt},
};

INSTANTIATE_TEST_SUITE_P(
    AllLists, DtlsMethods,
    testing::Combine(testing::ValuesIn(kMethodCases),
                     testing::Values(DtlsMode::kStrict, DtlsMode::kLoose),
                     testing::Values(DtlsMode::kStrict, DtlsMode::kLoose)),
    [](const testing::TestParamInfo<std::tuple<MethodCase, DtlsMode, DtlsMode>>& p) {
      return std::string(std::get<0>(p.param).label) + "_A" + name(std::get<1>(p.param)) + "_B" +
             name(std::get<2>(p.param));
    });

TEST(DtlsMethods, ServerListDecidesWhenRolesComeFromTheTieBreaker) {
  // Both offer both roles; A prefers 0, B prefers 192. Whoever has the larger tie breaker is the
  // server and its preference wins.
  Side a;
  a.methods = {kPsk, kTls};
  Side b;
  b.methods = {kTls, kPsk};
  a.tie_breaker = 2;
  b.tie_breaker = 1;
  Exchange e = run(a, b);
  auto downgrade = from_hex("8006000b 00000001 07 c0 00  8006000b 00000002 07 00 c0");
  expect_protected(e.a, DtlsRole::kServer, kPsk, true, downgrade);
  expect_protected(e.b, DtlsRole::kClient, kPsk, true, downgrade);
  a.tie_breaker = 1;
  b.tie_breaker = 2;
  e = run(a, b);
  downgrade = from_hex("8006000b 00000001 07 00 c0  8006000b 00000002 07 c0 00");
  expect_protected(e.a, DtlsRole::kClient, kTls, true, downgrade);
  expect_protected(e.b, DtlsRole::kServer, kTls, true, downgrade);
}

TEST(DtlsMethods, NoCommonMethodReportedBeforeIncompatibleRoles) {
  Side a;
  a.roles = DtlsRoles::kClient;
  a.methods = {kTls};
  Side b;
  b.roles = DtlsRoles::kClient;
  b.methods = {kPsk};
  const Exchange e = run(a, b);
  expect_failed(e.a, DtlsMode::kStrict, cc::kNoCommonDtlsKeyManagement);
  expect_failed(e.b, DtlsMode::kStrict, cc::kNoCommonDtlsKeyManagement);
}

TEST(DtlsMethods, IncompatibleRolesReportedBeforeTieBreakerCheck) {
  Side a;
  a.roles = DtlsRoles::kServer;
  a.tie_breaker = 5;
  Side b;
  b.roles = DtlsRoles::kServer;
  b.tie_breaker = 5;
  const Exchange e = run(a, b);
  expect_failed(e.a, DtlsMode::kStrict, cc::kIncompatibleDtlsKeyManagementRoles);
  expect_failed(e.b, DtlsMode::kStrict, cc::kIncompatibleDtlsKeyManagementRoles);
}

// ---------------------------------------------------------------------------------------------
// Restart bit and down-grade data details.

class DtlsRestart : public testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(DtlsRestart, AgreedOnlyWhenBothSetR) {
  const auto [ra, rb] = GetParam();
  Side a;
  a.restart = ra;
  a.tie_breaker = 1;
  Side b;
  b.restart = rb;
  b.tie_breaker = 2;
  const Exchange e = run(a, b);
  const auto downgrade = concat(a.hand_bytes(), b.hand_bytes());
  expect_protected(e.a, DtlsRole::kClient, kTls, ra && rb, downgrade);
  expect_protected(e.b, DtlsRole::kServer, kTls, ra && rb, downgrade);
}

INSTANTIATE_TEST_SUITE_P(AllBits, DtlsRestart, testing::Combine(testing::Bool(), testing::Bool()));

TEST(DtlsDowngradeData, ReceivedParameterKeptAsOnTheWire) {
  // B sets reserved bits (which receivers ignore) and lists three methods (one byte of padding on
  // the wire, not part of the data). A's copy must keep B's bytes exactly.
  Side a;
  a.tie_breaker = 0x00000010;
  Side b;
  b.tie_breaker = 0x00000020;
  b.methods = {kTls, kPsk, 5};
  b.reserved_bits = 0xF8;
  const Exchange e = run(a, b);
  const auto downgrade = from_hex("8006000a 00000010 07 c0  8006000c 00000020 ff c0 00 05");
  expect_protected(e.a, DtlsRole::kClient, kTls, true, downgrade);
  // B itself knows only its own value: encoded_bytes() writes zero reserved bits. The engine keeps
  // what it sent, so in practice the reserved bits are zero on both sides; this shows which bytes
  // each side uses.
  const auto b_view = from_hex("8006000a 00000010 07 c0  8006000c 00000020 07 c0 00 05");
  expect_protected(e.b, DtlsRole::kServer, kTls, true, b_view);
}

TEST(DtlsDowngradeData, PeerWithoutWireBytesUsesItsEncoding) {
  Side a;
  a.tie_breaker = 0x00000003;
  Side b;
  b.tie_breaker = 0x00000004;
  b.methods = {kPsk, kTls};
  const auto result = negotiate_dtls(a.config(), a.sent(), b.sent(), true);
  expect_protected(result, DtlsRole::kClient, kTls, true,
                   from_hex("8006000a 00000003 07 c0  8006000b 00000004 07 00 c0"));
}

TEST(DtlsDisabled, PeerParameterIgnored) {
  const DtlsChunkConfig c;  // disabled
  Side b;
  b.tie_breaker = 9;
  const auto r = negotiate_dtls(c, DtlsKeyManagementParameter{}, b.sent(), false);
  EXPECT_EQ(r.outcome, DtlsOutcome::kDisabled);
  EXPECT_EQ(r.cause, 0);
  EXPECT_FALSE(r.is_protected());
}

}  // namespace
}  // namespace sctps::core
