// Key-management method 0 (src/km/psk_key_manager.h): what it installs (epoch 3, send and receive
// by role, restart keys only when restart was agreed), that a client manager and a server manager
// on two protectors seal and open each other's packets, what the factory refuses, and how it ends
// when a key reaches its AEAD limit (it cannot rekey).
#include "km/psk_key_manager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wire/crc32c.h"
#include "wire/dtls_km_parameter.h"

namespace sctps::km {
namespace {

using core::DtlsRole;
using core::KeyManagementAgreement;
using core::KeyManagerState;
using protect::ChunkProtector;
using protect::KeyId;

constexpr TimePoint kNow = kTimeZero;

// `n` bytes of hex from `seed` (distinct per seed).
std::string hex(std::size_t n, unsigned seed) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned b = (seed * 31 + static_cast<unsigned>(i) * 7 + 3) & 0xFF;
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string section(std::string_view peer, std::uint16_t suite_id, unsigned seed, bool restart) {
  const protect::CipherSuite* s = protect::find_cipher_suite(suite_id);
  std::string t = "[peer " + std::string(peer) + "]\nsuite = " + std::string(s->name) + "\n";
  unsigned k = seed;
  for (std::string_view prefix : {"", "restart_"}) {
    if (!prefix.empty() && !restart) break;
    for (std::string_view dir : {"client", "server"}) {
      const std::string p = std::string(prefix) + std::string(dir);
      t += p + "_key = " + hex(s->key_length, k++) + "\n";
      t += p + "_iv = " + hex(s->iv_length, k++) + "\n";
      t += p + "_sn_key = " + hex(s->sn_key_length, k++) + "\n";
    }
  }
  return t;
}

PskKeyFile parse(const std::string& text) {
  std::string error;
  auto f = PskKeyFile::parse(text, "test", error);
  EXPECT_TRUE(f.has_value()) << error;
  return std::move(*f);
}

IpAddress addr(const char* text) {
  return *IpAddress::parse(text);
}

KeyManagementAgreement agreement(DtlsRole role, bool restart = false,
                                 std::vector<IpAddress> peers = {addr("10.0.0.2")}) {
  KeyManagementAgreement a;
  a.association = 1;
  a.method = wire::dtls_km_method::kPreSharedKeys;
  a.role = role;
  a.restart = restart;
  a.peer_addresses = std::move(peers);
  a.peer_port = 6000;
  a.local_port = 5000;
  return a;
}

// A packet of a common header and one DATA-like chunk of `n` bytes (n multiple of 4), in a buffer
// with room for the protection overhead.
struct Packet {
  std::vector<std::uint8_t> bytes;
  std::size_t length = 0;
};
Packet plain_packet(std::size_t n, std::uint8_t salt) {
  Packet p;
  p.bytes = {0x13, 0x88, 0x17, 0x70, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0};
  p.bytes.push_back(0x00);
  p.bytes.push_back(0x03);
  p.bytes.push_back(static_cast<std::uint8_t>(n >> 8));
  p.bytes.push_back(static_cast<std::uint8_t>(n));
  for (std::size_t i = 4; i < n; ++i) p.bytes.push_back(static_cast<std::uint8_t>(i * 13 + salt));
  p.length = p.bytes.size();
  p.bytes.resize(p.length + ChunkProtector::kOverhead, 0);
  return p;
}

// Seals a fresh packet with `from` and opens it with `to`; true when the plaintext came back.
bool carries(ChunkProtector& from, ChunkProtector& to, std::uint8_t salt) {
  Packet p = plain_packet(64, salt);
  const std::vector<std::uint8_t> plain(p.bytes.begin() + 12,
                                        p.bytes.begin() + static_cast<std::ptrdiff_t>(p.length));
  const protect::SealResult s = from.seal(p.bytes, p.length, p.bytes.size());
  if (!s.ok()) return false;
  p.bytes.resize(s.length);
  if (p.bytes.size() > 12 && p.bytes[12] != wire::chunk_type::kDtls) return false;
  if (!wire::verify_sctp_checksum(p.bytes)) return false;
  const protect::OpenResult o = to.open(p.bytes);
  if (!o.ok()) return false;
  const std::vector<std::uint8_t> got(o.chunks.bytes.begin(), o.chunks.bytes.end());
  return got == plain;
}

// A protector holding only the receive (or only the send) direction of `m` at epoch 3: a witness
// of which key another protector uses.
ChunkProtector receiver_of(const protect::KeyMaterial& m, bool restart = false) {
  ChunkProtector p;
  EXPECT_EQ(p.establish_receive_key(restart, 3, m), protect::KeyStatus::kOk);
  return p;
}
ChunkProtector sender_of(const protect::KeyMaterial& m, bool restart = false) {
  ChunkProtector p;
  EXPECT_EQ(p.establish_send_key(restart, 3, m), protect::KeyStatus::kOk);
  if (restart) {
    EXPECT_EQ(p.set_send_key(true, 3), protect::KeyStatus::kOk);
  }
  return p;
}

TEST(PskKeyManager, ClientAndServerManagersProtectEachOthersPackets) {
  for (const std::uint16_t suite : {0x1301, 0x1302, 0x1303}) {
    SCOPED_TRACE(suite);
    PskKeyFile file = parse(section("*", suite, 5, false));
    const PskPeerKeys& keys = file.peers()[0];
    PskKeyManager client(agreement(DtlsRole::kClient), keys);
    PskKeyManager server(agreement(DtlsRole::kServer), keys);
    EXPECT_EQ(client.state(), KeyManagerState::kPending);
    ChunkProtector cp;
    ChunkProtector sp;
    EXPECT_FALSE(cp.has_send_key());
    client.start(cp, kNow);
    server.start(sp, kNow);
    EXPECT_EQ(client.state(), KeyManagerState::kProtected);
    EXPECT_EQ(server.state(), KeyManagerState::kProtected);
    EXPECT_EQ(client.epoch(), 3u);
    EXPECT_EQ(server.epoch(), 3u);
    EXPECT_TRUE(client.failure().empty());
    // Epoch 3 selected for sending, protection required at once (draft §7.8, §7.9).
    ASSERT_TRUE(cp.send_key().has_value());
    EXPECT_EQ(*cp.send_key(), (KeyId{false, 3}));
    EXPECT_EQ(*sp.send_key(), (KeyId{false, 3}));
    EXPECT_TRUE(cp.protection_required());
    EXPECT_TRUE(sp.protection_required());
    EXPECT_FALSE(cp.accepts_unprotected(wire::chunk_type::kData));
    EXPECT_TRUE(cp.accepts_unprotected(wire::chunk_type::kInit));

    for (std::uint8_t i = 0; i < 5; ++i) {
      EXPECT_TRUE(carries(cp, sp, i));
      EXPECT_TRUE(carries(sp, cp, static_cast<std::uint8_t>(i + 100)));
    }
    EXPECT_EQ(cp.encryptions(false, 3), 5u);
    EXPECT_EQ(sp.decryptions(false, 3), 5u);
    EXPECT_EQ(cp.failed_decryptions(false, 3), 0u);

    // Directions by role: the client sends with client_* keys, the server with server_* keys.
    ChunkProtector c2s_reader = receiver_of(keys.primary.client_to_server);
    ChunkProtector s2c_reader = receiver_of(keys.primary.server_to_client);
    EXPECT_TRUE(carries(cp, c2s_reader, 1));
    EXPECT_TRUE(carries(sp, s2c_reader, 2));
    // ... and never with the other direction's keys.
    ChunkProtector c2s_reader2 = receiver_of(keys.primary.client_to_server);
    EXPECT_FALSE(carries(sp, c2s_reader2, 3));
    EXPECT_EQ(c2s_reader2.stats().aead_failures, 1u);
    // The client receives with server_* keys (a fresh client: the witness starts at sequence
    // 0, which `cp` has already seen).
    PskKeyManager client2(agreement(DtlsRole::kClient), keys);
    ChunkProtector cp2;
    client2.start(cp2, kNow);
    ChunkProtector s2c_writer = sender_of(keys.primary.server_to_client);
    EXPECT_TRUE(carries(s2c_writer, cp2, 4));
    ChunkProtector c2s_writer = sender_of(keys.primary.client_to_server);
    EXPECT_FALSE(carries(c2s_writer, cp2, 5));
  }
}

TEST(PskKeyManager, TwoClientsCannotTalk) {
  // Both managers of the client role send with the same (client_*) keys and expect server_* ones:
  // what one seals the other cannot open. Roles matter, not only the file.
  PskKeyFile file = parse(section("*", 0x1301, 9, false));
  PskKeyManager a(agreement(DtlsRole::kClient), file.peers()[0]);
  PskKeyManager b(agreement(DtlsRole::kClient), file.peers()[0]);
  ChunkProtector ap;
  ChunkProtector bp;
  a.start(ap, kNow);
  b.start(bp, kNow);
  EXPECT_FALSE(carries(ap, bp, 1));
  EXPECT_EQ(bp.stats().aead_failures, 1u);
}

TEST(PskKeyManager, RestartKeysOnlyWhenRestartWasAgreed) {
  PskKeyFile with = parse(section("*", 0x1302, 20, true));
  PskKeyFile without = parse(section("*", 0x1302, 20, false));
  {
    PskKeyManager m(agreement(DtlsRole::kServer, true), with.peers()[0]);
    ChunkProtector p;
    m.start(p, kNow);
    ASSERT_EQ(m.state(), KeyManagerState::kProtected);
    // Both restart directions present, primary still selected for sending.
    EXPECT_TRUE(p.encryptions(true, 3).has_value());
    EXPECT_TRUE(p.decryptions(true, 3).has_value());
    EXPECT_EQ(*p.send_key(), (KeyId{false, 3}));
    // The restart receive key is restart_client_* for a server.
    ChunkProtector restart_client = sender_of(with.peers()[0].restart->client_to_server, true);
    EXPECT_TRUE(carries(restart_client, p, 7));
  }
  {
    PskKeyManager m(agreement(DtlsRole::kServer, false), with.peers()[0]);
    ChunkProtector p;
    m.start(p, kNow);
    ASSERT_EQ(m.state(), KeyManagerState::kProtected);
    EXPECT_FALSE(p.encryptions(true, 3).has_value());
    EXPECT_FALSE(p.decryptions(true, 3).has_value());
    ChunkProtector restart_client = sender_of(with.peers()[0].restart->client_to_server, true);
    EXPECT_FALSE(carries(restart_client, p, 7));
    EXPECT_EQ(p.stats().dropped_for(protect::DropReason::kUnknownKeyContext), 1u);
  }
  {
    // Restart agreed but no restart keys configured: primary keys only, still protected.
    PskKeyManager m(agreement(DtlsRole::kClient, true), without.peers()[0]);
    ChunkProtector p;
    m.start(p, kNow);
    EXPECT_EQ(m.state(), KeyManagerState::kProtected);
    EXPECT_FALSE(p.encryptions(true, 3).has_value());
    EXPECT_TRUE(p.encryptions(false, 3).has_value());
  }
}

TEST(PskKeyManager, MessagesAreDroppedAndCountedAndThereIsNoRekey) {
  PskKeyFile file = parse(section("*", 0x1301, 1, false));
  PskKeyManager m(agreement(DtlsRole::kClient), file.peers()[0]);
  ChunkProtector p;
  m.start(p, kNow);
  const std::vector<std::uint8_t> message{1, 2, 3, 4};
  m.on_message(message, true, p, kNow);
  m.on_message(message, false, p, kNow);
  EXPECT_EQ(m.dropped_messages(), 2u);
  EXPECT_FALSE(m.poll_message().has_value());
  EXPECT_EQ(m.state(), KeyManagerState::kProtected);
  EXPECT_FALSE(m.rekey(p, kNow));
  EXPECT_EQ(m.state(), KeyManagerState::kProtected);
  EXPECT_EQ(*p.send_key(), (KeyId{false, 3}));  // nothing changed
  EXPECT_EQ(m.next_deadline(), kTimeInfinite);
}

TEST(PskKeyManager, StartTwiceInstallsOnce) {
  PskKeyFile file = parse(section("*", 0x1301, 1, false));
  PskKeyManager m(agreement(DtlsRole::kClient), file.peers()[0]);
  ChunkProtector p;
  m.start(p, kNow);
  m.start(p, kNow);  // would hit kAlreadyInstalled if it installed again
  EXPECT_EQ(m.state(), KeyManagerState::kProtected);
}

TEST(PskKeyManager, KeysAlreadyInstalledFailsWithAReason) {
  PskKeyFile file = parse(section("*", 0x1301, 1, false));
  ChunkProtector p;
  ASSERT_EQ(p.establish_send_key(false, 3, file.peers()[0].primary.client_to_server),
            protect::KeyStatus::kOk);
  PskKeyManager m(agreement(DtlsRole::kClient), file.peers()[0]);
  m.start(p, kNow);
  EXPECT_EQ(m.state(), KeyManagerState::kFailed);
  EXPECT_NE(m.failure().find("installing the pre-shared keys"), std::string::npos) << m.failure();
  EXPECT_FALSE(p.protection_required());
}

TEST(PskKeyManager, SendLimitWarnsThenFails) {
  PskKeyFile file = parse(section("*", 0x1301, 1, false));
  PskKeyManager m(agreement(DtlsRole::kClient), file.peers()[0]);
  protect::ProtectorOptions options;
  options.confidentiality_limit_override = 8;  // warning at 75 %: the 6th record
  ChunkProtector p(options);
  m.start(p, kNow);
  ASSERT_EQ(m.state(), KeyManagerState::kProtected);
  std::size_t sealed = 0;
  std::size_t warned_at = 0;
  for (int i = 0; i < 20 && m.state() != KeyManagerState::kFailed; ++i) {
    Packet pk = plain_packet(32, static_cast<std::uint8_t>(i));
    const protect::SealResult s = p.seal(pk.bytes, pk.length, pk.bytes.size());
    if (s.ok()) ++sealed;
    while (auto e = p.poll_limit_event()) {
      EXPECT_EQ(e->direction, protect::KeyLimitEvent::Direction::kSend);
      EXPECT_EQ(e->key, (KeyId{false, 3}));
      m.on_limit(*e, p, kNow);
      if (e->level == protect::LimitLevel::kApproaching) warned_at = sealed;
    }
    if (warned_at != 0 && m.state() != KeyManagerState::kFailed) {
      EXPECT_EQ(m.limit_warnings(), 1u);
    }
  }
  EXPECT_EQ(warned_at, 6u);
  EXPECT_EQ(sealed, 8u);  // never past the limit
  EXPECT_EQ(m.state(), KeyManagerState::kFailed);
  EXPECT_EQ(m.failure(),
            "pre-shared send key reached its AEAD limit (RFC 9147 §4.5.3); method 0 cannot rekey");
  // The protector refuses a ninth record.
  Packet pk = plain_packet(32, 99);
  EXPECT_EQ(p.seal(pk.bytes, pk.length, pk.bytes.size()).error, protect::SealError::kLimitReached);
}

TEST(PskKeyManager, ReceiveIntegrityLimitFails) {
  PskKeyFile file = parse(section("*", 0x1301, 1, false));
  PskKeyManager m(agreement(DtlsRole::kServer), file.peers()[0]);
  protect::ProtectorOptions options;
  options.integrity_limit_override = 4;
  ChunkProtector p(options);
  m.start(p, kNow);
  // Packets sealed with a key the server does not hold under that (R, epoch): forgeries.
  ChunkProtector forger = sender_of(file.peers()[0].primary.server_to_client);
  for (int i = 0; i < 10 && m.state() != KeyManagerState::kFailed; ++i) {
    EXPECT_FALSE(carries(forger, p, static_cast<std::uint8_t>(i)));
    while (auto e = p.poll_limit_event()) m.on_limit(*e, p, kNow);
  }
  EXPECT_EQ(m.state(), KeyManagerState::kFailed);
  EXPECT_EQ(m.failure(),
            "pre-shared receive key reached its AEAD limit (RFC 9147 §4.5.3); "
            "method 0 cannot rekey");
  EXPECT_EQ(p.stats().aead_failures, 4u);
}

TEST(PskKeyManagerFactory, ServesMethodZeroForKnownPeers) {
  PskKeyManagerFactory factory(parse(section("10.0.0.2", 0x1301, 1, false)));
  std::string error;
  auto m = factory.create(agreement(DtlsRole::kClient), error);
  ASSERT_NE(m, nullptr) << error;
  EXPECT_EQ(m->state(), KeyManagerState::kPending);
  EXPECT_EQ(m->epoch(), 3u);
}

TEST(PskKeyManagerFactory, RefusesOtherMethods) {
  PskKeyManagerFactory factory(parse(section("*", 0x1301, 1, false)));
  KeyManagementAgreement a = agreement(DtlsRole::kClient);
  a.method = wire::dtls_km_method::kTls13;
  std::string error;
  EXPECT_EQ(factory.create(a, error), nullptr);
  EXPECT_EQ(error, "method 192 is not served by the pre-shared key configuration");
}

TEST(PskKeyManagerFactory, RefusesPeersWithoutASection) {
  PskKeyManagerFactory factory(parse(section("10.0.0.9", 0x1301, 1, false)));
  std::string error;
  EXPECT_EQ(factory.create(agreement(DtlsRole::kClient, false, {addr("10.0.0.2")}), error),
            nullptr);
  EXPECT_EQ(error, "no pre-shared key for peer 10.0.0.2");
  EXPECT_EQ(factory.create(agreement(DtlsRole::kClient, false, {}), error), nullptr);
  EXPECT_EQ(error, "no pre-shared key for peer (no address)");
}

TEST(PskKeyManagerFactory, AnyAddressOfAMultihomedPeerFindsItsSectionBeforeTheWildcard) {
  // The wildcard has other keys than the peer's own section: the manager must take the latter
  // even though the peer's first address only matches the wildcard.
  PskKeyManagerFactory factory(
      parse(section("*", 0x1301, 1, false) + section("10.0.1.2", 0x1303, 40, false)));
  std::string error;
  auto m = factory.create(agreement(DtlsRole::kServer, false, {addr("10.0.0.2"), addr("10.0.1.2")}),
                          error);
  ASSERT_NE(m, nullptr) << error;
  ChunkProtector p;
  m->start(p, kNow);
  const PskPeerKeys* own = factory.keys().find(addr("10.0.1.2"));
  ASSERT_NE(own, nullptr);
  ASSERT_EQ(own->suite->id, 0x1303);
  ChunkProtector reader = receiver_of(own->primary.server_to_client);
  EXPECT_TRUE(carries(p, reader, 1));

  // A peer known only through the wildcard gets the wildcard's keys.
  auto w = factory.create(agreement(DtlsRole::kServer, false, {addr("10.0.0.7")}), error);
  ASSERT_NE(w, nullptr) << error;
  ChunkProtector wp;
  w->start(wp, kNow);
  ChunkProtector wreader =
      receiver_of(factory.keys().find(addr("10.0.0.7"))->primary.server_to_client);
  EXPECT_TRUE(carries(wp, wreader, 2));
}

}  // namespace
}  // namespace sctps::km
