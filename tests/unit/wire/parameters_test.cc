#include "wire/parameters.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/hex.h"
#include "support/json.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;

std::vector<std::uint8_t> poc_packet(std::size_t i) {
  const auto json =
      test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/poc-capture-packets.json");
  return from_hex(json["packets"][i]["hex"].str());
}

std::vector<Parameter> parse_all(Bytes block_bytes) {
  std::vector<Parameter> out;
  auto block = TlvBlock::parse(block_bytes);
  if (!block.ok()) {
    ADD_FAILURE() << to_string(block.error());
    return out;
  }
  for (const TlvView& v : *block) {
    auto p = parse_parameter(v);
    if (!p.ok()) {
      ADD_FAILURE() << to_string(p.error());
      continue;
    }
    out.push_back(*p);
  }
  return out;
}

TEST(Parameters, PocInitParameters) {
  const auto packet = poc_packet(0);
  // Common header 12 bytes, INIT chunk header + fixed part 20 bytes, chunk length 0x24.
  ASSERT_EQ(packet.size(), 48u);
  ASSERT_EQ(packet[12], chunk_type::kInit);
  ASSERT_EQ(load_be16(packet.data() + 14), 0x24);
  const Bytes params(packet.data() + 12 + 20, packet.size() - 12 - 20);
  const auto list = parse_all(params);
  ASSERT_EQ(list.size(), 2u);

  ASSERT_TRUE(std::holds_alternative<CookiePreservativeParameter>(list[0]));
  EXPECT_EQ(std::get<CookiePreservativeParameter>(list[0]).increment_ms, 0u);
  EXPECT_EQ(describe_parameter(list[0]), "Cookie Preservative increment_ms=0");

  // 0x8005 is Padding (RFC 4820 §3); the POC used it as an early DTLS Key Management code point.
  ASSERT_TRUE(std::holds_alternative<PaddingParameter>(list[1]));
  EXPECT_EQ(to_hex(std::get<PaddingParameter>(list[1]).padding), "00010002");
  EXPECT_EQ(parameter_type_of(list[1]), 0x8005);
  EXPECT_EQ(describe_parameter(list[1]), "Padding len=4");
  EXPECT_EQ(unknown_parameter_action(0x8005), UnknownAction::kSkip);

  // Re-encoding the decoded list reproduces the captured bytes.
  std::vector<std::uint8_t> buf(parameters_encoded_size(list));
  auto out = encode_parameters(buf, list);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(to_hex(*out), to_hex(params));
}

// Storage for the variable parts of the sample parameters.
const auto kCookie = from_hex("0102030405");
const auto kUnrecognized = from_hex("12340005 ab");
const auto kHostName = from_hex("6578616d706c652e636f6d00");
const auto kPadding = from_hex("000000");
const auto kExtensions = from_hex("82c0c141");
const auto kHbInfo = from_hex("deadbeef");
const auto kV4 = from_hex("00050008 c0000201");
const auto kV6 = from_hex("00060014 20010db8 00000000 00000000 00000001");
const auto kCauses = from_hex("00010008 00050000");
const auto kUnknownValue = from_hex("010203");

