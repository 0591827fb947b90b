// The DTLS chunk negotiation (draft-ietf-tsvwg-sctp-dtls-chunk §5.1) end to end in the simulated
// network: one row per combination of roles, modes, parameter presence, method lists and tie
// breakers, each with the outcome both endpoints must reach — a protected association, an
// unprotected one in loose mode with the cause a strict endpoint would have sent, or an ABORT with
// cause 100-103 on the wire and in AssociationDown. For agreed associations the agreement
// (Endpoint::dtls_agreement, draft §7.2) is checked against what crossed the wire: the down-grade
// data is the key-management client's parameter then the server's, as that endpoint saw them.
//
// Method 192 (TLS) is negotiated here but has no key manager in this test: a test double records
// the agreement and never installs keys, and rows agreeing on 192 assert only on the negotiation.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protection_harness.h"
#include "wire/tlv.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

using core::DtlsMode;
using core::DtlsRole;
using core::DtlsRoles;
using core::Protection;
namespace cc = wire::cause_code;

// --- Test doubles ---

// A key manager that never installs keys: the association stays "pending" (messages held). Used
// for method 192 only, where the test asserts on the negotiation, not on protection.
class NeverReadyKeyManager final : public core::KeyManager {
 public:
  void start(protect::ChunkProtector&, TimePoint) override {}
  void on_message(std::span<const std::uint8_t>, bool, protect::ChunkProtector&,
                  TimePoint) override {}
  void on_limit(const protect::KeyLimitEvent&, protect::ChunkProtector&, TimePoint) override {}
  bool rekey(protect::ChunkProtector&, TimePoint) override { return false; }
  void advance_time(protect::ChunkProtector&, TimePoint) override {}
  TimePoint next_deadline() const override { return kTimeInfinite; }
  std::optional<std::vector<std::uint8_t>> poll_message() override { return std::nullopt; }
  core::KeyManagerState state() const override { return core::KeyManagerState::kPending; }
  std::string failure() const override { return {}; }
  std::uint64_t epoch() const override { return 0; }
};

// Records every agreement handed to key management; method 0 is served by the real pre-shared key
// factory, any other method by NeverReadyKeyManager.
class RecordingFactory final : public core::KeyManagerFactory {
 public:
  explicit RecordingFactory(std::shared_ptr<km::PskKeyManagerFactory> psk) : psk_(std::move(psk)) {}
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override {
    agreements.push_back(agreement);
    if (agreement.method == wire::dtls_km_method::kPreSharedKeys)
      return psk_->create(agreement, error);
    return std::make_unique<NeverReadyKeyManager>();
  }
  std::vector<core::KeyManagementAgreement> agreements;

 private:
  std::shared_ptr<km::PskKeyManagerFactory> psk_;
};

// --- Reading and rewriting the DTLS Key Management parameter on the wire ---

// The parameters of the first INIT or INIT ACK chunk of a packet: the region after the 16 bytes
// of fixed fields, and its offset in the packet.
struct InitParameters {
  wire::Bytes bytes;
  std::size_t offset = 0;
};
std::optional<InitParameters> init_parameters(std::span<const std::uint8_t> packet,
                                              std::uint8_t type) {
  auto v = wire::PacketView::parse(packet);
  if (!v) return std::nullopt;
  for (const wire::ChunkView& c : *v) {
    if (c.type != type || c.value.size() < 16) continue;
    return InitParameters{c.value.subspan(16), c.offset + wire::ChunkView::kHeaderSize + 16};
  }
  return std::nullopt;
}

// Parameter types of an INIT / INIT ACK chunk.
std::vector<std::uint16_t> parameter_types(std::span<const std::uint8_t> packet,
                                           std::uint8_t type) {
  std::vector<std::uint16_t> out;
  auto params = init_parameters(packet, type);
  if (!params) return out;
  auto block = wire::TlvBlock::parse(params->bytes);
  if (!block) return out;
  for (const wire::TlvView& t : *block) out.push_back(t.type);
  return out;
}

