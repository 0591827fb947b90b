// An attacker on the simulated path of a protected association (method 0), after protection is
// enforced (draft §5.2, §7.9): it knows the ports and verification tags (they are in clear), has
// recorded the handshake and every protected packet, and injects, replays, alters and bundles
// packets. Whatever it does, all it achieves is rising drop counters: the association stays up, a
// transfer running meanwhile arrives complete, intact and protected, and nothing the attacker
// wrote reaches the application.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protection_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

constexpr std::uint16_t kClientPort = 5000;
constexpr std::uint16_t kServerPort = 6000;
constexpr std::uint32_t kAttackerPpid = 0xA77AC4;
// The transfer's message i carries PPID kPpidBase + i, never 4242 (key management on stream 0).
constexpr std::uint32_t kPpidBase = 0x10000;

// --- Building packets by hand (what the attacker writes) ---

std::vector<std::uint8_t> chunk(std::uint8_t type, std::uint8_t flags,
                                const std::vector<std::uint8_t>& value) {
  std::vector<std::uint8_t> c(4 + value.size());
  c[0] = type;
  c[1] = flags;
  wire::store_be16(c.data() + 2, static_cast<std::uint16_t>(c.size()));
  std::copy(value.begin(), value.end(), c.begin() + 4);
  while (c.size() % 4 != 0) c.push_back(0);
  return c;
}

std::vector<std::uint8_t> packet(std::uint16_t src, std::uint16_t dst, std::uint32_t tag,
                                 const std::vector<std::vector<std::uint8_t>>& chunks) {
  std::vector<std::uint8_t> p(12, 0);
  wire::store_be16(p.data(), src);
  wire::store_be16(p.data() + 2, dst);
  wire::store_be32(p.data() + 4, tag);
  for (const auto& c : chunks) p.insert(p.end(), c.begin(), c.end());
  wire::write_sctp_checksum(wire::MutableBytes(p));
  return p;
}

std::vector<std::uint8_t> data_chunk(std::uint32_t tsn, std::uint16_t ssn) {
  std::vector<std::uint8_t> v(12);
  wire::store_be32(v.data(), tsn);
  wire::store_be16(v.data() + 4, 0);  // stream 0
  wire::store_be16(v.data() + 6, ssn);
  wire::store_be32(v.data() + 8, kAttackerPpid);
  for (int i = 0; i < 40; ++i) v.push_back(static_cast<std::uint8_t>(0xEE));
  return chunk(ct::kData, 0x03, v);  // B and E: a whole message
}

std::vector<std::uint8_t> u32_value(std::uint32_t x) {
  std::vector<std::uint8_t> v(4);
  wire::store_be32(v.data(), x);
  return v;
}

void set_crc(std::vector<std::uint8_t>& p) {
  wire::write_sctp_checksum(wire::MutableBytes(p));
}

// The DTLS chunk of a protected packet alone (header to post-padding), as the packet carries it.
std::vector<std::uint8_t> dtls_chunk_bytes(const std::vector<std::uint8_t>& p) {
  return std::vector<std::uint8_t>(p.begin() + 12, p.end());
}

bool is_protected_packet(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() > 12 && bytes[12] == ct::kDtls;
}

// --- The test bed: a protected association with a paced transfer, and the attacker's notes ---

std::vector<std::uint8_t> message(std::size_t i) {
  static const std::size_t sizes[] = {1, 100, 1000, 3000, 20, 1500};
  auto v = pattern(sizes[i % 6], static_cast<std::uint32_t>(i));
  return v;
}

struct AttackBed {
  explicit AttackBed(std::uint64_t seed, core::AssociationOptions base = fast_options())
      : bed(seed, {}, 0x1301, base), p(bed.pair), log(p.net) {}

  PskPair bed;
  Pair& p;
  WireLog log;
  core::AssocId id = 0;
  std::size_t sent = 0;
  std::size_t delivered = 0;
  std::size_t bad = 0;  // corrupt, duplicate, out of order, unprotected or the attacker's

