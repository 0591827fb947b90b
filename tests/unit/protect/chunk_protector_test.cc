// Seal and open of whole packets: round trips, tampering, replay, reordering, sequence wrap,
// bundling and the handling of unprotected packets.
#include "protect/chunk_protector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "protect_test_util.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"

namespace sctps::protect {
namespace {

using namespace testing;

class ProtectorSuites : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(ProtectorSuites, RoundTripSizes) {
  Pair pair(GetParam());
  std::uint64_t expected_seq = 0;
  for (const std::size_t n : {4, 8, 12, 16, 100, 1200, 1452, 9000, 16384, 16400, 65000}) {
    for (const std::size_t padding : {0, 1, 5, 255}) {
      SCOPED_TRACE(std::to_string(n) + " padding " + std::to_string(padding));
      const auto chunks = make_chunks(n, static_cast<std::uint8_t>(n + padding));
      PacketBuffer p = make_packet(chunks, padding);
      const SealResult s = pair.sender.seal(p.bytes, p.length, p.bytes.size(), padding);
      if (n + padding + 17 > wire::DtlsChunk::kMaxRecordSize) {
        EXPECT_EQ(s.error, SealError::kRecordTooLarge);
        continue;
      }
      ASSERT_TRUE(s.ok()) << to_string(s.error);
      EXPECT_EQ(s.sequence, expected_seq++);
      EXPECT_EQ(s.length % 4, 0u);
      EXPECT_LE(s.length, p.length + ChunkProtector::kOverhead + padding);
      EXPECT_TRUE(wire::verify_sctp_checksum(wire::Bytes(p.bytes).first(s.length)));
      // The chunks are not visible in the sealed packet.
      if (n >= 16) {
        const auto sealed_end = p.bytes.begin() + static_cast<std::ptrdiff_t>(s.length);
        EXPECT_EQ(std::search(p.bytes.begin(), sealed_end, chunks.begin() + 4, chunks.begin() + 16),
                  sealed_end)
            << "plaintext leaked";
      }
      const OpenResult o = pair.receiver.open(wire::MutableBytes(p.bytes).first(s.length));
      ASSERT_TRUE(o.ok()) << to_string(*o.drop);
      EXPECT_EQ(region_bytes(o), chunks);
      EXPECT_EQ(o.sequence, s.sequence);
      EXPECT_EQ(o.chunks.chunk_count, (n + 999) / 1000);
    }
  }
  EXPECT_EQ(pair.sender.stats().sent_protected, expected_seq);
  EXPECT_EQ(pair.receiver.stats().recv_protected, expected_seq);
  EXPECT_EQ(pair.receiver.stats().dropped_total(), 0u);
}

TEST_P(ProtectorSuites, EveryBitFlipIsRejected) {
  Pair pair(GetParam());
  const auto packet = seal(pair.sender, make_chunks(24));
  const std::size_t chunk_len = wire::load_be16(packet.data() + 14);  // without post-padding
  const KeyMaterial m = make_material(GetParam(), 3);
  std::size_t accepted = 0;
  for (std::size_t byte = 12; byte < 12 + chunk_len; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      ChunkProtector receiver;
      ASSERT_EQ(receiver.establish_receive_key(false, 3, m), KeyStatus::kOk);
      auto copy = packet;
      copy[byte] ^= static_cast<std::uint8_t>(1u << bit);
      const OpenResult r = receiver.open(copy);
      const bool reserved_flag = byte == 13 && bit != 0;  // 7 reserved bits: ignored (§4.2)
      const bool pre_padding = byte == 16;                // ignored on receipt (§4.2)
      if (reserved_flag || pre_padding) {
        EXPECT_TRUE(r.ok()) << "byte " << byte << " bit " << bit;
        ++accepted;
        continue;
      }
      EXPECT_FALSE(r.ok()) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(receiver.stats().recv_protected, 0u);
    }
  }
  EXPECT_EQ(accepted, 7u + 8u);
  // Unchanged, it opens.
  auto copy = packet;
  EXPECT_TRUE(pair.receiver.open(copy).ok());
}

TEST_P(ProtectorSuites, TamperedRecordCountsAsAeadFailure) {
  Pair pair(GetParam());
  auto packet = seal(pair.sender, make_chunks(100));
  packet[40] ^= 0x80;
  const OpenResult r = pair.receiver.open(packet);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kAuthenticationFailed);
  EXPECT_EQ(pair.receiver.stats().aead_failures, 1u);
  EXPECT_EQ(pair.receiver.failed_decryptions(false, 3), 1u);
  EXPECT_EQ(pair.receiver.decryptions(false, 3), 1u);
  // The failed record did not enter the replay window: a genuine copy of the same record (the
  // failed open decrypted the tampered buffer in place) still opens.
  Pair twin(GetParam());
  auto genuine = seal(twin.sender, make_chunks(100));
  const OpenResult ok = pair.receiver.open(genuine);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.sequence, 0u);
}