// The DTLS Key Management parameter as on the wire (header and value, no padding), and its offset
// in the packet; nullopt when absent.
struct DtlsParameterOnWire {
  std::vector<std::uint8_t> whole;
  std::size_t offset = 0;
};
std::optional<DtlsParameterOnWire> dtls_parameter(std::span<const std::uint8_t> packet,
                                                  std::uint8_t type) {
  auto params = init_parameters(packet, type);
  if (!params) return std::nullopt;
  auto block = wire::TlvBlock::parse(params->bytes);
  if (!block) return std::nullopt;
  for (const wire::TlvView& t : *block) {
    if (t.type != wire::DtlsKeyManagementParameter::kType) continue;
    return DtlsParameterOnWire{std::vector<std::uint8_t>(t.whole.begin(), t.whole.end()),
                               params->offset + t.offset};
  }
  return std::nullopt;
}

std::uint32_t tie_breaker_of(const DtlsParameterOnWire& p) {
  return wire::load_be32(p.whole.data() + 4);
}

// Sets the tie breaker of the parameter in the packet's INIT / INIT ACK and fixes the checksum.
bool set_tie_breaker(Packet& packet, std::uint8_t type, std::uint32_t value) {
  auto p = dtls_parameter(packet.bytes, type);
  if (!p) return false;
  wire::store_be32(packet.bytes.data() + p->offset + 4, value);
  fix_checksum(packet);
  return true;
}

std::uint16_t cause_code_of(const WireRecord& r) {
  const auto causes = r.causes(ct::kAbort);
  return causes.size() == 1 ? wire::error_cause_code(causes[0]) : 0;
}

// --- The matrix ---

struct Side {
  bool enabled = true;
  DtlsRoles roles = DtlsRoles::kBoth;
  DtlsMode mode = DtlsMode::kStrict;
  std::vector<std::uint8_t> methods{wire::dtls_km_method::kPreSharedKeys};
  bool restart = true;
};

enum class Outcome : std::uint8_t {
  kProtected,      // agreed on `method`; the initiator's role is `initiator_role`
  kUnprotected,    // both up, `client_protection` / `server_protection` with `cause` when loose
  kClientAborts,   // the initiator aborts on the INIT ACK with `cause` (never sends COOKIE ECHO)
  kServerRefuses,  // the responder answers the INIT with an ABORT carrying `cause`
};

enum class ExpectedRole : std::uint8_t { kClient, kServer, kByTieBreaker };

struct Row {
  const char* name;
  Side client;  // the SCTP initiator
  Side server;  // the SCTP responder
  Outcome outcome;
  std::uint16_t cause = 0;
  std::uint8_t method = 0;
  ExpectedRole initiator_role = ExpectedRole::kClient;
  Protection client_protection = Protection::kOff;
  Protection server_protection = Protection::kOff;
  // A filter makes the INIT ACK's tie breaker equal to the INIT's (what the initiator sees only;
  // the responder negotiated with its own parameter, which it keeps in the State Cookie).
  bool equal_tie_breakers = false;
};

Side side(DtlsRoles roles, DtlsMode mode = DtlsMode::kStrict,
          std::vector<std::uint8_t> methods = {wire::dtls_km_method::kPreSharedKeys}) {
  Side s;
  s.roles = roles;
  s.mode = mode;
  s.methods = std::move(methods);
  return s;
}
Side disabled(DtlsMode mode = DtlsMode::kStrict) {
  Side s;
  s.enabled = false;
  s.mode = mode;
  return s;
}
Side no_restart(Side s) {
  s.restart = false;
  return s;
}

constexpr DtlsRoles C = DtlsRoles::kClient;
constexpr DtlsRoles S = DtlsRoles::kServer;
constexpr DtlsRoles B = DtlsRoles::kBoth;
constexpr DtlsMode kLoose = DtlsMode::kLoose;
constexpr DtlsMode kStrict = DtlsMode::kStrict;
const std::vector<std::uint8_t> k0{0};
const std::vector<std::uint8_t> k192{192};
const std::vector<std::uint8_t> k192_0{192, 0};
const std::vector<std::uint8_t> k0_192{0, 192};

Row protected_row(const char* name, Side c, Side s, ExpectedRole role, std::uint8_t method = 0) {
  Row r{name, std::move(c), std::move(s), Outcome::kProtected};
  r.method = method;
  r.initiator_role = role;
  return r;
}
Row unprotected_row(const char* name, Side c, Side s, Protection cp, Protection sp,
                    std::uint16_t cause) {
  Row r{name, std::move(c), std::move(s), Outcome::kUnprotected, cause};
  r.client_protection = cp;
  r.server_protection = sp;
  return r;
}
Row abort_row(const char* name, Side c, Side s, Outcome who, std::uint16_t cause) {
  return Row{name, std::move(c), std::move(s), who, cause};
}
Row tie(Row r) {
  r.equal_tie_breakers = true;
  return r;
}

