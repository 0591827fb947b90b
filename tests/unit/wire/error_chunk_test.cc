#include "wire/error_chunk.h"

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

TEST(ErrorChunk, EncodesByteExact) {
  // Stale Cookie Error (3) with an 4-byte staleness, then Out of Resource (4) as the last cause.
  const auto causes = from_hex("00030008 000003e8 00040004");
  ErrorChunk e;
  e.causes = causes;
  EXPECT_EQ(to_hex(encode(e)),
            "09000010"
            "00030008"
            "000003e8"
            "00040004");
}

TEST(ErrorChunk, RoundTripAndCauseBlock) {
  // Unresolvable Address (5) with a 3-byte value: padded inside, last item unpadded.
  const auto causes = from_hex("00050007 aabbcc00 00010008 00070000 000c0005 61");
  ErrorChunk e;
  e.causes = causes;
  const auto bytes = encode(e);
  EXPECT_EQ(bytes.size(), 28u);  // 4 + 21 = 25, padded
  EXPECT_EQ(load_be16(bytes.data() + 2), 25);
  EXPECT_EQ(bytes[25], 0);
  EXPECT_EQ(bytes[26], 0);
  EXPECT_EQ(bytes[27], 0);
  auto back = ErrorChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, e);
  const TlvBlock block = back->cause_block();
  ASSERT_EQ(block.count(), 3u);
  auto it = block.begin();
  EXPECT_EQ(it->type, 5);
  EXPECT_EQ(to_hex(it->value), "aabbcc");
  ++it;
  EXPECT_EQ(it->type, 1);
  ++it;
  EXPECT_EQ(it->type, 12);
  EXPECT_EQ(to_hex(it->value), "61");
  EXPECT_EQ(back->describe(), "causes=[5,1,12]");
}

TEST(ErrorChunk, EmptyIsSyntacticallyValid) {
  auto e = ErrorChunk::parse(view_of(from_hex("09000004")));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->causes.empty());
  EXPECT_TRUE(e->cause_block().empty());
  EXPECT_EQ(e->describe(), "causes=[]");
}

TEST(ErrorChunk, FlagsIgnoredAndRoundTripStable) {
  const auto bytes = from_hex("09ff0008 00040004");
  auto e = ErrorChunk::parse(view_of(bytes));
  ASSERT_TRUE(e.ok());
  const auto again = encode(*e);
  EXPECT_EQ(to_hex(again), "0900000800040004");
  EXPECT_EQ(*ErrorChunk::parse(view_of(again)), *e);
}

TEST(ErrorChunk, MalformedCauses) {
  auto e = ErrorChunk::parse(view_of(from_hex("0900000c 00040004 00010010"), 12));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(e.error().offset, 12u + 8u);
  e = ErrorChunk::parse(view_of(from_hex("09000008 00040000")));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(e.error().offset, 4u);
  e = ErrorChunk::parse(view_of(from_hex("09000006 0004")));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ParseErrorCode::kParameterOverrun);
}

TEST(ErrorChunk, OversizeCausesRefused) {
  const std::vector<std::uint8_t> big(CauseChunkFields::kMaxCausesSize + 1, 0);
  ErrorChunk e;
  e.causes = big;
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  e.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);

  const std::vector<std::uint8_t> max(CauseChunkFields::kMaxCausesSize, 0);
  e.causes = max;
  ByteWriter w2(buf);
  e.encode(w2);
  ASSERT_FALSE(w2.overflowed());
  EXPECT_EQ(load_be16(buf.data() + 2), 0xffff);
}

}  // namespace
}  // namespace sctps::wire