std::vector<Parameter> one_of_each() {
  DtlsKeyManagementParameter km;
  km.tie_breaker = 0xcafef00d;
  km.restart = true;
  km.server = true;
  km.methods = {dtls_km_method::kTls13, dtls_km_method::kPreSharedKeys};
  OutgoingSsnResetRequestParameter out;
  out.request_seq = ReconfigRequestSeq(1);
  out.response_seq = ReconfigRequestSeq(2);
  out.sender_last_tsn = Tsn(3);
  out.streams = {StreamId(4)};
  IncomingSsnResetRequestParameter in;
  in.request_seq = ReconfigRequestSeq(5);
  in.streams = {StreamId(6), StreamId(7)};
  ReconfigurationResponseParameter resp;
  resp.response_seq = ReconfigRequestSeq(8);
  resp.result = reconfig_result::kDenied;
  resp.next_tsns = ReconfigurationResponseParameter::NextTsns{Tsn(9), Tsn(10)};
  AddOutgoingStreamsRequestParameter add_out;
  add_out.request_seq = ReconfigRequestSeq(11);
  add_out.new_streams = 12;
  AddIncomingStreamsRequestParameter add_in;
  add_in.request_seq = ReconfigRequestSeq(13);
  add_in.new_streams = 14;
  return {
      Ipv4AddressParameter{{192, 0, 2, 1}},
      Ipv6AddressParameter{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      HostNameAddressParameter{kHostName},
      SupportedAddressTypesParameter{{5, 6, 11}},
      StateCookieParameter{kCookie},
      UnrecognizedParameterParameter{kUnrecognized},
      CookiePreservativeParameter{30000},
      EcnCapableParameter{},
      PaddingParameter{kPadding},
      SupportedExtensionsParameter{kExtensions},
      ForwardTsnSupportedParameter{},
      HeartbeatInfoParameter{kHbInfo},
      AdaptationLayerIndicationParameter{0x12345678},
      km,
      out,
      in,
      SsnTsnResetRequestParameter{ReconfigRequestSeq(15)},
      resp,
      add_out,
      add_in,
      AddIpAddressParameter{16, kV4},
      DeleteIpAddressParameter{17, kV6},
      SetPrimaryAddressParameter{18, kV4},
      ErrorCauseIndicationParameter{19, kCauses},
      SuccessIndicationParameter{20},
      UnknownParameter{0xbeef, kUnknownValue},
  };
}

TEST(Parameters, RoundTripEveryType) {
  const auto list = one_of_each();
  ASSERT_EQ(list.size(), std::variant_size_v<Parameter>);
  for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].index(), i);  // all covered

  std::vector<std::uint8_t> buf(parameters_encoded_size(list));
  auto bytes = encode_parameters(buf, list);
  ASSERT_TRUE(bytes.has_value());
  const auto back = parse_all(*bytes);
  ASSERT_EQ(back.size(), list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    SCOPED_TRACE(describe_parameter(list[i]));
    EXPECT_EQ(back[i].index(), list[i].index());
    EXPECT_EQ(back[i], list[i]);
    EXPECT_EQ(parameter_type_of(back[i]), parameter_type_of(list[i]));
    EXPECT_EQ(describe_parameter(back[i]), describe_parameter(list[i]));
  }

  // Each one alone: encode_parameter writes exactly parameter_encoded_size() bytes.
  for (const Parameter& p : list) {
    std::vector<std::uint8_t> one(parameter_encoded_size(p));
    ByteWriter w(one);
    encode_parameter(w, p);
    EXPECT_FALSE(w.overflowed());
    EXPECT_EQ(w.size(), one.size()) << describe_parameter(p);
    EXPECT_EQ(load_be16(one.data()), parameter_type_of(p));
  }
}

std::string encode_one(const Parameter& p) {
  std::vector<std::uint8_t> buf(parameter_encoded_size(p));
  ByteWriter w(buf);
  encode_parameter(w, p);
  EXPECT_FALSE(w.overflowed());
  return to_hex(w.written());
}

TEST(Parameters, ByteExactEncodings) {
  const auto list = one_of_each();
  const char* const expected[] = {
      "00050008 c0000201",
      "00060014 20010db8 00000000 00000000 00000001",
      "000b0010 6578616d 706c652e 636f6d00",
      "000c000a 00050006 000b0000",
      "00070009 01020304 05000000",
      "00080009 12340005 ab000000",
      "00090008 00007530",
      "80000004",
      "80050007 000000 00",
      "80080008 82c0c141",
      "c0000004",
      "00010008 deadbeef",
      "c0060008 12345678",
      "8006000b cafef00d 06c000 00",
      "000d0012 00000001 00000002 00000003 0004 0000",
      "000e000c 00000005 00060007",
      "000f0008 0000000f",
      "00100014 00000008 00000002 00000009 0000000a",
      "0011000c 0000000b 000c0000",
      "0012000c 0000000d 000e0000",
      "c0010010 00000010 00050008 c0000201",
      "c002001c 00000011 00060014 20010db8 00000000 00000000 00000001",
      "c0040010 00000012 00050008 c0000201",
      "c0030010 00000013 00010008 00050000",
      "c0050008 00000014",
      "beef0007 010203 00",
  };
  ASSERT_EQ(std::size(expected), list.size());
  for (std::size_t i = 0; i < list.size(); ++i)
    EXPECT_EQ(encode_one(list[i]), to_hex(from_hex(expected[i]))) << describe_parameter(list[i]);
}

TEST(Parameters, DtlsKeyManagementOneToFiveMethods) {
  // Length 9 + N; padding to 4 bytes is 2, 1, 0, 3, 2 bytes for N = 1..5.
  const struct {
    std::vector<std::uint8_t> methods;
    const char* hex;
  } cases[] = {
      {{192}, "8006000a 00000001 01 c0 0000"},
      {{192, 0}, "8006000b 00000001 01 c000 00"},
      {{192, 0, 7}, "8006000c 00000001 01 c00007"},
      {{192, 0, 7, 8}, "8006000d 00000001 01 c00007 08 000000"},
      {{192, 0, 7, 8, 9}, "8006000e 00000001 01 c00007 0809 0000"},
  };
  for (const auto& c : cases) {
    DtlsKeyManagementParameter km;
    km.tie_breaker = 1;
    km.client = true;
    km.methods = c.methods;
    const Parameter p = km;
    const auto expected = from_hex(c.hex);
    EXPECT_EQ(parameter_encoded_size(p), expected.size());
    EXPECT_EQ(encode_one(p), to_hex(expected));
    const auto back = parse_all(expected);
    ASSERT_EQ(back.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<DtlsKeyManagementParameter>(back[0]));
    const auto& parsed = std::get<DtlsKeyManagementParameter>(back[0]);
    EXPECT_EQ(parsed, km);
    EXPECT_EQ(parsed.wire.size(), 9 + c.methods.size());  // padding excluded
    EXPECT_EQ(to_hex(parsed.downgrade_data()), to_hex(Bytes(expected).first(9 + c.methods.size())));
  }
}