constexpr auto kClientRole = ExpectedRole::kClient;
constexpr auto kServerRole = ExpectedRole::kServer;
constexpr auto kByTie = ExpectedRole::kByTieBreaker;
constexpr auto kLooseUp = Protection::kUnprotectedLoose;
constexpr auto kOff = Protection::kOff;

const Row kRows[] = {
    // Roles, both strict, method 0: every complementary pair agrees; the initiator's role
    // follows from the single-role side, or the tie breaker when both offer both.
    protected_row("C_S", side(C), side(S), kClientRole),
    protected_row("C_B", side(C), side(B), kClientRole),
    protected_row("S_C", side(S), side(C), kServerRole),
    protected_row("S_B", side(S), side(B), kServerRole),
    protected_row("B_C", side(B), side(C), kServerRole),
    protected_row("B_S", side(B), side(S), kClientRole),
    protected_row("B_B", side(B), side(B), kByTie),
    // The mode plays no part once the parameters agree.
    protected_row("B_B_loose_loose", side(B, kLoose), side(B, kLoose), kByTie),
    protected_row("C_S_strict_loose", side(C), side(S, kLoose), kClientRole),
    protected_row("S_C_loose_strict", side(S, kLoose), side(C), kServerRole),
    // Incompatible roles (103): whoever is strict and decides first aborts.
    abort_row("C_C_strict_strict", side(C), side(C), Outcome::kServerRefuses,
              cc::kIncompatibleDtlsKeyManagementRoles),
    abort_row("S_S_strict_strict", side(S), side(S), Outcome::kServerRefuses,
              cc::kIncompatibleDtlsKeyManagementRoles),
    abort_row("C_C_loose_strict", side(C, kLoose), side(C), Outcome::kServerRefuses,
              cc::kIncompatibleDtlsKeyManagementRoles),
    abort_row("C_C_strict_loose", side(C), side(C, kLoose), Outcome::kClientAborts,
              cc::kIncompatibleDtlsKeyManagementRoles),
    abort_row("S_S_strict_loose", side(S), side(S, kLoose), Outcome::kClientAborts,
              cc::kIncompatibleDtlsKeyManagementRoles),
    unprotected_row("C_C_loose_loose", side(C, kLoose), side(C, kLoose), kLooseUp, kLooseUp,
                    cc::kIncompatibleDtlsKeyManagementRoles),
    unprotected_row("S_S_loose_loose", side(S, kLoose), side(S, kLoose), kLooseUp, kLooseUp,
                    cc::kIncompatibleDtlsKeyManagementRoles),
    // Method lists: no overlap (101), checked before the roles.
    abort_row("m0_m192_strict_strict", side(B, kStrict, k0), side(B, kStrict, k192),
              Outcome::kServerRefuses, cc::kNoCommonDtlsKeyManagement),
    abort_row("m0_m192_loose_strict", side(B, kLoose, k0), side(B, kStrict, k192),
              Outcome::kServerRefuses, cc::kNoCommonDtlsKeyManagement),
    abort_row("m0_m192_strict_loose", side(B, kStrict, k0), side(B, kLoose, k192),
              Outcome::kClientAborts, cc::kNoCommonDtlsKeyManagement),
    unprotected_row("m0_m192_loose_loose", side(B, kLoose, k0), side(B, kLoose, k192), kLooseUp,
                    kLooseUp, cc::kNoCommonDtlsKeyManagement),
    abort_row("m0_m192_and_C_C", side(C, kStrict, k0), side(C, kStrict, k192),
              Outcome::kServerRefuses, cc::kNoCommonDtlsKeyManagement),
    // Overlapping lists: the key-management server's list in its order decides.
    protected_row("m192_0_vs_m0", side(B, kStrict, k192_0), side(B, kStrict, k0), kByTie, 0),
    protected_row("m0_vs_m192_0", side(B, kStrict, k0), side(B, kStrict, k192_0), kByTie, 0),
    protected_row("m0_192_vs_m192_0_responder_is_server", side(C, kStrict, k0_192),
                  side(S, kStrict, k192_0), kClientRole, 192),
    protected_row("m0_192_vs_m192_0_initiator_is_server", side(S, kStrict, k0_192),
                  side(C, kStrict, k192_0), kServerRole, 0),
    protected_row("m192_vs_m192", side(B, kStrict, k192), side(B, kStrict, k192), kByTie, 192),
    // Parameter absent on one side (100).
    abort_row("off_strict", disabled(), side(B), Outcome::kServerRefuses,
              cc::kMissingDtlsChunkSupport),
    unprotected_row("off_loose", disabled(), side(B, kLoose), kOff, kLooseUp,
                    cc::kMissingDtlsChunkSupport),
    abort_row("strict_off", side(B), disabled(), Outcome::kClientAborts,
              cc::kMissingDtlsChunkSupport),
    unprotected_row("loose_off", side(B, kLoose), disabled(), kLooseUp, kOff,
                    cc::kMissingDtlsChunkSupport),
    unprotected_row("off_off", disabled(), disabled(kLoose), kOff, kOff, 0),
    // Restart: agreed only when both set R.
    protected_row("restart_only_on_client", side(C), no_restart(side(S)), kClientRole),
    protected_row("restart_only_on_server", no_restart(side(B)), side(B), kByTie),
    // Equal tie breakers, as the initiator sees them (102; also in loose mode).
    tie(abort_row("B_B_equal_tie_strict", side(B), side(B), Outcome::kClientAborts,
                  cc::kDtlsKeyManagementTieBreakerCollision)),
    tie(abort_row("B_B_equal_tie_loose", side(B, kLoose), side(B, kLoose), Outcome::kClientAborts,
                  cc::kDtlsKeyManagementTieBreakerCollision)),
    // ... but the tie breaker is consulted only when both offer both roles.
    tie(protected_row("C_B_equal_tie", side(C), side(B), kClientRole)),
    tie(protected_row("B_S_equal_tie", side(B), side(S), kClientRole)),
    tie(protected_row("B_C_equal_tie", side(B), side(C), kServerRole)),
};

