#include "wire/idata_chunk.h"

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

const std::vector<std::uint8_t> kAbc{'a', 'b', 'c'};

TEST(IDataChunk, FirstFragmentCarriesPpid) {
  IDataChunk d;
  d.tsn = Tsn(1);
  d.stream_id = StreamId(2);
  d.mid = Mid(3);
  d.ppid = Ppid(0x33);
  d.fsn = Fsn(99);  // not sent: the first fragment's FSN is 0
  d.payload = kAbc;
  d.unordered = true;
  d.immediate_sack = true;
  const auto bytes = encode(d);
  // Flags I|U|B|E = 0x0f, length 20 + 3.
  EXPECT_EQ(to_hex(bytes),
            "400f0017"
            "00000001"
            "00020000"
            "00000003"
            "00000033"
            "616263"
            "00");
  auto back = IDataChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, d);
  EXPECT_EQ(back->ppid, Ppid(0x33));
  EXPECT_EQ(back->fsn, Fsn(0));
  EXPECT_EQ(back->effective_fsn(), Fsn(0));
  EXPECT_EQ(back->describe(), "tsn=1 sid=2 mid=3 ppid=51 flags=IUBE len=3");
}

TEST(IDataChunk, LaterFragmentCarriesFsn) {
  IDataChunk d;
  d.tsn = Tsn(0xffffffff);
  d.stream_id = StreamId(0x1234);
  d.mid = Mid(0x89abcdef);
  d.ppid = Ppid(77);  // not sent: only the first fragment carries the PPID
  d.fsn = Fsn(7);
  d.payload = kAbc;
  d.beginning = false;
  d.ending = true;
  const auto bytes = encode(d);
  EXPECT_EQ(to_hex(bytes),
            "40010017"
            "ffffffff"
            "12340000"
            "89abcdef"
            "00000007"
            "616263"
            "00");
  auto back = IDataChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  EXPECT_EQ(back->fsn, Fsn(7));
  EXPECT_EQ(back->ppid, Ppid(0));
  EXPECT_EQ(back->effective_fsn(), Fsn(7));
  EXPECT_EQ(back->describe(), "tsn=4294967295 sid=4660 mid=2309737967 fsn=7 flags=E len=3");
}

TEST(IDataChunk, EveryFlagCombinationRoundTrips) {
  for (unsigned f = 0; f < 16; ++f) {
    IDataChunk d;
    d.tsn = Tsn(10 + f);
    d.mid = Mid(f);
    d.ppid = Ppid(5);
    d.fsn = Fsn(6);
    d.payload = kAbc;
    d.ending = (f & 1) != 0;
    d.beginning = (f & 2) != 0;
    d.unordered = (f & 4) != 0;
    d.immediate_sack = (f & 8) != 0;
    EXPECT_EQ(d.flags(), f);
    const auto bytes = encode(d);
    EXPECT_EQ(bytes[1], f);
    auto back = IDataChunk::parse(first_chunk(bytes));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, d) << f;
  }
}

TEST(IDataChunk, ReservedBitsIgnoredRoundTripStable) {
  // Reserved flag bits 0xf0 and the reserved 16-bit field set: ignored, re-encoded as zero.
  const auto bytes = from_hex("40f30015 00000009 0001ffff 00000002 00000004 7a 000000");
  auto d = IDataChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->beginning && d->ending && !d->unordered && !d->immediate_sack);
  const auto again = encode(*d);
  EXPECT_EQ(to_hex(again),
            "40030015"
            "00000009"
            "00010000"
            "00000002"
            "00000004"
            "7a000000");
  auto back = IDataChunk::parse(first_chunk(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *d);
}

TEST(IDataChunk, EqualityLooksAtTheSentField) {
  IDataChunk a;
  a.payload = kAbc;
  a.ppid = Ppid(1);
  IDataChunk b = a;
  b.fsn = Fsn(5);
  EXPECT_EQ(a, b);  // B=1: FSN not on the wire
  b.ppid = Ppid(2);
  EXPECT_NE(a, b);
  a.beginning = b.beginning = false;
  EXPECT_NE(a, b);  // now the FSN differs
  b.fsn = a.fsn;
  EXPECT_EQ(a, b);
}

TEST(IDataChunk, EmptyPayloadIsNoUserData) {
  auto r = IDataChunk::parse(first_chunk(from_hex("40030014 00000001 00000000 00000000 00000000")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kNoUserData);
}

TEST(IDataChunk, ShortHeaderIsTruncated) {
  auto r =
      IDataChunk::parse(first_chunk(from_hex("40030013 00000001 00000000 00000000 000000 00")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kTruncated);
}

TEST(IDataChunk, PayloadLimit) {
  std::vector<std::uint8_t> payload(IDataChunk::kMaxPayload + 1, 0x55);
  std::vector<std::uint8_t> buf(70000);
  IDataChunk d;
  d.payload = Bytes(payload).first(IDataChunk::kMaxPayload);
  {
    ByteWriter w(buf);
    d.encode(w);
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(to_hex(w.written().first(4)), "4003ffff");
  }
  d.payload = payload;
  ByteWriter w(buf);
  d.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sctps::wire
