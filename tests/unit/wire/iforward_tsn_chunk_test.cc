#include "wire/iforward_tsn_chunk.h"

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

TEST(IForwardTsnChunk, EncodesByHandDerivedBytes) {
  IForwardTsnChunk f;
  f.new_cumulative_tsn = Tsn(0x10);
  f.streams = {{StreamId(1), false, Mid(5)}, {StreamId(2), true, Mid(0xffffffff)}};
  EXPECT_EQ(f.encoded_size(), 24u);
  const auto bytes = encode(f);
  EXPECT_EQ(to_hex(bytes),
            "c2000018"
            "00000010"
            "00010000"
            "00000005"
            "00020001"
            "ffffffff");
  EXPECT_EQ(f.describe(), "new_cum_tsn=16 streams=[1:5, 2U:4294967295]");
  auto back = IForwardTsnChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, f);
}

TEST(IForwardTsnChunk, ReservedBitsIgnoredRoundTripStable) {
  const auto bytes = from_hex("c2ff0018 00000007 0003fffe 00000001 0004ffff 00000002");
  auto f = IForwardTsnChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->streams.size(), 2u);
  EXPECT_FALSE(f->streams[0].unordered);
  EXPECT_TRUE(f->streams[1].unordered);
  EXPECT_EQ(f->streams[1].stream, StreamId(4));
  EXPECT_EQ(f->streams[1].mid, Mid(2));
  const auto again = encode(*f);
  EXPECT_EQ(to_hex(again),
            "c2000018"
            "00000007"
            "00030000"
            "00000001"
            "00040001"
            "00000002");
  auto back = IForwardTsnChunk::parse(first_chunk(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *f);
}

TEST(IForwardTsnChunk, NoStreams) {
  auto f = IForwardTsnChunk::parse(first_chunk(from_hex("c2000008 00000009")));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->new_cumulative_tsn, Tsn(9));
  EXPECT_TRUE(f->streams.empty());
}

TEST(IForwardTsnChunk, MalformedLengths) {
  auto short_chunk = IForwardTsnChunk::parse(first_chunk(from_hex("c2000007 000000 00")));
  ASSERT_FALSE(short_chunk.ok());
  EXPECT_EQ(short_chunk.error().code, ParseErrorCode::kTruncated);
  // A FORWARD TSN-sized entry (4 bytes) and a 12-byte list do not fit 8-byte entries.
  for (const char* hex :
       {"c200000c 00000001 00010000", "c2000014 00000001 00010000 00000001 00020000",
        "c200000d 00000001 00010000 01 000000"}) {
    auto r = IForwardTsnChunk::parse(first_chunk(from_hex(hex)));
    ASSERT_FALSE(r.ok()) << hex;
    EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch) << hex;
  }
}

TEST(IForwardTsnChunk, EntryLimit) {
  IForwardTsnChunk f;
  f.streams.resize(IForwardTsnChunk::kMaxEntries);
  std::vector<std::uint8_t> buf(70000);
  {
    ByteWriter w(buf);
    f.encode(w);
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(load_be16(buf.data() + 2), 8 + 8 * IForwardTsnChunk::kMaxEntries);
  }
  f.streams.emplace_back();
  ByteWriter w(buf);
  f.encode(w);
  EXPECT_TRUE(w.overflowed());
}

}  // namespace
}  // namespace sctps::wire
