#include "wire/pad_chunk.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;
using test_util::first_chunk;

TEST(PadChunk, EncodesZerosAndAlignment) {
  PadChunk p;
  p.padding_length = 5;
  EXPECT_EQ(p.encoded_size(), 9u);
  EXPECT_EQ(to_hex(encode(p)),
            "84000009"
            "0000000000"
            "000000");
}

TEST(PadChunk, EmptyPadding) {
  PadChunk p;
  EXPECT_EQ(to_hex(encode(p)), "84000004");
  auto back = PadChunk::parse(first_chunk(from_hex("84000004")));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->padding_length, 0u);
}

TEST(PadChunk, ParseIgnoresContentAndFlags) {
  const auto bytes = from_hex("84ff000b deadbeef 010203 00");
  auto p = PadChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  EXPECT_EQ(p->padding_length, 7u);
  EXPECT_EQ(p->describe(), "padding=7");
  // Round trip is stable even though the content becomes zeros.
  const auto again = encode(*p);
  EXPECT_EQ(to_hex(again),
            "8400000b"
            "00000000000000"
            "00");
  auto back = PadChunk::parse(first_chunk(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *p);
}

TEST(PadChunk, ShortHeaderIsTruncated) {
  const auto bytes = from_hex("840000");
  ChunkView v;
  v.type = 0x84;
  v.whole = bytes;
  v.offset = 12;
  auto p = PadChunk::parse(v);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(p.error().offset, 12u);
}

TEST(PadChunk, LengthLimit) {
  std::vector<std::uint8_t> buf(70000);
  PadChunk p;
  p.padding_length = PadChunk::kMaxPaddingLength;
  {
    ByteWriter w(buf);
    p.encode(w);
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(w.size(), 65536u);
    EXPECT_EQ(to_hex(w.written().first(4)), "8400ffff");
  }
  p.padding_length = PadChunk::kMaxPaddingLength + 1;
  ByteWriter w(buf);
  p.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sctps::wire
