#include "core/handshake/state_cookie.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/random.h"

namespace sctps::core {
namespace {

using Error = CookieCheck::Error;

StateCookie sample() {
  StateCookie c;
  c.local_port = 2001;
  c.peer_port = 1001;
  c.local_tag = VerificationTag(0xDEADBEEF);
  c.peer_tag = VerificationTag(0x0163902C);
  c.local_initial_tsn = Tsn(0xFFFFFFFE);
  c.peer_initial_tsn = Tsn(23302188);
  c.peer_a_rwnd = 16384;
  c.outbound_streams = 2;
  c.inbound_streams = 2;
  c.local_tie_tag = 0x11223344;
  c.peer_tie_tag = 0x55667788;
  c.created = kTimeZero + sec(100);
  c.lifetime = sec(60);
  c.peer_address = IpAddress::parse("192.0.2.1");
  c.peer_init_parameters = {0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00};
  c.extension = {1, 2, 3};
  return c;
}

TEST(StateCookie, SealOpenRoundTrip) {
  SeededRandom rnd(1);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();
  const auto sealed = auth.seal(c);
  ASSERT_EQ(sealed.size(),
            CookieAuthenticator::kFixedSize + 8 + 2 + 3 + CookieAuthenticator::kMacSize);
  const CookieCheck r = auth.open(sealed, c.created + sec(1));
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r.cookie(), nullptr);
  EXPECT_EQ(*r.cookie(), c);
}

TEST(StateCookie, RoundTripVariants) {
  SeededRandom rnd(2);
  CookieAuthenticator auth(rnd);
  StateCookie c = sample();
  c.peer_address = IpAddress::parse("2001:db8::1");
  c.peer_init_parameters.clear();
  c.extension.clear();
  c.created = TimePoint(Duration(-5));  // a clock before its epoch survives
  c.local_tie_tag = 0;
  c.peer_tie_tag = 0;
  auto r = auth.open(auth.seal(c), TimePoint(Duration(-5)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.cookie(), c);

  c.peer_address.reset();
  c.peer_init_parameters.assign(1000, 0xAB);
  r = auth.open(auth.seal(c), TimePoint(Duration(0)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.cookie(), c);
}

TEST(StateCookie, EveryBitFlipIsRejected) {
  SeededRandom rnd(3);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();
  const auto sealed = auth.seal(c);
  for (std::size_t i = 0; i < sealed.size() * 8; ++i) {
    auto bad = sealed;
    bad[i / 8] = static_cast<std::uint8_t>(bad[i / 8] ^ (1u << (i % 8)));
    const auto r = auth.open(bad, c.created);
    EXPECT_EQ(r.error(), Error::kBadMac) << "bit " << i;
    EXPECT_EQ(r.cookie(), nullptr);
  }
}

TEST(StateCookie, TruncationsAndExtensionsAreRejected) {
  SeededRandom rnd(4);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();
  const auto sealed = auth.seal(c);
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    const auto r = auth.open(wire::Bytes(sealed.data(), n), c.created);
    EXPECT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(),
              n < CookieAuthenticator::kMinSealedSize ? Error::kMalformed : Error::kBadMac)
        << n;
  }
  auto longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(auth.open(longer, c.created).error(), Error::kBadMac);
}

TEST(StateCookie, GarbageNeverCrashes) {
  SeededRandom rnd(5);
  CookieAuthenticator auth(rnd);
  SeededRandom gen(6);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> junk(gen.uniform(300));
    gen.fill(junk);
    EXPECT_FALSE(auth.open(junk, kTimeZero).ok());
  }
}

TEST(StateCookie, OtherAuthenticatorRejects) {
  SeededRandom r1(7);
  SeededRandom r2(8);
  CookieAuthenticator a(r1);
  CookieAuthenticator b(r2);
  const StateCookie c = sample();
  EXPECT_EQ(b.open(a.seal(c), c.created).error(), Error::kBadMac);
}