core::DtlsChunkConfig config_of(const Side& s) {
  core::DtlsChunkConfig c;
  c.enabled = s.enabled;
  c.roles = s.roles;
  c.mode = s.mode;
  c.methods = s.methods;
  c.restart_supported = s.restart;
  return c;
}

ConfigHook use_factory(const std::shared_ptr<RecordingFactory>& f) {
  return [f](core::EndpointConfig& c) { c.key_managers = f.get(); };
}

// Both endpoints with a recording factory over one pre-shared key file.
struct NegotiationPair {
  NegotiationPair(std::uint64_t seed, const Side& c, const Side& s)
      : psk(psk_factory(psk_file_text())),
        client_keys(std::make_shared<RecordingFactory>(psk)),
        server_keys(std::make_shared<RecordingFactory>(psk)),
        pair(seed, {}, with_dtls(fast_options(), config_of(c)),
             with_dtls(fast_options(), config_of(s)), use_factory(client_keys),
             use_factory(server_keys)),
        log(pair.net) {}
  std::shared_ptr<km::PskKeyManagerFactory> psk;
  std::shared_ptr<RecordingFactory> client_keys;
  std::shared_ptr<RecordingFactory> server_keys;
  Pair pair;
  WireLog log;
};

// What the wire carried of the two parameters: the INIT's as sent and as delivered, the INIT
// ACK's likewise (they differ only when a filter rewrote them).
struct WireParameters {
  std::optional<DtlsParameterOnWire> init_sent, init_delivered, ack_sent, ack_delivered;
};
WireParameters wire_parameters(const NegotiationPair& n) {
  WireParameters w;
  const Pair& p = n.pair;
  for (const WireRecord* r : n.log.select(TraceKind::kSent, p.client_ip, ct::kInit)) {
    if (!w.init_sent) w.init_sent = dtls_parameter(r->bytes, ct::kInit);
  }
  for (const WireRecord* r : n.log.select(TraceKind::kDelivered, {}, ct::kInit, p.server_ip)) {
    if (!w.init_delivered) w.init_delivered = dtls_parameter(r->bytes, ct::kInit);
  }
  for (const WireRecord* r : n.log.select(TraceKind::kSent, p.server_ip, ct::kInitAck)) {
    if (!w.ack_sent) w.ack_sent = dtls_parameter(r->bytes, ct::kInitAck);
  }
  for (const WireRecord* r : n.log.select(TraceKind::kDelivered, {}, ct::kInitAck, p.client_ip)) {
    if (!w.ack_delivered) w.ack_delivered = dtls_parameter(r->bytes, ct::kInitAck);
  }
  return w;
}