  // Handshake, then waits until protection is enforced on both sides and each has opened a
  // protected packet from the other (the point after which the draft's rules bite in full).
  void start() {
    p.server->on_event = [this](const core::Event& e) {
      const auto* m = std::get_if<core::MessageReceived>(&e);
      if (m == nullptr) return;
      const std::size_t i = m->message.ppid.value() - kPpidBase;
      if (i != delivered || !m->message.is_protected || m->message.payload != message(i)) ++bad;
      ++delivered;
    };
    id = p.connect();
    ASSERT_TRUE(p.run_until([&] {
      return events_of<core::ProtectionEstablished>(*p.client).size() == 1 &&
             events_of<core::ProtectionEstablished>(*p.server).size() == 1;
    }));
    for (int i = 0; i < 50 && (server_stats().protection.recv_protected == 0 ||
                               client_stats().protection.recv_protected == 0);
         ++i) {
      step();
    }
    ASSERT_GT(server_stats().protection.recv_protected, 0u);
    ASSERT_GT(client_stats().protection.recv_protected, 0u);
    // The handshake as recorded by the attacker.
    client_tag = tag_of(ct::kInit);
    server_tag = tag_of(ct::kInitAck);
    client_initial_tsn = initial_tsn_of(ct::kInit);
  }

  // One message from client to server, then 2 ms of virtual time.
  void step() {
    ASSERT_EQ(p.client->endpoint().send(id, StreamId(0),
                                        Ppid(kPpidBase + static_cast<std::uint32_t>(sent)),
                                        message(sent), {}, p.net.now()),
              core::SendStatus::kOk);
    ++sent;
    p.net.run_for(ms(2));
  }

  // Lets the transfer finish and checks that it is complete and the association untouched.
  void finish_and_check() {
    ASSERT_TRUE(p.run_until([&] { return delivered == sent; }, sec(30)));
    p.net.run_for(sec(1));
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(delivered, sent);
    EXPECT_TRUE(p.client->downs.empty());
    EXPECT_TRUE(p.server->downs.empty());
    EXPECT_TRUE(p.client->restarts.empty());
    EXPECT_TRUE(p.server->restarts.empty());
    EXPECT_EQ(p.client->endpoint().state(id), core::AssociationState::kEstablished);
    EXPECT_EQ(p.server->endpoint().state(p.server_assoc()), core::AssociationState::kEstablished);
    EXPECT_EQ(p.server->endpoint().association_count(), 1u);
    for (const auto& m : p.client->received) EXPECT_NE(m.message.ppid.value(), kAttackerPpid);
  }

  core::AssociationStats server_stats() const {
    return *bed.pair.server->endpoint().stats(bed.pair.server_assoc());
  }
  core::AssociationStats client_stats() const { return *bed.pair.client->endpoint().stats(id); }
  const core::EndpointStats& server_endpoint() const {
    return bed.pair.server->endpoint().endpoint_stats();
  }
  const core::EndpointStats& client_endpoint() const {
    return bed.pair.client->endpoint().endpoint_stats();
  }

  // Every drop the server counts, wherever it is counted.
  std::uint64_t server_drops() const {
    const auto& e = server_endpoint();
    return server_stats().protection.dropped_total() + e.dropped_malformed +
           e.dropped_bundled_dtls + e.dropped_bad_checksum;
  }

  const WireRecord* first_sent(const IpAddress& from, std::uint8_t type) const {
    const auto r = log.sent(from, type);
    return r.empty() ? nullptr : r.front();
  }
  std::uint32_t tag_of(std::uint8_t init_type) const {
    const WireRecord* r = first_sent(init_type == ct::kInit ? p.client_ip : p.server_ip, init_type);
    EXPECT_NE(r, nullptr);
    return r ? wire::load_be32(r->first_of(init_type)->value.data()) : 0;
  }
  std::uint32_t initial_tsn_of(std::uint8_t init_type) const {
    const WireRecord* r = first_sent(init_type == ct::kInit ? p.client_ip : p.server_ip, init_type);
    return r ? wire::load_be32(r->first_of(init_type)->value.data() + 12) : 0;
  }