TEST_P(ProtectorSuites, ReplaysAreDropped) {
  Pair pair(GetParam());
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 1200; ++i) packets.push_back(seal(pair.sender, make_chunks(8)));
  auto copy = packets[0];
  ASSERT_TRUE(pair.receiver.open(copy).ok());
  copy = packets[0];
  OpenResult r = pair.receiver.open(copy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kReplayDuplicate);

  copy = packets[1100];
  ASSERT_TRUE(pair.receiver.open(copy).ok());
  copy = packets[50];  // 1050 behind: below the 1024-record window
  r = pair.receiver.open(copy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kReplayTooOld);
  copy = packets[100];  // 1000 behind: inside, never seen
  EXPECT_TRUE(pair.receiver.open(copy).ok());
  copy = packets[100];
  r = pair.receiver.open(copy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kReplayDuplicate);
  EXPECT_EQ(pair.receiver.stats().dropped_for(DropReason::kReplayDuplicate), 2u);
  EXPECT_EQ(pair.receiver.stats().dropped_for(DropReason::kReplayTooOld), 1u);
  EXPECT_EQ(pair.receiver.stats().aead_failures, 0u);  // replays never reach the AEAD
  EXPECT_EQ(pair.receiver.decryptions(false, 3), 3u);
}

TEST_P(ProtectorSuites, ReorderingInsideWindowIsAccepted) {
  Pair pair(GetParam());
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 1000; ++i) packets.push_back(seal(pair.sender, make_chunks(8)));
  std::vector<std::size_t> order(packets.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  for (const std::size_t i : order) {
    const OpenResult r = pair.receiver.open(packets[i]);
    ASSERT_TRUE(r.ok()) << i << " " << to_string(*r.drop);
    EXPECT_EQ(r.sequence, i);
  }
}

// The 16-bit wire sequence number wraps every 2^16 records; the receiver keeps the full 48-bit
// number (RFC 9147 §4.2.2).
TEST(ChunkProtector, SequenceWrapsPast2To16And2To17) {
  Pair pair(0x1301);
  const auto chunks = make_chunks(4);
  const std::uint64_t total = (std::uint64_t{1} << 17) + 300;
  for (std::uint64_t i = 0; i < total; ++i) {
    PacketBuffer p = make_packet(chunks);
    const SealResult s = pair.sender.seal(p.bytes, p.length, p.bytes.size());
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s.sequence, i);
    // Let through only some records, with gaps below 2^15, plus all records around the wraps.
    const bool near_wrap = (i & 0xFFFF) < 5 || (i & 0xFFFF) > 0xFFFA;
    if (!near_wrap && i % 20000 != 0) continue;
    const OpenResult o = pair.receiver.open(wire::MutableBytes(p.bytes).first(s.length));
    ASSERT_TRUE(o.ok()) << i << " " << to_string(*o.drop);
    ASSERT_EQ(o.sequence, i);
  }
  EXPECT_EQ(pair.receiver.encryptions(false, 3), std::nullopt);
  EXPECT_EQ(pair.sender.encryptions(false, 3), total);
}

