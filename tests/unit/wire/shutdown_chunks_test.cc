#include "wire/shutdown_chunks.h"

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

TEST(ShutdownChunk, EncodesByteExactAndRoundTrips) {
  ShutdownChunk s;
  s.cumulative_tsn_ack = Tsn(0x12345678);
  const auto bytes = encode(s);
  EXPECT_EQ(to_hex(bytes),
            "07000008"
            "12345678");
  auto back = ShutdownChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  EXPECT_EQ(back->cumulative_tsn_ack, Tsn(0x12345678));
  EXPECT_EQ(back->describe(), "cum_tsn=305419896");
}

TEST(ShutdownChunk, LengthMustBe8) {
  for (const char* hex : {"07000004", "0700000c 00000001 00000002", "07000007 000000"}) {
    auto s = ShutdownChunk::parse(view_of(from_hex(hex), 12));
    ASSERT_FALSE(s.ok()) << hex;
    EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch) << hex;
    EXPECT_EQ(s.error().offset, 12u) << hex;
  }
}

TEST(ShutdownChunk, FlagsIgnored) {
  auto s = ShutdownChunk::parse(view_of(from_hex("07ff0008 00000003")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(to_hex(encode(*s)), "0700000800000003");
}

TEST(ShutdownAckChunk, EncodesByteExactAndRoundTrips) {
  const auto bytes = encode(ShutdownAckChunk{});
  EXPECT_EQ(to_hex(bytes), "08000004");
  auto back = ShutdownAckChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ShutdownAckChunk{});
  EXPECT_EQ(to_hex(encode(*ShutdownAckChunk::parse(view_of(from_hex("08ff0004"))))), "08000004");
}

TEST(ShutdownAckChunk, LengthMustBe4) {
  auto s = ShutdownAckChunk::parse(view_of(from_hex("08000008 00000000")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
  s = ShutdownAckChunk::parse(view_of(from_hex("08000005 00")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
}

TEST(ShutdownCompleteChunk, EncodesTBit) {
  ShutdownCompleteChunk c;
  EXPECT_EQ(to_hex(encode(c)), "0e000004");
  EXPECT_EQ(c.describe(), "T=0");
  c.tag_reflected = true;
  EXPECT_EQ(to_hex(encode(c)), "0e010004");
  EXPECT_EQ(c.describe(), "T=1");
}

TEST(ShutdownCompleteChunk, RoundTripAllFlags) {
  for (bool t : {false, true}) {
    ShutdownCompleteChunk c;
    c.tag_reflected = t;
    auto back = ShutdownCompleteChunk::parse(view_of(encode(c)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, c);
  }
  // Reserved bits are ignored; only T survives a round trip.
  auto r = ShutdownCompleteChunk::parse(view_of(from_hex("0efe0004")));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->tag_reflected);
  auto s = ShutdownCompleteChunk::parse(view_of(from_hex("0eff0004")));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->tag_reflected);
  EXPECT_EQ(to_hex(encode(*s)), "0e010004");
}

TEST(ShutdownCompleteChunk, LengthMustBe4) {
  auto s = ShutdownCompleteChunk::parse(view_of(from_hex("0e010008 00000000")));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ParseErrorCode::kLengthMismatch);
}

}  // namespace
}  // namespace sctps::wire
