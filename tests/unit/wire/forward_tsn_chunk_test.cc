#include "wire/forward_tsn_chunk.h"

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

TEST(ForwardTsnChunk, EncodesByHandDerivedBytes) {
  ForwardTsnChunk f;
  f.new_cumulative_tsn = Tsn(0x01020304);
  f.streams = {{StreamId(1), Ssn(5)}, {StreamId(0xffff), Ssn(0x0102)}};
  EXPECT_EQ(f.encoded_size(), 16u);
  EXPECT_EQ(to_hex(encode(f)),
            "c0000010"
            "01020304"
            "00010005"
            "ffff0102");
  EXPECT_EQ(f.describe(), "new_cum_tsn=16909060 streams=[1:5, 65535:258]");
}

TEST(ForwardTsnChunk, RoundTripIgnoresFlags) {
  const auto bytes = from_hex("c0ff000c fffffffe 00070009");
  auto f = ForwardTsnChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(f.ok()) << to_string(f.error());
  EXPECT_EQ(f->new_cumulative_tsn, Tsn(0xfffffffe));
  ASSERT_EQ(f->streams.size(), 1u);
  EXPECT_EQ(f->streams[0].stream, StreamId(7));
  EXPECT_EQ(f->streams[0].ssn, Ssn(9));
  const auto again = encode(*f);
  EXPECT_EQ(to_hex(again),
            "c000000c"
            "fffffffe"
            "00070009");
  auto back = ForwardTsnChunk::parse(first_chunk(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *f);
}

TEST(ForwardTsnChunk, NoStreams) {
  auto f = ForwardTsnChunk::parse(first_chunk(from_hex("c0000008 00000005")));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->new_cumulative_tsn, Tsn(5));
  EXPECT_TRUE(f->streams.empty());
  EXPECT_EQ(f->describe(), "new_cum_tsn=5 streams=[]");
}

TEST(ForwardTsnChunk, MalformedLengths) {
  auto short_chunk = ForwardTsnChunk::parse(first_chunk(from_hex("c0000006 0102 0000")));
  ASSERT_FALSE(short_chunk.ok());
  EXPECT_EQ(short_chunk.error().code, ParseErrorCode::kTruncated);

  for (const char* hex : {"c000000a 01020304 0001 0000", "c000000e 01020304 00010002 0003 0000",
                          "c000000f 01020304 00010002 000304 00"}) {
    auto r = ForwardTsnChunk::parse(first_chunk(from_hex(hex)));
    ASSERT_FALSE(r.ok()) << hex;
    EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch) << hex;
  }
}

TEST(ForwardTsnChunk, EntryLimit) {
  ForwardTsnChunk f;
  f.streams.resize(ForwardTsnChunk::kMaxEntries);
  std::vector<std::uint8_t> buf(70000);
  {
    ByteWriter w(buf);
    f.encode(w);
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(load_be16(buf.data() + 2), 8 + 4 * ForwardTsnChunk::kMaxEntries);
  }
  f.streams.emplace_back();
  ByteWriter w(buf);
  f.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sctps::wire