TEST(Parameters, UnknownTypesAreNeverErrors) {
  const auto bytes = from_hex("1234 0004  4321 0005 ff000000  8123 0006 0102 0000  c123 0004");
  const auto list = parse_all(bytes);
  ASSERT_EQ(list.size(), 4u);
  const UnknownAction actions[] = {UnknownAction::kStop, UnknownAction::kStopAndReport,
                                   UnknownAction::kSkip, UnknownAction::kSkipAndReport};
  const std::uint16_t types[] = {0x1234, 0x4321, 0x8123, 0xc123};
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(std::holds_alternative<UnknownParameter>(list[i]));
    const auto& u = std::get<UnknownParameter>(list[i]);
    EXPECT_EQ(u.type, types[i]);
    EXPECT_EQ(u.action(), actions[i]);
    EXPECT_EQ(parameter_type_of(list[i]), types[i]);
  }
  EXPECT_EQ(to_hex(std::get<UnknownParameter>(list[2]).value), "0102");
  EXPECT_EQ(describe_parameter(list[1]), "unknown type=0x4321 len=1 action=stop, discard, report");
  std::vector<std::uint8_t> buf(parameters_encoded_size(list));
  auto out = encode_parameters(buf, list);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(to_hex(*out), to_hex(bytes));
}

TEST(Parameters, MalformedKnownTypeIsAnError) {
  const auto bytes = from_hex("0009 0008 00000000  0009 0006 0000 0000");
  auto block = TlvBlock::parse(bytes);
  ASSERT_TRUE(block.ok());
  auto it = block->begin();
  EXPECT_TRUE(parse_parameter(*it).ok());
  ++it;
  auto bad = parse_parameter(*it);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(bad.error().offset, 8u);
  // A DTLS KM parameter without methods is rejected through the dispatcher as well.
  const auto km = from_hex("80060009 00000001 01000000");
  auto r = parse_parameter(*TlvBlock::parse(km)->begin());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kBadLength);
}

TEST(Parameters, DescribeWithoutDetails) {
  EXPECT_EQ(describe_parameter(EcnCapableParameter{}), "ECN Capable");
  EXPECT_EQ(describe_parameter(ForwardTsnSupportedParameter{}), "Forward-TSN-Supported");
  EXPECT_EQ(describe_parameter(Ipv4AddressParameter{{10, 1, 2, 3}}), "IPv4 Address 10.1.2.3");
}

TEST(EncodeParameters, LastPaddingExcluded) {
  const auto name = from_hex("616200");
  {
    const std::vector<Parameter> list{EcnCapableParameter{}, HostNameAddressParameter{name}};
    std::vector<std::uint8_t> buf(parameters_encoded_size(list));
    EXPECT_EQ(buf.size(), 12u);
    auto out = encode_parameters(buf, list);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(to_hex(*out), "80000004000b0007616200");
  }
  {
    // Padding between parameters stays.
    const std::vector<Parameter> list{HostNameAddressParameter{name}, EcnCapableParameter{}};
    std::vector<std::uint8_t> buf(parameters_encoded_size(list));
    auto out = encode_parameters(buf, list);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(to_hex(*out), "000b00076162000080000004");
  }
  {
    std::vector<std::uint8_t> buf(4);
    auto out = encode_parameters(buf, {});
    ASSERT_TRUE(out.has_value());
    EXPECT_TRUE(out->empty());
  }
}

TEST(EncodeParameters, FailuresGiveNullopt) {
  const std::vector<Parameter> list{CookiePreservativeParameter{1}, EcnCapableParameter{}};
  std::vector<std::uint8_t> small(parameters_encoded_size(list) - 1);
  EXPECT_FALSE(encode_parameters(small, list).has_value());
  DtlsKeyManagementParameter no_methods;
  const std::vector<Parameter> bad{no_methods};
  std::vector<std::uint8_t> buf(64);
  EXPECT_FALSE(encode_parameters(buf, bad).has_value());
}

}  // namespace
}  // namespace sctps::wire