  void to_server(const std::vector<std::uint8_t>& bytes) {
    p.net.inject(bytes, p.client_ip, p.server_ip, p.net.now());
  }
  void to_client(const std::vector<std::uint8_t>& bytes) {
    p.net.inject(bytes, p.server_ip, p.client_ip, p.net.now());
  }

  std::uint32_t client_tag = 0;  // carried by packets to the client
  std::uint32_t server_tag = 0;  // carried by packets to the server
  std::uint32_t client_initial_tsn = 0;
};

// Unprotected DATA, ABORT (with and without the T bit), SHUTDOWN, SACK, the handshake's COOKIE
// ECHO replayed, the handshake's INIT ACK replayed, and a restart attempt (a fresh INIT, then the
// COOKIE ECHO for the INIT ACK it draws): all dropped or without effect, every drop counted.
TEST(ProtectionAttack, UnprotectedPacketsAfterEnforcementAchieveNothing) {
  AttackBed a(1);
  ASSERT_NO_FATAL_FAILURE(a.start());
  Pair& p = a.p;
  const WireRecord* cookie_echo = a.first_sent(p.client_ip, ct::kCookieEcho);
  const WireRecord* init_ack = a.first_sent(p.server_ip, ct::kInitAck);
  const WireRecord* init = a.first_sent(p.client_ip, ct::kInit);
  ASSERT_TRUE(cookie_echo && init_ack && init);
  const std::vector<std::uint8_t> cookie_echo_bytes = cookie_echo->bytes;
  const std::vector<std::uint8_t> init_ack_bytes = init_ack->bytes;
  const std::vector<std::uint8_t> init_bytes = init->bytes;

  std::uint64_t to_server_dropped = 0;
  std::uint64_t to_client_dropped = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) a.step();
    // To the server, with the tag it expects.
    for (const std::uint32_t off : {0u, 1u, 7u, 50u, 5000u}) {
      a.to_server(
          packet(kClientPort, kServerPort, a.server_tag,
                 {data_chunk(a.client_initial_tsn + static_cast<std::uint32_t>(a.sent) + off,
                             static_cast<std::uint16_t>(a.sent + off))}));
      ++to_server_dropped;
    }
    a.to_server(packet(kClientPort, kServerPort, a.server_tag, {chunk(ct::kAbort, 0, {})}));
    a.to_server(packet(kClientPort, kServerPort, a.client_tag, {chunk(ct::kAbort, 0x01, {})}));
    a.to_server(packet(kClientPort, kServerPort, a.server_tag,
                       {chunk(ct::kShutdown, 0, u32_value(a.client_initial_tsn))}));
    a.to_server(cookie_echo_bytes);  // the real one, from the handshake
    to_server_dropped += 4;
    // To the client.
    a.to_client(packet(kServerPort, kClientPort, a.client_tag, {chunk(ct::kAbort, 0, {})}));
    a.to_client(packet(kServerPort, kClientPort, a.server_tag, {chunk(ct::kAbort, 0x01, {})}));
    a.to_client(
        packet(kServerPort, kClientPort, a.client_tag, {chunk(ct::kShutdown, 0, u32_value(0))}));
    std::vector<std::uint8_t> sack(12, 0);  // acknowledges far more than was sent
    wire::store_be32(sack.data(), a.client_initial_tsn + 100000);
    wire::store_be32(sack.data() + 4, 1 << 20);
    a.to_client(packet(kServerPort, kClientPort, a.client_tag, {chunk(ct::kSack, 0, sack)}));
    to_client_dropped += 4;
    // INIT ACK is never protected (draft §5.4), so it is processed — and ignored in ESTABLISHED.
    a.to_client(init_ack_bytes);
    for (int i = 0; i < 3; ++i) a.step();
    EXPECT_EQ(a.server_endpoint().dropped_unprotected, to_server_dropped);
    EXPECT_EQ(a.server_stats().protection.dropped_unprotected, to_server_dropped);
    EXPECT_EQ(a.server_stats().protection.dropped_for(protect::DropReason::kUnprotected),
              to_server_dropped);
    EXPECT_EQ(a.client_endpoint().dropped_unprotected, to_client_dropped);
    EXPECT_EQ(a.client_stats().protection.dropped_unprotected, to_client_dropped);
  }

  // A restart attempt: an INIT (the real one with a new tag) draws an INIT ACK with a fresh
  // cookie (§5.2.2); the COOKIE ECHO for it travels in clear and is dropped (draft §5.4: no
  // restart by plain COOKIE ECHO once protected).
  std::vector<std::uint8_t> fake_init = init_bytes;
  wire::store_be32(fake_init.data() + 12 + 4, 0x0BADC0DE);  // initiate tag
  set_crc(fake_init);
  const std::size_t acks_before = a.log.sent(p.server_ip, ct::kInitAck).size();
  a.to_server(fake_init);
  for (int i = 0; i < 5; ++i) a.step();
  const auto acks = a.log.sent(p.server_ip, ct::kInitAck);
  ASSERT_EQ(acks.size(), acks_before + 1);  // INIT is answered, in clear
  const wire::ChunkView answer = *acks.back()->first_of(ct::kInitAck);
  const std::uint32_t new_tag = wire::load_be32(answer.value.data());
  EXPECT_NE(new_tag, a.server_tag);
  // The State Cookie parameter of the INIT ACK, echoed as a COOKIE ECHO with the cookie's tag.
  auto block = wire::TlvBlock::parse(answer.value.subspan(16));
  ASSERT_TRUE(block);
  std::vector<std::uint8_t> cookie;
  for (const wire::TlvView& t : *block) {
    if (t.type == 7) cookie.assign(t.value.begin(), t.value.end());  // State Cookie (§3.3.3)
  }
  ASSERT_FALSE(cookie.empty());
  a.to_server(packet(kClientPort, kServerPort, new_tag, {chunk(ct::kCookieEcho, 0, cookie)}));
  ++to_server_dropped;
  for (int i = 0; i < 5; ++i) a.step();
  EXPECT_EQ(a.server_endpoint().dropped_unprotected, to_server_dropped);
  EXPECT_EQ(a.log.sent(p.server_ip, ct::kCookieAck).size(), 1u);  // the handshake's only
  a.finish_and_check();
  EXPECT_EQ(a.server_stats().protection.aead_failures, 0u);
}

