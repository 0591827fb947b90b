#include "wire/heartbeat_chunk.h"

#include <gtest/gtest.h>

#include <deque>
#include <utility>
#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;

using test_util::encode;
using test_util::view_of;

const std::vector<std::uint8_t> kInfo = from_hex("0102030405");

TEST(HeartbeatChunk, EncodesByteExact) {
  HeartbeatChunk h;
  h.info = kInfo;
  // Chunk length 4 + 4 + 5 = 13, info length 9; the info's padding is the chunk's padding.
  EXPECT_EQ(to_hex(encode(h)),
            "0400000d"
            "00010009"
            "0102030405"
            "000000");
}

TEST(HeartbeatAckChunk, EncodesByteExact) {
  HeartbeatAckChunk h;
  h.info = kInfo;
  EXPECT_EQ(to_hex(encode(h)),
            "0500000d"
            "00010009"
            "0102030405"
            "000000");
}

TEST(HeartbeatChunk, RoundTripBothTypes) {
  HeartbeatChunk h;
  h.info = kInfo;
  const auto b1 = encode(h);
  auto back = HeartbeatChunk::parse(view_of(b1));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, h);
  EXPECT_EQ(to_hex(back->info), "0102030405");

  HeartbeatAckChunk a;
  a.info = back->info;  // the ACK echoes the info (RFC 9260 §8.3)
  const auto b2 = encode(a);
  auto back2 = HeartbeatAckChunk::parse(view_of(b2));
  ASSERT_TRUE(back2.ok());
  EXPECT_EQ(*back2, a);
  EXPECT_EQ(view_of(b2).type, HeartbeatAckChunk::kType);
}

TEST(HeartbeatChunk, EmptyInfo) {
  const auto bytes = from_hex("04000008 00010004");
  auto h = HeartbeatChunk::parse(view_of(bytes));
  ASSERT_TRUE(h.ok()) << to_string(h.error());
  EXPECT_TRUE(h->info.empty());
  EXPECT_EQ(to_hex(encode(*h)), "0400000800010004");
}

TEST(HeartbeatChunk, ExtraParametersValidatedThenIgnored) {
  // Info "aabb" padded to 4, then ECN Capable (0x8000). Chunk length 4 + 8 + 4 = 16.
  const auto bytes = from_hex("04000010 00010006 aabb0000 80000004");
  auto h = HeartbeatChunk::parse(view_of(bytes));
  ASSERT_TRUE(h.ok()) << to_string(h.error());
  EXPECT_EQ(to_hex(h->info), "aabb");
  const auto again = encode(*h);
  EXPECT_EQ(to_hex(again), "0400000a00010006aabb0000");
  EXPECT_EQ(*HeartbeatChunk::parse(view_of(again)), *h);
}

TEST(HeartbeatChunk, ExtraParameterOverrun) {
  // Second parameter claims 16 bytes; 4 left. Offset is that of the parameter (chunk at 12).
  const auto bytes = from_hex("04000010 00010008 11223344 80000010");
  auto h = HeartbeatChunk::parse(view_of(bytes, 12));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(h.error().offset, 12u + 12u);
}

TEST(HeartbeatChunk, MissingOrBadInfoIsInvalidValue) {
  const char* cases[] = {
      "04000004",                    // no parameter at all
      "04000006 0001",               // half a parameter header
      "04000008 00020004",           // first parameter is not Heartbeat Info
      "04000008 00010002",           // Heartbeat Info length below its header
      "0400000c 00010010 00000000",  // Heartbeat Info runs past the chunk
  };
  for (const char* hex : cases) {
    const auto bytes = from_hex(hex);
    auto h = HeartbeatChunk::parse(view_of(bytes, 12));
    ASSERT_FALSE(h.ok()) << hex;
    EXPECT_EQ(h.error().code, ParseErrorCode::kInvalidValue) << hex;
    EXPECT_EQ(h.error().offset, 16u) << hex;
    auto a = HeartbeatAckChunk::parse(view_of(bytes));
    ASSERT_FALSE(a.ok()) << hex;
    EXPECT_EQ(a.error().code, ParseErrorCode::kInvalidValue) << hex;
  }
}

TEST(HeartbeatChunk, FlagsIgnoredAndRoundTripStable) {
  const auto bytes = from_hex("04ff0009 00010005 99");
  auto h = HeartbeatChunk::parse(view_of(bytes));
  ASSERT_TRUE(h.ok());
  const auto again = encode(*h);
  EXPECT_EQ(to_hex(again), "040000090001000599000000");
  EXPECT_EQ(*HeartbeatChunk::parse(view_of(again)), *h);
}

TEST(HeartbeatChunk, OversizeInfoRefused) {
  HeartbeatChunk h;
  const std::vector<std::uint8_t> big(HeartbeatFields::kMaxInfoSize + 1, 0);
  h.info = big;
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  h.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);

  const std::vector<std::uint8_t> max(HeartbeatFields::kMaxInfoSize, 0);
  h.info = max;
  ByteWriter w2(buf);
  h.encode(w2);
  ASSERT_FALSE(w2.overflowed());
  EXPECT_EQ(load_be16(buf.data() + 2), 0xffff);
  EXPECT_EQ(load_be16(buf.data() + 6), 0xffff - 4);
}

TEST(HeartbeatChunk, Describe) {
  HeartbeatChunk h;
  h.info = kInfo;
  EXPECT_EQ(h.describe(), "info_len=5");
}

}  // namespace
}  // namespace sctps::wire