TEST(StateCookie, StalenessIsExact) {
  SeededRandom rnd(9);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();  // created 100 s, lifetime 60 s
  const auto sealed = auth.seal(c);
  // Exactly at the end of the lifetime: still valid (stale only when elapsed exceeds it).
  EXPECT_TRUE(auth.open(sealed, c.created + c.lifetime).ok());
  // Before creation (clock skew): valid.
  EXPECT_TRUE(auth.open(sealed, c.created - sec(1)).ok());

  auto r = auth.open(sealed, c.created + c.lifetime + Duration(1));
  ASSERT_EQ(r.error(), Error::kStale);
  EXPECT_EQ(r.staleness(), Duration(1));
  EXPECT_EQ(r.staleness_us(), 1u);
  ASSERT_NE(r.cookie(), nullptr);  // authentic: the caller needs its tags
  EXPECT_EQ(*r.cookie(), c);

  r = auth.open(sealed, c.created + c.lifetime + ms(1234) + Duration(5));
  ASSERT_EQ(r.error(), Error::kStale);
  EXPECT_EQ(r.staleness(), Duration(1234005));
  EXPECT_EQ(r.staleness_us(), 1234005u);

  // The cause's 32-bit field saturates (more than ~71.6 minutes late).
  r = auth.open(sealed, c.created + c.lifetime + sec(10000));
  ASSERT_EQ(r.error(), Error::kStale);
  EXPECT_EQ(r.staleness(), sec(10000));
  EXPECT_EQ(r.staleness_us(), std::numeric_limits<std::uint32_t>::max());
}

TEST(StateCookie, StalenessWithoutOverflow) {
  SeededRandom rnd(10);
  CookieAuthenticator auth(rnd);
  StateCookie c = sample();
  c.created = TimePoint(Duration(std::numeric_limits<std::int64_t>::min()));
  c.lifetime = Duration(0);
  auto r = auth.open(auth.seal(c), TimePoint(Duration(std::numeric_limits<std::int64_t>::max())));
  ASSERT_EQ(r.error(), Error::kStale);
  EXPECT_EQ(r.staleness(), Duration::max());  // saturated

  c.created = TimePoint(Duration(std::numeric_limits<std::int64_t>::max() - 10));
  c.lifetime = Duration::max();
  EXPECT_TRUE(auth.open(auth.seal(c), kTimeInfinite).ok());
}

TEST(StateCookie, RotationKeepsOnePreviousSecret) {
  SeededRandom rnd(11);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();
  const auto first = auth.seal(c);
  auth.rotate();
  EXPECT_TRUE(auth.open(first, c.created).ok());
  const auto second = auth.seal(c);
  EXPECT_NE(first, second);
  EXPECT_TRUE(auth.open(second, c.created).ok());
  auth.rotate();
  EXPECT_EQ(auth.open(first, c.created).error(), Error::kBadMac);
  EXPECT_TRUE(auth.open(second, c.created).ok());
  const auto third = auth.seal(c);
  EXPECT_TRUE(auth.open(third, c.created).ok());
}

TEST(StateCookie, RotationKeyIdWraps) {
  SeededRandom rnd(12);
  CookieAuthenticator auth(rnd);
  const StateCookie c = sample();
  for (int i = 0; i < 300; ++i) {
    const auto before = auth.seal(c);
    auth.rotate();
    ASSERT_TRUE(auth.open(before, c.created).ok()) << i;
    ASSERT_TRUE(auth.open(auth.seal(c), c.created).ok()) << i;
  }
}

TEST(StateCookie, RejectsWhatCannotBeSealed) {
  SeededRandom rnd(13);
  CookieAuthenticator auth(rnd);
  StateCookie c = sample();
  c.lifetime = Duration(-1);
  EXPECT_TRUE(auth.seal(c).empty());
  c = sample();
  c.peer_init_parameters.assign(CookieAuthenticator::kMaxSealedSize, 0);
  EXPECT_TRUE(auth.seal(c).empty());
  // The largest cookie that fits.
  c.peer_init_parameters.assign(CookieAuthenticator::kMaxSealedSize -
                                    CookieAuthenticator::kMinSealedSize - c.extension.size(),
                                0);
  const auto sealed = auth.seal(c);
  EXPECT_EQ(sealed.size(), CookieAuthenticator::kMaxSealedSize);
  ASSERT_TRUE(auth.open(sealed, c.created).ok());
}