// Replays of the peer's protected packets: one just received (inside the replay window) and old
// ones (below it). Both directions. The window is the minimum, 64 records, so that a short
// transfer takes the first packets below it.
TEST(ProtectionAttack, ReplayedProtectedPacketsAreDropped) {
  core::AssociationOptions o = fast_options();
  o.protection.replay_window = protect::ReplayWindow::kMinSize;
  AttackBed a(2, o);
  ASSERT_NO_FATAL_FAILURE(a.start());
  Pair& p = a.p;
  const auto old_to_server = a.log.select(TraceKind::kDelivered, {}, ct::kDtls, p.server_ip);
  const auto old_to_client = a.log.select(TraceKind::kDelivered, {}, ct::kDtls, p.client_ip);
  ASSERT_FALSE(old_to_server.empty());
  ASSERT_FALSE(old_to_client.empty());
  const std::vector<std::uint8_t> first_to_server = old_to_server.front()->bytes;
  const std::vector<std::uint8_t> first_to_client = old_to_client.front()->bytes;
  // Enough protected packets both ways to push the first ones below the window.
  while (a.server_stats().protection.recv_protected < 200 ||
         a.client_stats().protection.recv_protected < 200) {
    a.step();
  }

  std::uint64_t recent = 0;
  std::uint64_t old = 0;
  for (int round = 0; round < 5; ++round) {
    const auto to_server = a.log.select(TraceKind::kDelivered, {}, ct::kDtls, p.server_ip);
    const auto to_client = a.log.select(TraceKind::kDelivered, {}, ct::kDtls, p.client_ip);
    a.to_server(to_server.back()->bytes);  // inside the window: a duplicate
    a.to_client(to_client.back()->bytes);
    a.to_server(to_server[to_server.size() - 3]->bytes);
    a.to_server(first_to_server);  // below the window
    a.to_client(first_to_client);
    recent += 2;
    ++old;
    a.p.net.run_for(ms(1));
    EXPECT_EQ(a.server_stats().protection.dropped_for(protect::DropReason::kReplayDuplicate),
              recent);
    EXPECT_EQ(a.server_stats().protection.dropped_for(protect::DropReason::kReplayTooOld), old);
    EXPECT_EQ(a.client_stats().protection.dropped_for(protect::DropReason::kReplayDuplicate),
              static_cast<std::uint64_t>(round + 1));
    EXPECT_EQ(a.client_stats().protection.dropped_for(protect::DropReason::kReplayTooOld),
              static_cast<std::uint64_t>(round + 1));
    for (int i = 0; i < 10; ++i) a.step();
  }
  a.finish_and_check();
  EXPECT_EQ(a.server_stats().protection.aead_failures, 0u);
  EXPECT_EQ(a.client_stats().protection.aead_failures, 0u);
}

