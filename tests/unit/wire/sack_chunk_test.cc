#include "wire/sack_chunk.h"

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

SackChunk sample() {
  SackChunk s;
  s.cumulative_tsn_ack = Tsn(5);
  s.a_rwnd = 65536;
  s.gap_ack_blocks = {{2, 3}, {5, 7}};
  s.duplicate_tsns = {Tsn(4), Tsn(0xffffffff)};
  return s;
}

TEST(SackChunk, EncodesByteExact) {
  // Length 16 + 4 * (2 gaps + 2 dups) = 32.
  EXPECT_EQ(to_hex(encode(sample())),
            "03000020"
            "00000005"
            "00010000"
            "00020002"
            "00020003"
            "00050007"
            "00000004"
            "ffffffff");
}

TEST(SackChunk, RoundTrip) {
  const SackChunk s = sample();
  const auto bytes = encode(s);
  auto back = SackChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, s);
  ASSERT_EQ(back->gap_ack_blocks.size(), 2u);
  EXPECT_EQ(back->gap_ack_blocks[1], (GapAckBlock{5, 7}));
  ASSERT_EQ(back->duplicate_tsns.size(), 2u);
  EXPECT_EQ(back->duplicate_tsns[1], Tsn(0xffffffff));
}

TEST(SackChunk, Empty) {
  const auto bytes = from_hex("03000010 00000001 00000000 00000000");
  auto s = SackChunk::parse(view_of(bytes));
  ASSERT_TRUE(s.ok()) << to_string(s.error());
  EXPECT_EQ(s->cumulative_tsn_ack, Tsn(1));
  EXPECT_EQ(s->a_rwnd, 0u);
  EXPECT_TRUE(s->gap_ack_blocks.empty());
  EXPECT_TRUE(s->duplicate_tsns.empty());
  EXPECT_EQ(to_hex(encode(*s)), to_hex(bytes));
}

TEST(SackChunk, OnlyDuplicates) {
  const auto bytes = from_hex("03000014 00000009 00000100 00000001 00000008");
  auto s = SackChunk::parse(view_of(bytes));
  ASSERT_TRUE(s.ok()) << to_string(s.error());
  EXPECT_TRUE(s->gap_ack_blocks.empty());
  ASSERT_EQ(s->duplicate_tsns.size(), 1u);
  EXPECT_EQ(s->duplicate_tsns[0], Tsn(8));
}

TEST(SackChunk, GapSemanticsNotCheckedHere) {
  // start > end is the engine's problem, not a parse error.
  const auto bytes = from_hex("03000014 00000009 00000100 00010000 00090002");
  auto s = SackChunk::parse(view_of(bytes));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->gap_ack_blocks[0], (GapAckBlock{9, 2}));
}

TEST(SackChunk, FlagsIgnoredAndRoundTripStable) {
  const auto bytes = from_hex("03ff0014 00000009 00000100 00010000 00020003");
  auto s = SackChunk::parse(view_of(bytes));
  ASSERT_TRUE(s.ok());
  const auto again = encode(*s);
  EXPECT_EQ(to_hex(again), "0300001400000009000001000001000000020003");
  EXPECT_EQ(*SackChunk::parse(view_of(again)), *s);
}

TEST(SackChunk, Truncated) {
  const auto bytes = from_hex("0300000c 00000001 00000000");
  auto s = SackChunk::parse(view_of(bytes));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kTruncated);
}

TEST(SackChunk, LengthMismatch) {
  // One gap announced, none present.
  auto s = SackChunk::parse(view_of(from_hex("03000010 00000001 00000000 00010000")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
  // Nothing announced, 4 extra bytes present.
  s = SackChunk::parse(view_of(from_hex("03000014 00000001 00000000 00000000 00000002")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
  // One duplicate announced, two present.
  s = SackChunk::parse(
      view_of(from_hex("03000018 00000001 00000000 00000001 00000002 00000003"), 12));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(s.error().offset, 12u);
  // Huge counts in a small chunk: rejected without reading or allocating.
  s = SackChunk::parse(view_of(from_hex("03000014 00000001 00000000 ffffffff 00000002")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
  // Length not a multiple of 4.
  s = SackChunk::parse(view_of(from_hex("03000012 00000001 00000000 00000000 0000")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
}

TEST(SackChunk, TooManyEntriesRefused) {
  SackChunk s;
  s.gap_ack_blocks.resize(SackChunk::kMaxEntries / 2);
  s.duplicate_tsns.resize(SackChunk::kMaxEntries - s.gap_ack_blocks.size());
  std::vector<std::uint8_t> buf(70000);
  {
    ByteWriter w(buf);
    s.encode(w);
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(load_be16(buf.data() + 2), s.encoded_size());
    EXPECT_LE(s.encoded_size(), 0xffffu);
  }
  s.duplicate_tsns.push_back(Tsn(1));
  ByteWriter w(buf);
  s.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

TEST(SackChunk, Describe) {
  EXPECT_EQ(sample().describe(), "cum_tsn=5 a_rwnd=65536 gaps=[2-3,5-7] dups=[4,4294967295]");
  EXPECT_EQ(SackChunk{}.describe(), "cum_tsn=0 a_rwnd=0 gaps=[] dups=[]");
}

}  // namespace
}  // namespace sctps::wire
