#include "wire/init_parameters.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;

TlvView last_item(const std::vector<std::uint8_t>& bytes) {
  auto block = TlvBlock::parse(bytes);
  if (!block.ok()) {
    ADD_FAILURE() << "bad TLV framing: " << to_string(block.error());
    return {};
  }
  TlvView last;
  for (const TlvView& v : *block) last = v;
  return last;
}

// Encodes, checks the bytes against `hex`, parses them back and checks equality.
template <typename T>
void expect_round_trip(const T& x, const std::string& hex) {
  const auto bytes = encode(x);
  EXPECT_EQ(to_hex(bytes), to_hex(from_hex(hex)));
  auto back = T::parse(last_item(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, x);
}

template <typename T>
ParseError error_of(const std::string& hex) {
  const auto bytes = from_hex(hex);
  auto r = T::parse(last_item(bytes));
  EXPECT_FALSE(r.ok());
  return r.ok() ? ParseError{ParseErrorCode::kNoChunks} : r.error();
}

TEST(StateCookieParameter, RoundTripWithPadding) {
  const auto cookie = from_hex("0102030405");
  expect_round_trip(StateCookieParameter{cookie}, "0007 0009 0102030405 000000");
  expect_round_trip(StateCookieParameter{}, "0007 0004");
  EXPECT_EQ(StateCookieParameter{cookie}.describe(), "len=5");
}

TEST(StateCookieParameter, ParsedValueExcludesPadding) {
  const auto bytes = from_hex("0007 0006 abcd 0000");
  auto c = StateCookieParameter::parse(last_item(bytes));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(to_hex(c->cookie), "abcd");
}

TEST(UnrecognizedParameterParameter, RoundTripAndBlock) {
  const auto inner = from_hex("80050008 00010002");
  const UnrecognizedParameterParameter u{inner};
  expect_round_trip(u, "0008 000c 80050008 00010002");
  ASSERT_EQ(u.block().count(), 1u);
  EXPECT_EQ(u.block().begin()->type, 0x8005);
  EXPECT_EQ(u.describe(), "params=[0x8005]");
}

TEST(UnrecognizedParameterParameter, NestedFramingErrors) {
  // Inner item claims 12 bytes where 8 remain: the error points at the inner header (offset 4).
  auto e = error_of<UnrecognizedParameterParameter>("0008 000c 8005000c 00010002");
  EXPECT_EQ(e.code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(e.offset, 4u);
  EXPECT_EQ(error_of<UnrecognizedParameterParameter>("0008 0008 80050003").code,
            ParseErrorCode::kBadLength);
  EXPECT_EQ(error_of<UnrecognizedParameterParameter>("0008 0006 8005 0000").code,
            ParseErrorCode::kParameterOverrun);
}

TEST(CookiePreservativeParameter, RoundTripAndLengths) {
  expect_round_trip(CookiePreservativeParameter{1000}, "0009 0008 000003e8");
  EXPECT_EQ(CookiePreservativeParameter{1000}.describe(), "increment_ms=1000");
  EXPECT_EQ(error_of<CookiePreservativeParameter>("0009 0006 0000 0000").code,
            ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<CookiePreservativeParameter>("0009 000c 00000000 00000000").code,
            ParseErrorCode::kLengthMismatch);
}

TEST(EmptyParameters, EcnCapableAndForwardTsnSupported) {
  expect_round_trip(EcnCapableParameter{}, "80000004");
  expect_round_trip(ForwardTsnSupportedParameter{}, "c0000004");
  EXPECT_EQ(error_of<EcnCapableParameter>("8000 0008 00000000").code,
            ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(error_of<ForwardTsnSupportedParameter>("c000 0005 01 000000").code,
            ParseErrorCode::kLengthMismatch);
}

TEST(PaddingParameter, AnyContentRoundTrips) {
  const auto zeros = from_hex("0000000000");
  expect_round_trip(PaddingParameter{zeros}, "8005 0009 0000000000 000000");
  const auto junk = from_hex("00010002");
  expect_round_trip(PaddingParameter{junk}, "8005 0008 00010002");
  EXPECT_EQ(PaddingParameter{zeros}.describe(), "len=5");
}

TEST(SupportedExtensionsParameter, RoundTripAndLookup) {
  const auto types = from_hex("82c04199");
  const SupportedExtensionsParameter s{types};
  expect_round_trip(s, "8008 0008 82c04199");
  EXPECT_TRUE(s.supports(0x82));
  EXPECT_TRUE(s.supports(0x41));
  EXPECT_FALSE(s.supports(0x40));
  EXPECT_EQ(s.describe(), "chunks=[RE-CONFIG,FORWARD TSN,DTLS,0x99]");
  const auto three = from_hex("82c0c1");
  expect_round_trip(SupportedExtensionsParameter{three}, "8008 0007 82c0c1 00");
}

TEST(HeartbeatInfoParameter, RoundTrip) {
  const auto info = from_hex("112233445566");
  expect_round_trip(HeartbeatInfoParameter{info}, "0001 000a 112233445566 0000");
  EXPECT_EQ(HeartbeatInfoParameter{info}.describe(), "len=6");
}

TEST(AdaptationLayerIndicationParameter, RoundTripAndLengths) {
  expect_round_trip(AdaptationLayerIndicationParameter{0x01020304}, "c006 0008 01020304");
  EXPECT_EQ(AdaptationLayerIndicationParameter{0x01020304}.describe(), "indication=0x01020304");
  EXPECT_EQ(error_of<AdaptationLayerIndicationParameter>("c006 0004").code,
            ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<AdaptationLayerIndicationParameter>("c006 0009 0102030405 000000").code,
            ParseErrorCode::kLengthMismatch);
}

TEST(OpaqueParameters, OversizeValueIsRefused) {
  const std::vector<std::uint8_t> huge(0xFFFF - 3, 0);  // 4 + 65532 > 65535
  std::vector<std::uint8_t> buf(0x10000 + 8);
  {
    ByteWriter w(buf);
    StateCookieParameter{huge}.encode(w);
    EXPECT_TRUE(w.overflowed());
    EXPECT_EQ(w.size(), 0u);
  }
  {
    // The largest value that fits is written with its exact length.
    ByteWriter w(buf);
    const Bytes max(huge.data(), 0xFFFF - 4);
    StateCookieParameter{max}.encode(w);
    EXPECT_FALSE(w.overflowed());
    EXPECT_EQ(load_be16(buf.data() + 2), 0xFFFF);
    EXPECT_EQ(w.size(), 0x10000u);
  }
}

}  // namespace
}  // namespace sctps::wire