// What a flip is expected to cause.
enum class Effect : std::uint8_t {
  kAead,               // AEAD open fails
  kAeadOrReplay,       // the sequence number changes: AEAD fails, or it names a record seen
  kUnknownKey,         // R bit or epoch bits name a key that does not exist
  kMalformed,          // the unified header no longer has the draft's configuration
  kUnprotected,        // no longer a DTLS chunk: an unprotected packet after enforcement
  kEndpointMalformed,  // chunk framing broken: the endpoint drops it before any association
  kAny,                // some drop, counted once
  kIgnoredField,       // not covered by the record (reserved bits, pre-padding): it opens, and the
                       // original then arrives as a duplicate
};

struct Flip {
  const char* what;
  // Offset of the byte from the DTLS chunk's start; negative: from the end of the record (the
  // last tag byte is -1).
  int offset;
  std::uint8_t bit;
  Effect effect;
};

// Single-bit flips in protected packets, the CRC fixed so that they reach the protector. The
// altered copy is injected ahead of the original, which must still be accepted afterwards.
TEST(ProtectionAttack, SingleBitFlipsAreDetected) {
  AttackBed a(3);
  ASSERT_NO_FATAL_FAILURE(a.start());
  Pair& p = a.p;
  const Flip flips[] = {
      {"chunk type", 0, 0x01, Effect::kUnprotected},
      {"chunk type high bit", 0, 0x80, Effect::kUnprotected},
      {"R flag", 1, 0x01, Effect::kUnknownKey},
      {"reserved flag", 1, 0x80, Effect::kIgnoredField},
      {"chunk length grows", 2, 0x40, Effect::kEndpointMalformed},
      {"chunk length low bit", 3, 0x01, Effect::kAny},
      {"pre-padding", 4, 0x01, Effect::kIgnoredField},
      {"unified header C bit", 5, 0x10, Effect::kMalformed},
      {"unified header L bit", 5, 0x04, Effect::kMalformed},
      {"epoch bits", 5, 0x01, Effect::kUnknownKey},
      {"sequence high byte", 6, 0x80, Effect::kAeadOrReplay},
      {"sequence low bit", 7, 0x01, Effect::kAeadOrReplay},
      {"ciphertext first byte", 8, 0x01, Effect::kAeadOrReplay},
      {"ciphertext byte 20", 28, 0x20, Effect::kAead},
      {"ciphertext byte 40", 48, 0x04, Effect::kAead},
      {"tag first byte", -16, 0x01, Effect::kAead},
      {"tag last byte", -1, 0x80, Effect::kAead},
  };
  std::optional<Flip> armed;
  bool fired = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (!armed || fired || !is_protected_packet(pk.bytes) || pk.bytes.size() < 12 + 8 + 16 + 60)
      return Verdict::kPass;
    std::vector<std::uint8_t> copy = pk.bytes;
    const std::size_t chunk_length = wire::load_be16(copy.data() + 12 + 2);
    const std::size_t at = armed->offset >= 0
                               ? 12 + static_cast<std::size_t>(armed->offset)
                               : 12 + chunk_length - static_cast<std::size_t>(-armed->offset);
    copy[at] ^= armed->bit;
    set_crc(copy);
    p.net.inject(copy, pk.from, pk.to, p.net.now());  // arrives before the original
    fired = true;
    return Verdict::kPass;
  });

  for (const Flip& f : flips) {
    SCOPED_TRACE(f.what);
    const auto before = a.server_stats().protection;
    const std::uint64_t drops_before = a.server_drops();
    const std::uint64_t unprotected_before = a.server_endpoint().dropped_unprotected;
    const std::uint64_t malformed_before = a.server_endpoint().dropped_malformed;
    armed = f;
    fired = false;
    for (int i = 0; i < 10 && !fired; ++i) a.step();
    ASSERT_TRUE(fired);
    for (int i = 0; i < 10; ++i) a.step();  // the copy and the original both arrived
    armed.reset();
    const auto after = a.server_stats().protection;
    auto delta = [&](protect::DropReason r) {
      return after.dropped_for(r) - before.dropped_for(r);
    };
    EXPECT_EQ(a.server_drops() - drops_before, 1u) << "exactly one packet dropped";
    switch (f.effect) {
      case Effect::kAead:
        EXPECT_EQ(after.aead_failures - before.aead_failures, 1u);
        EXPECT_EQ(delta(protect::DropReason::kAuthenticationFailed), 1u);
        break;
      case Effect::kAeadOrReplay:
        EXPECT_EQ(after.aead_failures - before.aead_failures +
                      delta(protect::DropReason::kReplayDuplicate) +
                      delta(protect::DropReason::kReplayTooOld),
                  1u);
        break;
      case Effect::kUnknownKey:
        EXPECT_EQ(delta(protect::DropReason::kUnknownKeyContext), 1u);
        break;
      case Effect::kMalformed: EXPECT_EQ(delta(protect::DropReason::kMalformed), 1u); break;
      case Effect::kUnprotected:
        EXPECT_EQ(a.server_endpoint().dropped_unprotected - unprotected_before, 1u);
        EXPECT_EQ(delta(protect::DropReason::kUnprotected), 1u);
        break;
      case Effect::kEndpointMalformed:
        EXPECT_EQ(a.server_endpoint().dropped_malformed - malformed_before, 1u);
        break;
      case Effect::kAny: break;
      case Effect::kIgnoredField:
        // The copy opened (same plaintext); the original was then a replay.
        EXPECT_EQ(delta(protect::DropReason::kReplayDuplicate), 1u);
        break;
    }
  }
  a.finish_and_check();
}

