#include "wire/cookie_chunks.h"

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

TEST(CookieEchoChunk, EncodesByteExactWithPadding) {
  const auto cookie = from_hex("0102030405");
  CookieEchoChunk c;
  c.cookie = cookie;
  // Length 4 + 5 = 9; three bytes of zero padding follow.
  EXPECT_EQ(to_hex(encode(c)),
            "0a000009"
            "0102030405"
            "000000");
  EXPECT_EQ(c.describe(), "cookie_len=5");
}

TEST(CookieEchoChunk, RoundTrip) {
  const auto cookie = from_hex("deadbeef cafe");
  CookieEchoChunk c;
  c.cookie = cookie;
  const auto bytes = encode(c);
  auto back = CookieEchoChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(to_hex(back->cookie), "deadbeefcafe");
  // Zero copy: the cookie points into the parsed buffer.
  EXPECT_EQ(back->cookie.data(), bytes.data() + 4);
}

TEST(CookieEchoChunk, EmptyCookieIsSyntacticallyValid) {
  auto c = CookieEchoChunk::parse(view_of(from_hex("0a000004")));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->cookie.empty());
  EXPECT_EQ(to_hex(encode(*c)), "0a000004");
}

TEST(CookieEchoChunk, FlagsIgnoredAndMissingPaddingAccepted) {
  auto c = CookieEchoChunk::parse(view_of(from_hex("0aff0006 abcd")));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(to_hex(c->cookie), "abcd");
  const auto again = encode(*c);
  EXPECT_EQ(to_hex(again), "0a000006abcd0000");
  EXPECT_EQ(*CookieEchoChunk::parse(view_of(again)), *c);
}

TEST(CookieEchoChunk, OversizeCookieRefused) {
  const std::vector<std::uint8_t> big(CookieEchoChunk::kMaxCookieSize + 1, 0);
  CookieEchoChunk c;
  c.cookie = big;
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  c.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);

  const std::vector<std::uint8_t> max(CookieEchoChunk::kMaxCookieSize, 0);
  c.cookie = max;
  ByteWriter w2(buf);
  c.encode(w2);
  ASSERT_FALSE(w2.overflowed());
  EXPECT_EQ(load_be16(buf.data() + 2), 0xffff);
  EXPECT_EQ(w2.size(), 0x10000u);
}

TEST(CookieAckChunk, EncodesByteExactAndRoundTrips) {
  const auto bytes = encode(CookieAckChunk{});
  EXPECT_EQ(to_hex(bytes), "0b000004");
  auto back = CookieAckChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, CookieAckChunk{});
  EXPECT_EQ(to_hex(encode(*CookieAckChunk::parse(view_of(from_hex("0bff0004"))))), "0b000004");
}

TEST(CookieAckChunk, LengthMustBe4) {
  auto c = CookieAckChunk::parse(view_of(from_hex("0b000008 00000000"), 12));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(c.error().offset, 12u);
}

}  // namespace
}  // namespace sctps::wire
