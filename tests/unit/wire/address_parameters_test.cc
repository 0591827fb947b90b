#include "wire/address_parameters.h"

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

// The item of a one-parameter block (the block may start with other items: the last one is taken).
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

template <typename T>
ParseErrorCode error_of(const std::string& hex) {
  const auto bytes = from_hex(hex);
  auto r = T::parse(last_item(bytes));
  EXPECT_FALSE(r.ok());
  return r.ok() ? ParseErrorCode::kNoChunks : r.error().code;
}

TEST(Ipv4AddressParameter, EncodesByteExactAndRoundTrips) {
  const Ipv4AddressParameter a{{192, 0, 2, 1}};
  const auto bytes = encode(a);
  EXPECT_EQ(to_hex(bytes), "00050008c0000201");
  auto back = Ipv4AddressParameter::parse(last_item(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, a);
  EXPECT_EQ(back->describe(), "192.0.2.1");
}

TEST(Ipv4AddressParameter, WrongLengths) {
  EXPECT_EQ(error_of<Ipv4AddressParameter>("0005 0007 c00002 00"), ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<Ipv4AddressParameter>("0005 0004"), ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<Ipv4AddressParameter>("0005 000c c0000201 00000000"),
            ParseErrorCode::kLengthMismatch);
}

TEST(Ipv4AddressParameter, ErrorOffsetIsTheParameterHeader) {
  // A Cookie Preservative first, then a short IPv4 address at offset 8.
  const auto bytes = from_hex("0009 0008 00000000  0005 0006 c000 0000");
  auto r = Ipv4AddressParameter::parse(last_item(bytes));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 8u);
}

TEST(Ipv6AddressParameter, EncodesByteExactAndRoundTrips) {
  Ipv6AddressParameter a;
  a.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const auto bytes = encode(a);
  EXPECT_EQ(to_hex(bytes),
            "00060014"
            "20010db8"
            "00000000"
            "00000000"
            "00000001");
  auto back = Ipv6AddressParameter::parse(last_item(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a);
  EXPECT_EQ(back->describe(), "2001:db8::1");
}

TEST(Ipv6AddressParameter, WrongLengths) {
  EXPECT_EQ(error_of<Ipv6AddressParameter>("0006 0008 c0000201"), ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<Ipv6AddressParameter>("0006 0018 " + std::string(40, '0')),
            ParseErrorCode::kLengthMismatch);
}

std::string v6_text(const std::string& hex) {
  Ipv6AddressParameter a;
  const auto b = from_hex(hex);
  std::copy(b.begin(), b.end(), a.address.begin());
  return a.describe();
}

TEST(Ipv6AddressParameter, DescribeFollowsRfc5952) {
  EXPECT_EQ(v6_text("00000000000000000000000000000000"), "::");
  EXPECT_EQ(v6_text("00000000000000000000000000000001"), "::1");
  EXPECT_EQ(v6_text("00010000000000000000000000000000"), "1::");
  // A single zero group is not compressed.
  EXPECT_EQ(v6_text("00010000000100000001000000010000"), "1:0:1:0:1:0:1:0");
  // The longest run wins; on a tie, the first.
  EXPECT_EQ(v6_text("00010000000000010000000000000001"), "1:0:0:1::1");
  EXPECT_EQ(v6_text("00010000000000010001000000000001"), "1::1:1:0:0:1");
  EXPECT_EQ(v6_text("fe800000000000000202b3fffe1e8329"), "fe80::202:b3ff:fe1e:8329");
}

TEST(HostNameAddressParameter, EncodesAsGivenWithPadding) {
  const std::vector<std::uint8_t> name{'a', 'b', 0};
  const HostNameAddressParameter h{name};
  const auto bytes = encode(h);
  // Length 4 + 3 = 7, one byte of padding.
  EXPECT_EQ(to_hex(bytes),
            "000b0007"
            "61620000");
  auto back = HostNameAddressParameter::parse(last_item(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->name.size(), 3u);
  EXPECT_EQ(back->describe(), "\"ab\"");
}

TEST(HostNameAddressParameter, KeepsNulPaddingAsSent) {
  const auto bytes = from_hex("000b 0008 612e6200");
  auto h = HostNameAddressParameter::parse(last_item(bytes));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(to_hex(h->name), "612e6200");
  EXPECT_EQ(h->describe(), "\"a.b\"");
  EXPECT_EQ(to_hex(encode(*h)), "000b0008612e6200");
}

TEST(SupportedAddressTypesParameter, EvenAndOddCounts) {
  const SupportedAddressTypesParameter two{{5, 6}};
  EXPECT_EQ(to_hex(encode(two)),
            "000c0008"
            "00050006");
  const SupportedAddressTypesParameter one{{5}};
  EXPECT_EQ(to_hex(encode(one)),
            "000c0006"
            "00050000");  // length 6, two bytes of padding
  const SupportedAddressTypesParameter three{{5, 6, 11}};
  EXPECT_EQ(to_hex(encode(three)),
            "000c000a"
            "00050006"
            "000b0000");
  for (const auto& s : {two, one, three}) {
    const auto bytes = encode(s);
    auto back = SupportedAddressTypesParameter::parse(last_item(bytes));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_TRUE(three.contains(11));
  EXPECT_FALSE(two.contains(11));
  EXPECT_EQ(three.describe(), "types=[5,6,11]");
}

TEST(SupportedAddressTypesParameter, OddValueLengthIsBadLength) {
  EXPECT_EQ(error_of<SupportedAddressTypesParameter>("000c 0007 000500 00"),
            ParseErrorCode::kBadLength);
  auto empty = SupportedAddressTypesParameter::parse(last_item(from_hex("000c 0004")));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->types.empty());
}

TEST(HostNameAddressParameter, OversizeIsRefused) {
  const std::vector<std::uint8_t> huge(0xFFFF - 3, 'x');  // 4 + 65532 > 65535
  const HostNameAddressParameter h{huge};
  std::vector<std::uint8_t> buf(0x10000 + 8);
  ByteWriter w(buf);
  h.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sctps::wire