// A DTLS chunk bundled with another chunk — after it, before it, or twice — is discarded by the
// endpoint (draft §5.2) before any key is tried; the original packet then arrives and is opened.
TEST(ProtectionAttack, BundledDtlsChunksAreDropped) {
  AttackBed a(4);
  ASSERT_NO_FATAL_FAILURE(a.start());
  Pair& p = a.p;
  enum class Shape { kTrailingHeartbeat, kLeadingData, kTwice, kTrailingPad };
  std::optional<Shape> armed;
  bool fired = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (!armed || fired || !is_protected_packet(pk.bytes)) return Verdict::kPass;
    const std::vector<std::uint8_t> dtls = dtls_chunk_bytes(pk.bytes);
    std::vector<std::vector<std::uint8_t>> chunks;
    switch (*armed) {
      case Shape::kTrailingHeartbeat:
        chunks = {dtls, chunk(ct::kHeartbeat, 0, {0, 1, 0, 8, 1, 2, 3, 4})};
        break;
      case Shape::kLeadingData: chunks = {data_chunk(a.client_initial_tsn, 0), dtls}; break;
      case Shape::kTwice: chunks = {dtls, dtls}; break;
      case Shape::kTrailingPad: chunks = {dtls, chunk(ct::kPad, 0, {0, 0, 0, 0})}; break;
    }
    p.net.inject(packet(kClientPort, kServerPort, a.server_tag, chunks), pk.from, pk.to,
                 p.net.now());
    fired = true;
    return Verdict::kPass;
  });
  std::uint64_t injected = 0;
  for (const Shape s :
       {Shape::kTrailingHeartbeat, Shape::kLeadingData, Shape::kTwice, Shape::kTrailingPad}) {
    for (int round = 0; round < 2; ++round) {
      armed = s;
      fired = false;
      for (int i = 0; i < 10 && !fired; ++i) a.step();
      ASSERT_TRUE(fired);
      ++injected;
      for (int i = 0; i < 5; ++i) a.step();
      EXPECT_EQ(a.server_endpoint().dropped_bundled_dtls, injected);
    }
  }
  armed.reset();
  a.finish_and_check();
  // Nothing reached the protector: no failures, no replays (every original was new).
  const auto s = a.server_stats().protection;
  EXPECT_EQ(s.aead_failures, 0u);
  EXPECT_EQ(s.dropped_total(), 0u);
  EXPECT_EQ(a.server_endpoint().dropped_unprotected, 0u);
}