TEST(ChunkProtector, GapAboveHalfWindowIsNotRecoverable) {
  Pair pair(0x1301);
  auto skip = [&](int n) {
    for (int i = 0; i < n; ++i) (void)seal(pair.sender, make_chunks(4));
  };
  auto first = seal(pair.sender, make_chunks(4));
  ASSERT_TRUE(pair.receiver.open(first).ok());
  skip(0x7000 - 1);
  auto second = seal(pair.sender, make_chunks(4));  // 0x7000: 2^15 - 0x1000 ahead, fine
  ASSERT_EQ(pair.receiver.open(second).sequence, 0x7000u);
  skip(0x9000);
  auto far = seal(pair.sender, make_chunks(4));  // 0x10001: more than 2^15 ahead of 0x7001
  const OpenResult r = pair.receiver.open(far);
  ASSERT_FALSE(r.ok());  // read as 0x0001: below the window
  EXPECT_EQ(*r.drop, DropReason::kReplayTooOld);
}

TEST(ChunkProtector, BundledDtlsChunkIsDropped) {
  Pair pair(0x1301);
  auto packet = seal(pair.sender, make_chunks(8));
  // A SHUTDOWN COMPLETE after the DTLS chunk.
  auto after = packet;
  after.insert(after.end(), {0x0E, 0x00, 0x00, 0x04});
  OpenResult r = pair.receiver.open(after);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kBundled);
  // And one in front of it.
  auto before = common_header();
  before.insert(before.end(), {0x0E, 0x00, 0x00, 0x04});
  before.insert(before.end(), packet.begin() + 12, packet.end());
  r = pair.receiver.open(before);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kBundled);
  EXPECT_EQ(pair.receiver.stats().dropped_for(DropReason::kBundled), 2u);
  // The genuine one is still new.
  EXPECT_TRUE(pair.receiver.open(packet).ok());
}

TEST(ChunkProtector, Classify) {
  auto plain = make_packet(make_chunks(8));
  auto view = wire::PacketView::parse(wire::Bytes(plain.bytes).first(plain.length));
  ASSERT_TRUE(view);
  EXPECT_EQ(ChunkProtector::classify(*view), PacketKind::kUnprotected);
  Pair pair(0x1301);
  auto sealed = seal(pair.sender, make_chunks(8));
  view = wire::PacketView::parse(sealed);
  ASSERT_TRUE(view);
  EXPECT_EQ(ChunkProtector::classify(*view), PacketKind::kProtected);
  sealed.insert(sealed.end(), {0x0E, 0x00, 0x00, 0x04});
  view = wire::PacketView::parse(sealed);
  ASSERT_TRUE(view);
  EXPECT_EQ(ChunkProtector::classify(*view), PacketKind::kBundledDtls);
}

TEST(ChunkProtector, OpenDropsWhatItCannotUse) {
  Pair pair(0x1301);
  ChunkProtector& rx = pair.receiver;
  auto not_dtls = make_packet(make_chunks(8));
  EXPECT_EQ(*rx.open(wire::MutableBytes(not_dtls.bytes).first(not_dtls.length)).drop,
            DropReason::kNotDtlsChunk);
  std::vector<std::uint8_t> tiny = common_header();
  EXPECT_EQ(*rx.open(tiny).drop, DropReason::kMalformed);  // no chunk at all
  tiny.insert(tiny.end(), {0x41, 0x00, 0x00, 0x08, 0x00, 0x2b, 0x00, 0x00});
  EXPECT_EQ(*rx.open(tiny).drop, DropReason::kMalformed);  // record shorter than the sample
  // Unknown key contexts: other epoch bits, or R=1 without a restart key (draft §5.4).
  auto packet = seal(pair.sender, make_chunks(8));
  auto other_epoch = packet;
  other_epoch[17] = 0x2a;
  EXPECT_EQ(*rx.open(other_epoch).drop, DropReason::kUnknownKeyContext);
  auto restart = packet;
  restart[13] |= 0x01;
  EXPECT_EQ(*rx.open(restart).drop, DropReason::kUnknownKeyContext);
  EXPECT_EQ(rx.stats().dropped_for(DropReason::kUnknownKeyContext), 2u);
  EXPECT_EQ(rx.stats().aead_failures, 0u);
  EXPECT_TRUE(rx.open(packet).ok());
}

