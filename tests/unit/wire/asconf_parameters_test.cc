#include "wire/asconf_parameters.h"

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

TlvView only_item(const std::vector<std::uint8_t>& bytes) {
  auto block = TlvBlock::parse(bytes);
  if (!block.ok() || block->count() != 1) {
    ADD_FAILURE() << "expected exactly one TLV";
    return {};
  }
  return *block->begin();
}

template <typename T>
void expect_round_trip(const T& x, const std::string& hex) {
  const auto bytes = encode(x);
  EXPECT_EQ(to_hex(bytes), to_hex(from_hex(hex)));
  auto back = T::parse(only_item(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, x);
}

template <typename T>
ParseError error_of(const std::string& hex) {
  const auto bytes = from_hex(hex);
  auto r = T::parse(only_item(bytes));
  EXPECT_FALSE(r.ok());
  return r.ok() ? ParseError{ParseErrorCode::kNoChunks} : r.error();
}

TEST(AsconfAddressParameters, AddIpWithIpv4) {
  const auto addr = from_hex("00050008 c0000201");
  const AddIpAddressParameter a{0x11, addr};
  expect_round_trip(a, "c001 0010 00000011 00050008 c0000201");
  EXPECT_EQ(a.describe(), "corr_id=17 address=192.0.2.1");
  auto decoded = a.address();
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(std::holds_alternative<Ipv4AddressParameter>(*decoded));
  EXPECT_EQ(std::get<Ipv4AddressParameter>(*decoded).address,
            (std::array<std::uint8_t, 4>{192, 0, 2, 1}));
}

TEST(AsconfAddressParameters, DeleteIpWithIpv6) {
  const auto addr = from_hex("00060014 00000000 00000000 00000000 00000001");
  const DeleteIpAddressParameter d{2, addr};
  expect_round_trip(d, "c002 001c 00000002 00060014 00000000 00000000 00000000 00000001");
  EXPECT_EQ(d.describe(), "corr_id=2 address=::1");
}

TEST(AsconfAddressParameters, SetPrimaryAndAddressEncodedByItsCodec) {
  // The raw address parameter may come from the address codec itself.
  std::vector<std::uint8_t> addr(Ipv4AddressParameter::kSize);
  ByteWriter w(addr);
  Ipv4AddressParameter{{10, 0, 0, 1}}.encode(w);
  const SetPrimaryAddressParameter s{3, addr};
  expect_round_trip(s, "c004 0010 00000003 00050008 0a000001");
  EXPECT_EQ(s.describe(), "corr_id=3 address=10.0.0.1");
}

TEST(AsconfAddressParameters, TypesDiffer) {
  EXPECT_EQ(AddIpAddressParameter::kType, 0xC001);
  EXPECT_EQ(DeleteIpAddressParameter::kType, 0xC002);
  EXPECT_EQ(SetPrimaryAddressParameter::kType, 0xC004);
}

TEST(AsconfAddressParameters, Malformed) {
  EXPECT_EQ(error_of<AddIpAddressParameter>("c001 0008 00000011").code, ParseErrorCode::kTruncated);
  const auto host = error_of<AddIpAddressParameter>("c001 0010 00000011 000b0008 61620000");
  EXPECT_EQ(host.code, ParseErrorCode::kInvalidValue);
  EXPECT_EQ(host.offset, 8u);  // the inner address parameter
  EXPECT_EQ(error_of<DeleteIpAddressParameter>("c002 000c 00000011 00050003").code,
            ParseErrorCode::kBadLength);
  const auto overrun = error_of<SetPrimaryAddressParameter>("c004 000c 00000011 00050008");
  EXPECT_EQ(overrun.code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(overrun.offset, 8u);
  // Bytes after the address parameter.
  EXPECT_EQ(error_of<AddIpAddressParameter>("c001 0014 00000011 00050008 c0000201 00000000").code,
            ParseErrorCode::kLengthMismatch);
  // An IPv4 parameter of the wrong size.
  EXPECT_EQ(error_of<AddIpAddressParameter>("c001 0014 00000011 0005000c c0000201 00000000").code,
            ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(
      error_of<AddIpAddressParameter>("c001 0018 00000011 00060010 00000000 00000000 00000000")
          .code,
      ParseErrorCode::kTruncated);
}

TEST(ParseAddressParameter, Direct) {
  const auto v6 = from_hex("00060014 20010db8 00000000 00000000 00000001");
  auto a = parse_address_parameter(v6, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(std::get<Ipv6AddressParameter>(*a).describe(), "2001:db8::1");
  const auto short_header = from_hex("0005");
  auto e = parse_address_parameter(short_header, 3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(e.error().offset, 3u);
}

TEST(ErrorCauseIndicationParameter, RoundTripAndCauses) {
  const auto causes = from_hex("00010008 00050000 00030008 00000001");
  const ErrorCauseIndicationParameter e{4, causes};
  expect_round_trip(e, "c003 0018 00000004 00010008 00050000 00030008 00000001");
  EXPECT_EQ(e.causes().count(), 2u);
  EXPECT_EQ(e.describe(), "corr_id=4 causes=[1,3]");
  expect_round_trip(ErrorCauseIndicationParameter{9, {}}, "c003 0008 00000009");
}

TEST(ErrorCauseIndicationParameter, LastCausePaddingMayBeMissing) {
  const auto bytes = from_hex("c003 000d 00000004 00050005 aa 000000");
  auto e = ErrorCauseIndicationParameter::parse(only_item(bytes));
  ASSERT_TRUE(e.ok()) << to_string(e.error());
  EXPECT_EQ(to_hex(e->error_causes), "00050005aa");
  EXPECT_EQ(to_hex(encode(*e)), "c003000d0000000400050005aa000000");
}

TEST(ErrorCauseIndicationParameter, Malformed) {
  EXPECT_EQ(error_of<ErrorCauseIndicationParameter>("c003 0006 0000 0000").code,
            ParseErrorCode::kTruncated);
  const auto overrun = error_of<ErrorCauseIndicationParameter>("c003 000c 00000004 00010010");
  EXPECT_EQ(overrun.code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(overrun.offset, 8u);
  EXPECT_EQ(error_of<ErrorCauseIndicationParameter>("c003 000c 00000004 00010002").code,
            ParseErrorCode::kBadLength);
}

TEST(SuccessIndicationParameter, RoundTripAndLengths) {
  expect_round_trip(SuccessIndicationParameter{5}, "c005 0008 00000005");
  EXPECT_EQ(SuccessIndicationParameter{5}.describe(), "corr_id=5");
  EXPECT_EQ(error_of<SuccessIndicationParameter>("c005 0004").code, ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<SuccessIndicationParameter>("c005 000c 00000005 00000000").code,
            ParseErrorCode::kLengthMismatch);
}

}  // namespace
}  // namespace sctps::wire
