// The key-management side of the protector (draft §7): installing and destroying keys, choosing
// the send key, counters, AEAD limits, replay configuration and the key log.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protect/chunk_protector.h"
#include "protect_test_util.h"

namespace sctps::protect {
namespace {

using namespace testing;

TEST(KeyManagement, EstablishRules) {
  ChunkProtector p;
  const KeyMaterial m = make_material(0x1301);
  EXPECT_EQ(p.establish_send_key(false, 2, m), KeyStatus::kInvalidEpoch);
  EXPECT_EQ(p.establish_receive_key(false, 0, m), KeyStatus::kInvalidEpoch);
  EXPECT_EQ(p.establish_send_key(false, 3, KeyMaterial{}), KeyStatus::kInvalidKeyMaterial);
  EXPECT_EQ(p.establish_send_key(false, 3, m), KeyStatus::kOk);
  EXPECT_EQ(p.establish_send_key(false, 3, m), KeyStatus::kAlreadyInstalled);
  EXPECT_EQ(p.establish_receive_key(false, 3, m), KeyStatus::kOk);
  EXPECT_EQ(p.establish_receive_key(false, 3, m), KeyStatus::kAlreadyInstalled);
  // Epoch 7 has the same low bits as 3: ambiguous on the wire while 3 is installed.
  EXPECT_EQ(p.establish_receive_key(false, 7, m), KeyStatus::kEpochBitsInUse);
  EXPECT_EQ(p.establish_receive_key(true, 7, m), KeyStatus::kOk);  // restart keys: separate
  EXPECT_EQ(p.establish_send_key(false, 7, m), KeyStatus::kOk);    // send side: no ambiguity
  EXPECT_EQ(p.destroy_receive_key(false, 3), KeyStatus::kOk);
  EXPECT_EQ(p.establish_receive_key(false, 7, m), KeyStatus::kOk);
  EXPECT_EQ(p.destroy_receive_key(false, 3), KeyStatus::kNotInstalled);
  EXPECT_EQ(p.destroy_send_key(false, 4), KeyStatus::kNotInstalled);
  EXPECT_EQ(p.set_send_key(false, 4), KeyStatus::kNotInstalled);
  const auto suites = ChunkProtector::cipher_suites();
  EXPECT_EQ(suites.size(), 3u);
}

TEST(KeyManagement, SendKeySelection) {
  ChunkProtector p;
  EXPECT_FALSE(p.has_send_key());
  // A restart key alone is used (a restarting endpoint, draft §5.4).
  ASSERT_EQ(p.establish_send_key(true, 5, make_material(0x1301, 1)), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{true, 5}));
  // A primary key takes over at once (draft §7.8).
  ASSERT_EQ(p.establish_send_key(false, 3, make_material(0x1301, 2)), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{false, 3}));
  // A restart key installed later does not.
  ASSERT_EQ(p.establish_send_key(true, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{false, 3}));
  // The next primary epoch does.
  ASSERT_EQ(p.establish_send_key(false, 4, make_material(0x1302, 4)), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{false, 4}));
  // Explicit choice.
  ASSERT_EQ(p.set_send_key(true, 3), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{true, 3}));
  PacketBuffer b = make_packet(make_chunks(8));
  const SealResult s = p.seal(b.bytes, b.length, b.bytes.size());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(b.bytes[13], 0x01);  // R
  EXPECT_EQ(b.bytes[17], 0x2b);  // epoch bits 3
  // Destroying the selected key falls back to the newest primary, then the newest restart key.
  ASSERT_EQ(p.destroy_send_key(true, 3), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{false, 4}));
  ASSERT_EQ(p.destroy_send_key(false, 4), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{false, 3}));
  ASSERT_EQ(p.destroy_send_key(false, 3), KeyStatus::kOk);
  EXPECT_EQ(p.send_key(), (KeyId{true, 5}));
  ASSERT_EQ(p.destroy_send_key(true, 5), KeyStatus::kOk);
  EXPECT_FALSE(p.has_send_key());
}