// A peer that seals something other than chunks and content type 23: the AEAD succeeds but the
// inner plaintext is refused.
TEST(ChunkProtector, InnerPlaintextChecked) {
  Pair pair(0x1301);
  PacketBuffer p = make_packet(make_chunks(8));
  // A chunk length that overruns the plaintext.
  p.bytes[12 + 3] = 0x40;
  SealResult s = pair.sender.seal(p.bytes, p.length, p.bytes.size());
  ASSERT_TRUE(s.ok());
  OpenResult r = pair.receiver.open(wire::MutableBytes(p.bytes).first(s.length));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kBadPlaintext);

  // A DTLS chunk inside a DTLS chunk.
  auto inner = seal(pair.sender, make_chunks(8));
  std::vector<std::uint8_t> nested(inner.begin() + 12, inner.end());
  p = make_packet(nested);
  s = pair.sender.seal(p.bytes, p.length, p.bytes.size());
  ASSERT_TRUE(s.ok());
  r = pair.receiver.open(wire::MutableBytes(p.bytes).first(s.length));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.drop, DropReason::kBadPlaintext);
  EXPECT_EQ(pair.receiver.stats().aead_failures, 0u);
}

TEST(ChunkProtector, SealRefusals) {
  ChunkProtector none;
  PacketBuffer p = make_packet(make_chunks(8));
  const auto original = p.bytes;
  EXPECT_EQ(none.seal(p.bytes, p.length, p.bytes.size()).error, SealError::kNoSendKey);

  Pair pair(0x1301);
  EXPECT_EQ(pair.sender.seal(p.bytes, 13, p.bytes.size()).error, SealError::kInvalidPacket);
  EXPECT_EQ(pair.sender.seal(p.bytes, p.bytes.size() + 1, 9999).error, SealError::kInvalidPacket);
  EXPECT_EQ(pair.sender.seal(p.bytes, p.length, p.bytes.size() - 4).error,
            SealError::kBufferTooSmall);
  EXPECT_EQ(pair.sender.seal(p.bytes, p.length, p.bytes.size(), 70000).error,
            SealError::kRecordTooLarge);
  EXPECT_EQ(p.bytes, original);  // refusals leave the buffer alone
  EXPECT_EQ(pair.sender.stats().seal_failures, 4u);
  EXPECT_EQ(pair.sender.encryptions(false, 3), 0u);  // and consume no sequence number
  EXPECT_TRUE(pair.sender.seal(p.bytes, p.length, p.bytes.size()).ok());
}

TEST(ChunkProtector, Overhead) {
  Pair pair(0x1301);
  EXPECT_EQ(pair.sender.overhead(), 28u);
  for (std::size_t n = 4; n <= 64; n += 4) {
    PacketBuffer p = make_packet(make_chunks(n));
    const SealResult s = pair.sender.seal(p.bytes, p.length, p.length + pair.sender.overhead());
    ASSERT_TRUE(s.ok()) << n;
    EXPECT_EQ(s.length, p.length + 28);  // chunks are 4-aligned: the worst case is the case
  }
}

TEST(ChunkProtector, UnprotectedPackets) {
  ChunkProtector p;
  for (int t = 0; t < 256; ++t) {
    const auto type = static_cast<std::uint8_t>(t);
    EXPECT_EQ(p.accepts_unprotected(type), type != wire::chunk_type::kDtls) << t;
  }
  p.require_protection();
  EXPECT_TRUE(p.protection_required());
  for (int t = 0; t < 256; ++t) {
    const auto type = static_cast<std::uint8_t>(t);
    const bool allowed = type == wire::chunk_type::kInit || type == wire::chunk_type::kInitAck;
    EXPECT_EQ(p.accepts_unprotected(type), allowed) << t;
  }
  p.count_unprotected_drop();
  EXPECT_EQ(p.stats().dropped_unprotected, 1u);
  EXPECT_EQ(p.stats().dropped_for(DropReason::kUnprotected), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ProtectorSuites, ::testing::Values(0x1301, 0x1302, 0x1303));

}  // namespace
}  // namespace sctps::protect
