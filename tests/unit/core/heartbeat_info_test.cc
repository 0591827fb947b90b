// The Heartbeat Information of our HEARTBEATs (RFC 9260 §8.3, §5.4): exact encoding, round trips,
// and rejection of everything a peer could send back that we did not write.
#include "core/path/heartbeat_info.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/random.h"
#include "support/hex.h"

namespace sctps::core {
namespace {

using test::from_hex;
using test::to_hex;

HeartbeatInfo v4_info() {
  HeartbeatInfo i;
  i.path_index = 3;
  i.address = IpAddress::v4({192, 0, 2, 1});
  i.sent_at = kTimeZero + sec(1);
  i.nonce = 0x0123456789ABCDEFull;
  return i;
}

wire::ParseErrorCode decode_error(const std::vector<std::uint8_t>& bytes) {
  const auto r = HeartbeatInfo::decode(bytes);
  EXPECT_FALSE(r.ok());
  return r.ok() ? wire::ParseErrorCode::kNoChunks : r.error().code;
}

TEST(HeartbeatInfo, EncodesTheDocumentedLayout) {
  const auto e = v4_info().encode();
  EXPECT_EQ(to_hex(e), to_hex(from_hex("01 04 0003"
                                       "00000000 000F4240"  // 1,000,000 us
                                       "01234567 89ABCDEF"
                                       "C0000201 00000000 00000000 00000000")));
}

TEST(HeartbeatInfo, EncodesIpv6) {
  HeartbeatInfo i;
  i.path_index = 0xFFFF;
  i.address = *IpAddress::parse("2001:db8::7");
  i.sent_at = TimePoint(Duration(0x0102030405060708));
  i.nonce = ~std::uint64_t{0};
  EXPECT_EQ(to_hex(i.encode()), to_hex(from_hex("01 06 FFFF 01020304 05060708 FFFFFFFF FFFFFFFF"
                                                "20010DB8 00000000 00000000 00000007")));
}

TEST(HeartbeatInfo, RoundTrips) {
  SeededRandom rng(7);
  for (int k = 0; k < 200; ++k) {
    HeartbeatInfo i;
    i.path_index = static_cast<std::uint16_t>(rng.next_u32());
    if (k % 2 == 0) {
      i.address = IpAddress::v4({static_cast<std::uint8_t>(k), 1, 2, 3});
    } else {
      std::array<std::uint8_t, 16> b{};
      rng.fill(b);
      i.address = IpAddress::v6(b);
    }
    i.sent_at = TimePoint(Duration(static_cast<std::int64_t>(rng.next() >> 1)));
    i.nonce = rng.next();
    const auto e = i.encode();
    const auto d = HeartbeatInfo::decode(e);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, i);
  }
}

TEST(HeartbeatInfo, RejectsWrongSizes) {
  const auto e = v4_info().encode();
  std::vector<std::uint8_t> bytes(e.begin(), e.end());
  EXPECT_EQ(decode_error({}), wire::ParseErrorCode::kTruncated);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(decode_error(cut), wire::ParseErrorCode::kTruncated) << n;
  }
  bytes.push_back(0);  // a peer appending bytes: not what we sent
  EXPECT_EQ(decode_error(bytes), wire::ParseErrorCode::kLengthMismatch);
}

TEST(HeartbeatInfo, RejectsBadVersion) {
  auto e = v4_info().encode();
  for (std::uint8_t v : {0, 2, 0xFF}) {
    e[0] = v;
    EXPECT_EQ(decode_error({e.begin(), e.end()}), wire::ParseErrorCode::kInvalidValue);
  }
}

TEST(HeartbeatInfo, RejectsBadFamily) {
  auto e = v4_info().encode();
  for (std::uint8_t f : {0, 5, 41, 0xFF}) {
    e[1] = f;
    EXPECT_EQ(decode_error({e.begin(), e.end()}), wire::ParseErrorCode::kInvalidValue);
  }
}

TEST(HeartbeatInfo, RejectsNonCanonicalIpv4) {
  for (std::size_t at = 24; at < HeartbeatInfo::kEncodedSize; ++at) {
    auto e = v4_info().encode();
    e[at] = 1;
    EXPECT_EQ(decode_error({e.begin(), e.end()}), wire::ParseErrorCode::kInvalidValue) << at;
  }
}

TEST(HeartbeatInfo, RejectsNegativeTime) {
  auto e = v4_info().encode();
  e[4] = 0x80;
  EXPECT_EQ(decode_error({e.begin(), e.end()}), wire::ParseErrorCode::kInvalidValue);
  e[4] = 0x7F;  // the largest representable time is fine
  EXPECT_TRUE(HeartbeatInfo::decode(e).ok());
}

TEST(HeartbeatInfo, NegativeTimeIsNeverEncoded) {
  HeartbeatInfo i = v4_info();
  i.sent_at = kTimeZero - sec(5);
  const auto d = HeartbeatInfo::decode(i.encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->sent_at, kTimeZero);
}

TEST(HeartbeatInfo, GarbageNeverCrashes) {
  SeededRandom rng(99);
  int accepted = 0;
  for (int k = 0; k < 5000; ++k) {
    std::vector<std::uint8_t> b(rng.uniform(48));
    rng.fill(b);
    if (b.size() == HeartbeatInfo::kEncodedSize && k % 3 == 0) {
      b[0] = 1;  // sometimes get past the version check
      b[1] = 6;
      b[4] &= 0x7F;
    }
    const auto r = HeartbeatInfo::decode(b);
    if (r.ok()) {
      ++accepted;
      const auto again = r->encode();
      EXPECT_EQ(std::vector<std::uint8_t>(again.begin(), again.end()), b);  // canonical
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace sctps::core