// The rekey of the porfiri draft §6.2: receive keys of N+1 first, then the peer switches, old keys
// drain, then are destroyed.
TEST(KeyManagement, RekeyWithOverlap) {
  ChunkProtector a, b;
  ASSERT_EQ(a.establish_send_key(false, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  ASSERT_EQ(b.establish_receive_key(false, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  auto old_packet = seal(a, make_chunks(8));
  ASSERT_EQ(b.establish_receive_key(false, 4, make_material(0x1303, 4)), KeyStatus::kOk);
  ASSERT_EQ(a.establish_send_key(false, 4, make_material(0x1303, 4)), KeyStatus::kOk);
  auto new_packet = seal(a, make_chunks(8));
  const OpenResult r4 = b.open(new_packet);
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4.key, (KeyId{false, 4}));
  EXPECT_EQ(r4.sequence, 0u);                // each epoch starts at 0 (draft §3.1)
  const OpenResult r3 = b.open(old_packet);  // late packet of the old epoch
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3.key, (KeyId{false, 3}));
  ASSERT_EQ(b.destroy_receive_key(false, 3), KeyStatus::kOk);
  ASSERT_EQ(a.destroy_send_key(false, 3), KeyStatus::kOk);
  auto another = seal(a, make_chunks(8));
  EXPECT_TRUE(b.open(another).ok());
  EXPECT_EQ(b.decryptions(false, 3), std::nullopt);
  EXPECT_EQ(b.decryptions(false, 4), 2u);
  EXPECT_EQ(a.encryptions(false, 4), 2u);
}

TEST(KeyManagement, RestartKeyContext) {
  ChunkProtector a, b;
  ASSERT_EQ(a.establish_send_key(false, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  ASSERT_EQ(a.establish_send_key(true, 3, make_material(0x1301, 9)), KeyStatus::kOk);
  ASSERT_EQ(b.establish_receive_key(false, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  ASSERT_EQ(b.establish_receive_key(true, 3, make_material(0x1301, 9)), KeyStatus::kOk);
  ASSERT_EQ(a.set_send_key(true, 3), KeyStatus::kOk);
  auto packet = seal(a, {0x0a, 0x00, 0x00, 0x04});  // COOKIE ECHO
  const OpenResult r = b.open(packet);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.key.restart);
  EXPECT_EQ(b.decryptions(true, 3), 1u);
  EXPECT_EQ(b.decryptions(false, 3), 0u);
}

TEST(KeyManagement, ConfidentialityLimit) {
  ProtectorOptions options;
  options.confidentiality_limit_override = 8;
  Pair pair(0x1301, false, 3, options);
  for (int i = 0; i < 5; ++i) (void)seal(pair.sender, make_chunks(4));
  EXPECT_FALSE(pair.sender.poll_limit_event().has_value());
  (void)seal(pair.sender, make_chunks(4));  // 6 of 8: 75 %
  auto e = pair.sender.poll_limit_event();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->key, (KeyId{false, 3}));
  EXPECT_EQ(e->direction, KeyLimitEvent::Direction::kSend);
  EXPECT_EQ(e->level, LimitLevel::kApproaching);
  EXPECT_FALSE(pair.sender.poll_limit_event().has_value());  // reported once
  (void)seal(pair.sender, make_chunks(4));
  (void)seal(pair.sender, make_chunks(4));
  e = pair.sender.poll_limit_event();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->level, LimitLevel::kReached);
  EXPECT_EQ(pair.sender.send_limit_level(false, 3), LimitLevel::kReached);
  PacketBuffer p = make_packet(make_chunks(4));
  EXPECT_EQ(pair.sender.seal(p.bytes, p.length, p.bytes.size()).error, SealError::kLimitReached);
  // A new epoch is the way out.
  ASSERT_EQ(pair.sender.establish_send_key(false, 4, make_material(0x1301, 4)), KeyStatus::kOk);
  EXPECT_TRUE(pair.sender.seal(p.bytes, p.length, p.bytes.size()).ok());
}

TEST(KeyManagement, LimitNotEnforcedWhenDisabled) {
  ProtectorOptions options;
  options.confidentiality_limit_override = 2;
  options.enforce_aead_limits = false;
  Pair pair(0x1301, false, 3, options);
  for (int i = 0; i < 4; ++i) (void)seal(pair.sender, make_chunks(4));
  auto e = pair.sender.poll_limit_event();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->level, LimitLevel::kReached);  // straight to reached: the signal skips a level
}

TEST(KeyManagement, IntegrityLimit) {
  ProtectorOptions options;
  options.integrity_limit_override = 4;
  Pair pair(0x1303, false, 3, options);
  for (int i = 0; i < 4; ++i) {
    auto forged = seal(pair.sender, make_chunks(16));
    forged[12 + wire::load_be16(forged.data() + 14) - 1] ^= 1;  // the tag's last byte
    EXPECT_EQ(*pair.receiver.open(forged).drop, DropReason::kAuthenticationFailed);
    if (i == 2) {
      auto e = pair.receiver.poll_limit_event();
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->direction, KeyLimitEvent::Direction::kReceive);
      EXPECT_EQ(e->level, LimitLevel::kApproaching);
    }
  }
  auto e = pair.receiver.poll_limit_event();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->level, LimitLevel::kReached);
  auto genuine = seal(pair.sender, make_chunks(16));
  EXPECT_EQ(*pair.receiver.open(genuine).drop, DropReason::kIntegrityLimit);
  EXPECT_EQ(pair.receiver.failed_decryptions(false, 3), 4u);
  EXPECT_EQ(pair.receiver.stats().aead_failures, 4u);
}