TEST(CookieFormat, BodyRoundTripAndStrictDecoding) {
  const StateCookie c = sample();
  const auto body = cookie_format::encode_body(c, 7);
  ASSERT_EQ(body.size(), cookie_format::kFixedSize + 8 + 2 + 3);
  EXPECT_EQ(body[0], StateCookie::kVersion);
  EXPECT_EQ(body[1], 7);
  ASSERT_EQ(cookie_format::decode_body(body), c);

  // Every truncation and any trailing byte is refused.
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(cookie_format::decode_body(wire::Bytes(body.data(), n))) << n;
  }
  auto longer = body;
  longer.push_back(0);
  EXPECT_FALSE(cookie_format::decode_body(longer));

  const auto mutated = [&body](std::size_t at, std::uint8_t v) {
    auto b = body;
    b[at] = v;
    return cookie_format::decode_body(b);
  };
  EXPECT_FALSE(mutated(0, 2));              // unknown version
  EXPECT_FALSE(mutated(46, 0x80));          // negative lifetime
  EXPECT_FALSE(mutated(54, 5));             // unknown address family
  EXPECT_FALSE(mutated(60, 1));             // IPv4 with non-zero filler
  EXPECT_FALSE(mutated(71, 0xFF));          // parameter block length past the end
  EXPECT_FALSE(mutated(72, 9));             // parameter block length too short for the rest
  EXPECT_TRUE(mutated(54, 6).has_value());  // any 16 bytes are an IPv6 address
  EXPECT_EQ(mutated(54, 6)->peer_address->family(), IpAddress::Family::kV6);

  // No address: family 0 needs all-zero bytes.
  StateCookie none = c;
  none.peer_address.reset();
  auto b = cookie_format::encode_body(none, 0);
  EXPECT_EQ(cookie_format::decode_body(b), none);
  b[70] = 1;
  EXPECT_FALSE(cookie_format::decode_body(b));
}

TEST(CookieFormat, EveryByteValueAtEveryPositionIsSafe) {
  const auto body = cookie_format::encode_body(sample(), 0);
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (unsigned v = 0; v < 256; ++v) {
      auto b = body;
      b[i] = static_cast<std::uint8_t>(v);
      (void)cookie_format::decode_body(b);  // must not crash or trip a sanitizer
    }
  }
  SeededRandom gen(14);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::uint8_t> junk(gen.uniform(200));
    gen.fill(junk);
    if (junk.size() > 71) junk[0] = StateCookie::kVersion;
    (void)cookie_format::decode_body(junk);
  }
}

TEST(CookieFormat, RefusesUnencodable) {
  StateCookie c = sample();
  c.lifetime = Duration(-1);
  EXPECT_TRUE(cookie_format::encode_body(c, 0).empty());
  c = sample();
  c.extension.assign(0x10000, 0);
  EXPECT_TRUE(cookie_format::encode_body(c, 0).empty());
}

TEST(CookieLifetime, PreservativeExtendsUpToTheCap) {
  EXPECT_EQ(cookie_lifetime(sec(60), std::nullopt, sec(120)), sec(60));
  EXPECT_EQ(cookie_lifetime(sec(60), 0u, sec(120)), sec(60));
  EXPECT_EQ(cookie_lifetime(sec(60), 30000u, sec(120)), sec(90));
  EXPECT_EQ(cookie_lifetime(sec(60), 60000u, sec(120)), sec(120));
  EXPECT_EQ(cookie_lifetime(sec(60), 0xFFFFFFFFu, sec(120)), sec(120));
  // A cap below Valid.Cookie.Life never shortens the lifetime.
  EXPECT_EQ(cookie_lifetime(sec(60), 1000u, sec(10)), sec(60));
}

}  // namespace
}  // namespace sctps::core