// Key-management messages (stream 0, PPID 4242, porfiri §4) are for the method, never the
// application: a peer application sending one reaches the pre-shared key manager, which has no
// messages and drops it; the association goes on.
TEST(ProtectionAttack, KeyManagementPpidOnStreamZeroIsReservedForKeyManagement) {
  AttackBed a(5);
  ASSERT_NO_FATAL_FAILURE(a.start());
  // The application cannot send what the peer would hand to key management.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(a.p.client->endpoint().send(a.id, StreamId(0), Ppid(core::kKeyManagementPpid),
                                          pattern(64, 77), {}, a.p.net.now()),
              core::SendStatus::kReservedPpid);
    for (int k = 0; k < 5; ++k) a.step();
  }
  // Stream 1 is the application's as usual, even with PPID 4242.
  ASSERT_EQ(a.p.client->endpoint().send(a.id, StreamId(1), Ppid(core::kKeyManagementPpid),
                                        pattern(64, 78), {}, a.p.net.now()),
            core::SendStatus::kOk);
  std::size_t on_stream_1 = 0;
  a.p.server->on_event = [&, inner = a.p.server->on_event](const core::Event& e) {
    const auto* m = std::get_if<core::MessageReceived>(&e);
    if (m != nullptr && m->message.stream.value() == 1) {
      ++on_stream_1;
      EXPECT_TRUE(m->message.is_protected);
      return;
    }
    inner(e);
  };
  a.finish_and_check();
  EXPECT_EQ(on_stream_1, 1u);
  EXPECT_EQ(a.server_stats().key_management_messages_received, 0u);
  EXPECT_EQ(a.server_stats().messages_received, a.sent + 1);
}

}  // namespace
}  // namespace sctps::sim