std::vector<std::uint8_t> concat(const std::vector<std::uint8_t>& a,
                                 const std::vector<std::uint8_t>& b) {
  std::vector<std::uint8_t> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

bool agreement_matches(const core::KeyManagementAgreement& a, const core::NegotiationResult& r) {
  return a.method == r.method && a.role == r.role && a.restart == r.restart &&
         a.downgrade_data == r.downgrade_data;
}

class Negotiation : public ::testing::TestWithParam<Row> {};

TEST_P(Negotiation, Outcome) {
  const Row& row = GetParam();
  NegotiationPair n(101, row.client, row.server);
  Pair& p = n.pair;
  if (row.equal_tie_breakers) {
    auto init_tie = std::make_shared<std::optional<std::uint32_t>>();
    p.net.set_filter(p.client_ip, p.server_ip, [init_tie](Packet& pk) {
      if (auto d = dtls_parameter(pk.bytes, ct::kInit)) *init_tie = tie_breaker_of(*d);
      return Verdict::kPass;
    });
    p.net.set_filter(p.server_ip, p.client_ip, [init_tie](Packet& pk) {
      if (*init_tie) set_tie_breaker(pk, ct::kInitAck, **init_tie);
      return Verdict::kPass;
    });
  }
  const core::AssocId id = p.connect();
  const bool ends_up = row.outcome == Outcome::kProtected || row.outcome == Outcome::kUnprotected;
  ASSERT_TRUE(p.run_until(
      [&] {
        if (!ends_up) return !p.client->downs.empty();
        return p.established();
      },
      sec(10)));
  p.net.run_for(ms(200));  // the handshake's last packets and the ABORT's arrival
  dump_if_requested(n.log, kTimeZero);

  // Parameters on the wire: present exactly when enabled; never with SCTP-AUTH (draft §3.2).
  const WireParameters w = wire_parameters(n);
  const auto inits = n.log.sent(p.client_ip, ct::kInit);
  ASSERT_FALSE(inits.empty());
  for (const WireRecord* r : inits) {
    for (const std::uint16_t t : parameter_types(r->bytes, ct::kInit)) {
      EXPECT_TRUE(t != 0x8002 && t != 0x8003 && t != 0x8004) << "INIT parameter " << t;
    }
  }
  for (const WireRecord* r : n.log.sent(p.server_ip, ct::kInitAck)) {
    for (const std::uint16_t t : parameter_types(r->bytes, ct::kInitAck)) {
      EXPECT_TRUE(t != 0x8002 && t != 0x8003 && t != 0x8004) << "INIT ACK parameter " << t;
    }
  }
  EXPECT_EQ(w.init_sent.has_value(), row.client.enabled);
  if (w.init_sent) {
    auto parsed = wire::TlvBlock::parse(w.init_sent->whole);
    ASSERT_TRUE(parsed);
    auto param = wire::DtlsKeyManagementParameter::parse(*parsed->begin());
    ASSERT_TRUE(param);
    EXPECT_EQ(param->methods, row.client.methods);
    EXPECT_EQ(param->client, row.client.roles != S);
    EXPECT_EQ(param->server, row.client.roles != C);
    EXPECT_EQ(param->restart, row.client.restart);
  }

  switch (row.outcome) {
    case Outcome::kProtected: {
      ASSERT_EQ(p.client->ups.size(), 1u);
      ASSERT_EQ(p.server->ups.size(), 1u);
      EXPECT_EQ(p.client->ups[0].protection, Protection::kPending);
      EXPECT_EQ(p.server->ups[0].protection, Protection::kPending);
      EXPECT_EQ(p.client->ups[0].dtls_method, row.method);
      EXPECT_EQ(p.server->ups[0].dtls_method, row.method);
      const auto ca = p.client->endpoint().dtls_agreement(id);
      const auto sa = p.server->endpoint().dtls_agreement(p.server_assoc());
      ASSERT_TRUE(ca && sa);
      ASSERT_TRUE(ca->is_protected() && sa->is_protected());
      EXPECT_EQ(ca->method, row.method);
      EXPECT_EQ(sa->method, row.method);
      EXPECT_NE(ca->role, sa->role);
      ASSERT_TRUE(w.init_sent && w.init_delivered && w.ack_sent && w.ack_delivered);
      DtlsRole expected = DtlsRole::kClient;
      switch (row.initiator_role) {
        case ExpectedRole::kClient: expected = DtlsRole::kClient; break;
        case ExpectedRole::kServer: expected = DtlsRole::kServer; break;
        case ExpectedRole::kByTieBreaker:
          // The larger tie breaker takes the server role.
          ASSERT_NE(tie_breaker_of(*w.init_sent), tie_breaker_of(*w.ack_sent));
          expected = tie_breaker_of(*w.init_sent) > tie_breaker_of(*w.ack_sent) ? DtlsRole::kServer
                                                                                : DtlsRole::kClient;
          break;
      }
      EXPECT_EQ(ca->role, expected);
      EXPECT_EQ(ca->initiator_is_client, expected == DtlsRole::kClient);
      EXPECT_EQ(sa->initiator_is_client, expected == DtlsRole::kClient);
      const bool restart = row.client.restart && row.server.restart;
      EXPECT_EQ(ca->restart, restart);
      EXPECT_EQ(sa->restart, restart);
      // Down-grade data: the key-management client's parameter then the server's, each as that
      // endpoint sent or received it.
      const bool initiator_is_client = ca->role == DtlsRole::kClient;
      const auto client_view = initiator_is_client
                                   ? concat(w.init_sent->whole, w.ack_delivered->whole)
                                   : concat(w.ack_delivered->whole, w.init_sent->whole);
      const auto server_view = initiator_is_client
                                   ? concat(w.init_delivered->whole, w.ack_sent->whole)
                                   : concat(w.ack_sent->whole, w.init_delivered->whole);
      EXPECT_EQ(ca->downgrade_data, client_view);
      EXPECT_EQ(sa->downgrade_data, server_view);
      if (!row.equal_tie_breakers) {
        EXPECT_EQ(ca->downgrade_data, sa->downgrade_data);
      }
      // Key management got exactly this agreement, once per side.
      ASSERT_EQ(n.client_keys->agreements.size(), 1u);
      ASSERT_EQ(n.server_keys->agreements.size(), 1u);
      EXPECT_TRUE(agreement_matches(n.client_keys->agreements[0], *ca));
      EXPECT_TRUE(agreement_matches(n.server_keys->agreements[0], *sa));
      EXPECT_EQ(n.server_keys->agreements[0].peer_addresses, std::vector<IpAddress>{p.client_ip});
      ASSERT_NE(p.client->endpoint().protector(id), nullptr);
      ASSERT_NE(p.server->endpoint().protector(p.server_assoc()), nullptr);

      if (row.method == wire::dtls_km_method::kPreSharedKeys) {
        // Keys both ways; a message each way arrives protected.
        ASSERT_EQ(
            p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(500, 1), {}, p.net.now()),
            core::SendStatus::kOk);
        ASSERT_EQ(p.server->endpoint().send(p.server_assoc(), StreamId(0), Ppid(2), pattern(700, 2),
                                            {}, p.net.now()),
                  core::SendStatus::kOk);
        ASSERT_TRUE(p.run_until(
            [&] { return p.client->received.size() == 1 && p.server->received.size() == 1; },
            sec(10)));
        EXPECT_TRUE(p.server->received[0].message.is_protected);
        EXPECT_TRUE(p.client->received[0].message.is_protected);
        EXPECT_EQ(p.server->received[0].message.payload, pattern(500, 1));
        EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.client).size(), 1u);
        EXPECT_EQ(events_of<core::ProtectionEstablished>(*p.server).size(), 1u);
        EXPECT_TRUE(p.client->endpoint().protector(id)->protection_required());
        EXPECT_TRUE(p.server->endpoint().protector(p.server_assoc())->protection_required());
        EXPECT_TRUE(p.client->downs.empty());
        EXPECT_TRUE(p.server->downs.empty());
      } else {
        // Method 192 has no keys here: agreed, pending, nothing installed.
        EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
        EXPECT_FALSE(p.client->endpoint().protector(id)->has_send_key());
        EXPECT_FALSE(p.server->endpoint().protector(p.server_assoc())->has_send_key());
      }
      break;
    }
    case Outcome::kUnprotected: {
      ASSERT_EQ(p.client->ups.size(), 1u);
      ASSERT_EQ(p.server->ups.size(), 1u);
      EXPECT_EQ(p.client->ups[0].protection, row.client_protection);
      EXPECT_EQ(p.server->ups[0].protection, row.server_protection);
      EXPECT_EQ(p.client->ups[0].dtls_cause,
                row.client_protection == Protection::kUnprotectedLoose ? row.cause : 0);
      EXPECT_EQ(p.server->ups[0].dtls_cause,
                row.server_protection == Protection::kUnprotectedLoose ? row.cause : 0);
      const auto ca = p.client->endpoint().dtls_agreement(id);
      const auto sa = p.server->endpoint().dtls_agreement(p.server_assoc());
      ASSERT_TRUE(ca && sa);
      EXPECT_EQ(ca->outcome, row.client.enabled ? core::DtlsOutcome::kUnprotectedLoose
                                                : core::DtlsOutcome::kDisabled);
      EXPECT_EQ(sa->outcome, row.server.enabled ? core::DtlsOutcome::kUnprotectedLoose
                                                : core::DtlsOutcome::kDisabled);
      EXPECT_TRUE(ca->downgrade_data.empty());
      EXPECT_EQ(p.client->endpoint().protector(id), nullptr);
      EXPECT_EQ(p.server->endpoint().protector(p.server_assoc()), nullptr);
      EXPECT_TRUE(n.client_keys->agreements.empty());
      EXPECT_TRUE(n.server_keys->agreements.empty());
      // Plain SCTP: messages flow, unprotected.
      ASSERT_EQ(
          p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(300, 3), {}, p.net.now()),
          core::SendStatus::kOk);
      ASSERT_EQ(p.server->endpoint().send(p.server_assoc(), StreamId(0), Ppid(2), pattern(300, 4),
                                          {}, p.net.now()),
                core::SendStatus::kOk);
      ASSERT_TRUE(p.run_until(
          [&] { return p.client->received.size() == 1 && p.server->received.size() == 1; },
          sec(10)));
      EXPECT_FALSE(p.server->received[0].message.is_protected);
      EXPECT_FALSE(p.client->received[0].message.is_protected);
      EXPECT_TRUE(n.log.sent({}, ct::kDtls).empty());
      EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.client).empty());
      EXPECT_TRUE(events_of<core::ProtectionEstablished>(*p.server).empty());
      break;
    }
    case Outcome::kClientAborts: {
      ASSERT_EQ(p.client->downs.size(), 1u);
      EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kCannotStart);
      EXPECT_NE(p.client->downs[0].detail.find("cause " + std::to_string(row.cause)),
                std::string::npos)
          << p.client->downs[0].detail;
      EXPECT_TRUE(p.client->ups.empty());
      const auto aborts = n.log.sent(p.client_ip, ct::kAbort);
      ASSERT_EQ(aborts.size(), 1u);
      EXPECT_EQ(cause_code_of(*aborts[0]), row.cause);
      EXPECT_FALSE(aborts[0]->first_of(ct::kAbort)->flags & 0x01);  // tagged with the peer's tag
      EXPECT_TRUE(n.log.sent(p.client_ip, ct::kCookieEcho).empty());
      // The responder kept no state (§5.1.3): the ABORT is out of the blue there.
      EXPECT_TRUE(p.server->ups.empty());
      EXPECT_EQ(p.server->endpoint().association_count(), 0u);
      EXPECT_EQ(p.server->endpoint().endpoint_stats().inits_answered, 1u);
      EXPECT_TRUE(n.client_keys->agreements.empty());
      EXPECT_TRUE(n.server_keys->agreements.empty());
      break;
    }
    case Outcome::kServerRefuses: {
      EXPECT_EQ(p.server->endpoint().endpoint_stats().inits_aborted_dtls, 1u);
      EXPECT_TRUE(n.log.sent(p.server_ip, ct::kInitAck).empty());
      const auto aborts = n.log.sent(p.server_ip, ct::kAbort);
      ASSERT_EQ(aborts.size(), 1u);
      EXPECT_EQ(cause_code_of(*aborts[0]), row.cause);
      ASSERT_EQ(p.client->downs.size(), 1u);
      EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
      EXPECT_NE(p.client->downs[0].detail.find(std::string(wire::error_cause_name(row.cause))),
                std::string::npos)
          << p.client->downs[0].detail;
      EXPECT_TRUE(p.client->ups.empty());
      EXPECT_TRUE(p.server->ups.empty());
      EXPECT_EQ(p.server->endpoint().association_count(), 0u);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, Negotiation, ::testing::ValuesIn(kRows),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The responder sees equal tie breakers: the attacker writes into the INIT the tie breaker the
// responder is about to choose. The endpoints are deterministic for a seed, so a first run learns
// it and a second run with the same seed collides. The responder refuses the INIT with 102 in
// either mode (§5.1 case 2 has no mode condition).
TEST(NegotiationTieBreaker, ResponderSeesEqualTieBreakersAndRefuses) {
  for (const DtlsMode mode : {kStrict, kLoose}) {
    SCOPED_TRACE(mode == kStrict ? "strict" : "loose");
    std::optional<std::uint32_t> responder_tie;
    {
      NegotiationPair first(202, side(B, mode), side(B, mode));
      first.pair.connect();
      ASSERT_TRUE(first.pair.run_until([&] { return first.pair.established(); }, sec(10)));
      const WireParameters w = wire_parameters(first);
      ASSERT_TRUE(w.ack_sent);
      responder_tie = tie_breaker_of(*w.ack_sent);
    }
    NegotiationPair second(202, side(B, mode), side(B, mode));
    Pair& p = second.pair;
    const std::uint32_t forced = *responder_tie;
    p.net.set_filter(p.client_ip, p.server_ip, [forced](Packet& pk) {
      set_tie_breaker(pk, ct::kInit, forced);
      return Verdict::kPass;
    });
    p.connect();
    ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(10)));
    const WireParameters w = wire_parameters(second);
    ASSERT_TRUE(w.init_delivered);
    EXPECT_EQ(tie_breaker_of(*w.init_delivered), forced);
    EXPECT_EQ(p.server->endpoint().endpoint_stats().inits_aborted_dtls, 1u);
    EXPECT_TRUE(second.log.sent(p.server_ip, ct::kInitAck).empty());
    const auto aborts = second.log.sent(p.server_ip, ct::kAbort);
    ASSERT_EQ(aborts.size(), 1u);
    EXPECT_EQ(cause_code_of(*aborts[0]), cc::kDtlsKeyManagementTieBreakerCollision);
    EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
    EXPECT_TRUE(p.server->ups.empty());
  }
}

