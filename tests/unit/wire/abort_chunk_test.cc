#include "wire/abort_chunk.h"

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

TEST(AbortChunk, EncodesByteExactWithTBit) {
  // User-Initiated Abort (12) with reason "ab": cause length 6; chunk length 4 + 6 = 10.
  const auto cause = from_hex("000c0006 6162");
  AbortChunk a;
  a.tag_reflected = true;
  a.causes = cause;
  EXPECT_EQ(to_hex(encode(a)),
            "0601000a"
            "000c0006"
            "6162"
            "0000");
}

TEST(AbortChunk, EncodesEmpty) {
  EXPECT_EQ(to_hex(encode(AbortChunk{})), "06000004");
}

TEST(AbortChunk, RoundTripAllFlagCombinations) {
  const auto causes = from_hex("00010008 00030000 000a0004");
  for (bool t : {false, true}) {
    for (bool with_causes : {false, true}) {
      AbortChunk a;
      a.tag_reflected = t;
      if (with_causes) a.causes = causes;
      const auto bytes = encode(a);
      EXPECT_EQ(bytes[1], t ? 1 : 0);
      auto back = AbortChunk::parse(view_of(bytes));
      ASSERT_TRUE(back.ok()) << to_string(back.error());
      EXPECT_EQ(*back, a);
      EXPECT_EQ(back->tag_reflected, t);
      EXPECT_EQ(back->cause_block().count(), with_causes ? 2u : 0u);
    }
  }
}

TEST(AbortChunk, CauseBlock) {
  // Invalid Stream Identifier (1, 8 bytes) then Cookie Received While Shutting Down (10, 4 bytes).
  const auto bytes = from_hex("06000010 00010008 00030000 000a0004");
  auto a = AbortChunk::parse(view_of(bytes));
  ASSERT_TRUE(a.ok()) << to_string(a.error());
  EXPECT_FALSE(a->tag_reflected);
  const TlvBlock block = a->cause_block();
  ASSERT_EQ(block.count(), 2u);
  auto it = block.begin();
  EXPECT_EQ(it->type, 1);
  EXPECT_EQ(to_hex(it->value), "00030000");
  ++it;
  EXPECT_EQ(it->type, 10);
  EXPECT_EQ(a->describe(), "T=0 causes=[1,10]");
  EXPECT_EQ(to_hex(encode(*a)), to_hex(bytes));
}

TEST(AbortChunk, ReservedFlagsIgnoredAndRoundTripStable) {
  const auto bytes = from_hex("06fe0004");
  auto a = AbortChunk::parse(view_of(bytes));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->tag_reflected);
  EXPECT_EQ(to_hex(encode(*a)), "06000004");
  auto b = AbortChunk::parse(view_of(from_hex("06ff0004")));
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->tag_reflected);
  EXPECT_EQ(to_hex(encode(*b)), "06010004");
  EXPECT_EQ(*AbortChunk::parse(view_of(encode(*b))), *b);
}

TEST(AbortChunk, MalformedCauses) {
  // Cause claims 16 bytes, 4 present; offset of the cause (chunk at 12, cause at 16).
  auto a = AbortChunk::parse(view_of(from_hex("06000008 000d0010"), 12));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(a.error().offset, 16u);
  // Cause length below its header.
  a = AbortChunk::parse(view_of(from_hex("06000008 000d0002")));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(a.error().offset, 4u);
  // Half a cause header after a good cause.
  a = AbortChunk::parse(view_of(from_hex("0600000a 000a0004 000c")));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(a.error().offset, 8u);
}

TEST(AbortChunk, OversizeCausesRefused) {
  const std::vector<std::uint8_t> big(CauseChunkFields::kMaxCausesSize + 1, 0);
  AbortChunk a;
  a.causes = big;
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  a.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

TEST(AbortChunk, Describe) {
  const auto cause = from_hex("000c0004");
  AbortChunk a;
  a.tag_reflected = true;
  a.causes = cause;
  EXPECT_EQ(a.describe(), "T=1 causes=[12]");
  EXPECT_EQ(AbortChunk{}.describe(), "T=0 causes=[]");
}

}  // namespace
}  // namespace sctps::wire