TEST(KeyManagement, ReplayWindowConfiguration) {
  Pair pair(0x1301);
  EXPECT_EQ(pair.receiver.configure_replay_window(10), KeyStatus::kInvalidArgument);
  EXPECT_EQ(pair.receiver.configure_replay_window(100000), KeyStatus::kInvalidArgument);
  ASSERT_EQ(pair.receiver.configure_replay_window(64), KeyStatus::kOk);
  EXPECT_EQ(pair.receiver.replay_window(), 64u);
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 100; ++i) packets.push_back(seal(pair.sender, make_chunks(4)));
  ASSERT_TRUE(pair.receiver.open(packets[99]).ok());
  EXPECT_EQ(*pair.receiver.open(packets[35]).drop, DropReason::kReplayTooOld);  // 64 behind
  EXPECT_TRUE(pair.receiver.open(packets[36]).ok());
  // Applies to contexts installed later too.
  ASSERT_EQ(pair.receiver.establish_receive_key(true, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  ASSERT_EQ(pair.sender.establish_send_key(true, 3, make_material(0x1301, 3)), KeyStatus::kOk);
  ASSERT_EQ(pair.sender.set_send_key(true, 3), KeyStatus::kOk);
  packets.clear();
  for (int i = 0; i < 100; ++i) packets.push_back(seal(pair.sender, make_chunks(4)));
  ASSERT_TRUE(pair.receiver.open(packets[99]).ok());
  EXPECT_EQ(*pair.receiver.open(packets[35]).drop, DropReason::kReplayTooOld);
}

TEST(KeyManagement, KeyLogLines) {
  ChunkProtector p;
  ASSERT_EQ(p.establish_send_key(false, 3, make_material(0x1301, 0x10)), KeyStatus::kOk);
  std::vector<std::string> lines;
  p.set_verification_tags(0x11223344, 0xA0B0C0D0);
  p.set_key_log([&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_EQ(p.establish_receive_key(false, 3, make_material(0x1301, 0x00)), KeyStatus::kOk);
  ASSERT_EQ(p.establish_send_key(true, 12, make_material(0x1303, 0x01)), KeyStatus::kOk);
  ASSERT_EQ(lines.size(), 2u);  // the key installed before the callback is not logged
  EXPECT_EQ(lines[0],
            "SCTP_DTLS 11223344 0 3 1301 000102030405060708090a0b0c0d0e0f "
            "404142434445464748494a4b 808182838485868788898a8b8c8d8e8f");
  EXPECT_EQ(lines[1].substr(0, 32), "SCTP_DTLS a0b0c0d0 1 12 1303 010");
  EXPECT_EQ(lines[1].size(),
            std::string("SCTP_DTLS a0b0c0d0 1 12 1303 ").size() + 64 + 1 + 24 + 1 + 64);
  // Failed installations are not logged; removing the callback stops logging.
  EXPECT_EQ(p.establish_send_key(true, 12, make_material(0x1303, 0x01)),
            KeyStatus::kAlreadyInstalled);
  p.set_key_log({});
  ASSERT_EQ(p.establish_send_key(false, 4, make_material(0x1301, 4)), KeyStatus::kOk);
  EXPECT_EQ(lines.size(), 2u);
}

TEST(KeyManagement, MovedProtectorKeepsWorking) {
  Pair pair(0x1302);
  ChunkProtector moved = std::move(pair.receiver);
  auto packet = seal(pair.sender, make_chunks(40));
  auto copy = packet;
  EXPECT_TRUE(moved.open(packet).ok());
  // The moved-from protector has no keys left (NOLINT: use after move is the point).
  EXPECT_EQ(*pair.receiver.open(copy).drop, DropReason::kUnknownKeyContext);  // NOLINT
  ChunkProtector assigned;
  assigned = std::move(pair.sender);
  EXPECT_TRUE(assigned.has_send_key());
  EXPECT_FALSE(pair.sender.has_send_key());  // NOLINT
}

}  // namespace
}  // namespace sctps::protect