// An on-path rewrite of the responder's parameter that flips the roles the initiator computes
// (both offer both roles): the responder negotiated with its own parameter (kept in the cookie),
// the initiator with the rewritten one. Both end up with the same role, so with pre-shared keys
// neither can open what the other seals, and their down-grade data differ — the difference a
// handshake method's down-grade protection is built to detect. Nothing protected is delivered.
TEST(NegotiationTieBreaker, RewrittenTieBreakerGivesBothSidesTheSameRoleAndNothingOpens) {
  NegotiationPair n(303, side(B), side(B));
  Pair& p = n.pair;
  auto init_tie = std::make_shared<std::optional<std::uint32_t>>();
  p.net.set_filter(p.client_ip, p.server_ip, [init_tie](Packet& pk) {
    if (auto d = dtls_parameter(pk.bytes, ct::kInit)) *init_tie = tie_breaker_of(*d);
    return Verdict::kPass;
  });
  p.net.set_filter(p.server_ip, p.client_ip, [init_tie](Packet& pk) {
    auto d = dtls_parameter(pk.bytes, ct::kInitAck);
    if (!d || !*init_tie) return Verdict::kPass;
    // The opposite of the comparison the responder made: the initiator takes the same role.
    const std::uint32_t real = tie_breaker_of(*d);
    const bool responder_is_server = real > **init_tie;
    set_tie_breaker(pk, ct::kInitAck, responder_is_server ? **init_tie - 1 : **init_tie + 1);
    return Verdict::kPass;
  });
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(10)));
  const auto ca = p.client->endpoint().dtls_agreement(id);
  const auto sa = p.server->endpoint().dtls_agreement(p.server_assoc());
  ASSERT_TRUE(ca && sa);
  EXPECT_EQ(ca->role, sa->role);
  EXPECT_NE(ca->downgrade_data, sa->downgrade_data);
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(100, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  p.net.run_for(sec(2));
  EXPECT_TRUE(p.server->received.empty());
  const auto st = p.server->endpoint().stats(p.server_assoc());
  if (st) {
    EXPECT_GT(st->protection.aead_failures, 0u);
    EXPECT_EQ(st->protection.recv_protected, 0u);
  }
}

}  // namespace
}  // namespace sctps::sim
