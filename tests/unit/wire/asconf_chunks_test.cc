#include "wire/asconf_chunks.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"
#include "wire/chunk_type.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;
using test_util::first_chunk;

// IPv4 Address Parameter 192.0.2.1, and an Add IP Address request (RFC 5061 §4.2.1) with
// correlation id 1 adding 192.0.2.2.
const char* const kIpv4 = "00050008 c0000201";
const char* const kAddIp = "c0010010 00000001 00050008 c0000202";

TEST(AsconfChunk, EncodesByHandDerivedBytes) {
  const auto address = from_hex(kIpv4);
  const auto params = from_hex(kAddIp);
  AsconfChunk c;
  c.serial = AsconfSerial(0x11223344);
  c.address_parameter = address;
  c.parameters = params;
  EXPECT_EQ(c.encoded_size(), 32u);
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "c1000020"
            "11223344"
            "00050008"
            "c0000201"
            "c0010010"
            "00000001"
            "00050008"
            "c0000202");
  auto back = AsconfChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->serial, AsconfSerial(0x11223344));
  EXPECT_EQ(to_hex(back->address_parameter), "00050008c0000201");
  ASSERT_EQ(back->parameter_block().count(), 1u);
  EXPECT_EQ(back->parameter_block().begin()->type, parameter_type::kAddIpAddress);
  EXPECT_EQ(back->describe(), "serial=287454020 address=192.0.2.1 params=[Add IP Address/16]");
}

TEST(AsconfChunk, Ipv6AddressWithoutParameters) {
  const auto bytes = from_hex("c100001c 00000001 00060014 20010db8 00000000 00000000 00000001");
  auto c = AsconfChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->address_parameter.size(), 20u);
  EXPECT_TRUE(c->parameters.empty());
  EXPECT_TRUE(c->parameter_block().empty());
  EXPECT_EQ(c->describe(), "serial=1 address=2001:db8:0:0:0:0:0:1 params=[]");
  EXPECT_EQ(encode(*c), bytes);
}

TEST(AsconfChunk, FlagsIgnoredAndLastPaddingDropped) {
  // Two parameters, the last one (a 5-byte Adaptation Layer-like item) padded by the caller.
  const auto address = from_hex(kIpv4);
  const auto params = from_hex("c0050008 00000007 c0060009 00000001 ff000000");
  AsconfChunk c;
  c.serial = AsconfSerial(2);
  c.address_parameter = address;
  c.parameters = params;
  EXPECT_EQ(c.encoded_size(), 8u + 8u + 8u + 9u);
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "c1000021"
            "00000002"
            "00050008"
            "c0000201"
            "c0050008"
            "00000007"
            "c0060009"
            "00000001"
            "ff000000");
  auto flagged = bytes;
  flagged[1] = 0xff;
  auto back = AsconfChunk::parse(first_chunk(flagged));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(encode(*back), bytes);
}

TEST(AsconfChunk, Malformed) {
  auto too_short = AsconfChunk::parse(first_chunk(from_hex("c1000007 000000 00")));
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().code, ParseErrorCode::kTruncated);

  auto no_address = AsconfChunk::parse(first_chunk(from_hex("c1000008 00000001")));
  ASSERT_FALSE(no_address.ok());
  EXPECT_EQ(no_address.error().code, ParseErrorCode::kTruncated);

  // Host Name Address (11) is not allowed as the ASCONF address.
  auto wrong_type =
      AsconfChunk::parse(first_chunk(from_hex("c1000010 00000001 000b0008 41424300"), 12));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code, ParseErrorCode::kInvalidValue);
  EXPECT_EQ(wrong_type.error().offset, 20u);

  auto long_v4 =
      AsconfChunk::parse(first_chunk(from_hex("c1000014 00000001 0005000c c0000201 00000000")));
  ASSERT_FALSE(long_v4.ok());
  EXPECT_EQ(long_v4.error().code, ParseErrorCode::kLengthMismatch);

  auto short_v6 =
      AsconfChunk::parse(first_chunk(from_hex("c1000014 00000001 0006000c 20010db8 00000000")));
  ASSERT_FALSE(short_v6.ok());
  EXPECT_EQ(short_v6.error().code, ParseErrorCode::kLengthMismatch);

  auto overrun = AsconfChunk::parse(
      first_chunk(from_hex("c1000018 00000001 00050008 c0000201 c0010010 00000001")));
  ASSERT_FALSE(overrun.ok());
  EXPECT_EQ(overrun.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(overrun.error().offset, 16u);

  auto bad_len = AsconfChunk::parse(first_chunk(from_hex("c100000c 00000001 00050003")));
  ASSERT_FALSE(bad_len.ok());
  EXPECT_EQ(bad_len.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(bad_len.error().offset, 8u);
}

TEST(AsconfAckChunk, EmptyAndWithResponses) {
  AsconfAckChunk empty;
  empty.serial = AsconfSerial(5);
  EXPECT_EQ(to_hex(encode(empty)),
            "80000008"
            "00000005");
  const auto empty_bytes = from_hex("80000008 00000005");
  auto e = AsconfAckChunk::parse(first_chunk(empty_bytes));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, empty);
  EXPECT_EQ(e->describe(), "serial=5 params=[]");

  // Success Indication (RFC 5061 §4.2.5) for correlation id 1.
  const auto params = from_hex("c0050008 00000001");
  AsconfAckChunk ack;
  ack.serial = AsconfSerial(7);
  ack.parameters = params;
  const auto bytes = encode(ack);
  EXPECT_EQ(to_hex(bytes),
            "80000010"
            "00000007"
            "c0050008"
            "00000001");
  auto back = AsconfAckChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ack);
  EXPECT_EQ(back->parameter_block().count(), 1u);
  EXPECT_EQ(back->describe(), "serial=7 params=[Success Indication/8]");
}

TEST(AsconfAckChunk, Malformed) {
  auto too_short = AsconfAckChunk::parse(first_chunk(from_hex("80000006 0000 0000")));
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().code, ParseErrorCode::kTruncated);

  auto overrun = AsconfAckChunk::parse(first_chunk(from_hex("8000000c 00000001 c0050010")));
  ASSERT_FALSE(overrun.ok());
  EXPECT_EQ(overrun.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(overrun.error().offset, 8u);
}

TEST(AsconfChunks, LengthLimit) {
  std::vector<std::uint8_t> params(0x10000, 0);
  store_be16(params.data(), 0xc005);
  store_be16(params.data() + 2, 0xfff8);  // 8 + 65528 > 65535
  AsconfAckChunk ack;
  ack.parameters = Bytes(params).first(0xfff8);
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  ack.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);

  const auto address = from_hex(kIpv4);
  AsconfChunk c;
  c.address_parameter = address;
  store_be16(params.data() + 2, 0xfff0);  // 8 + 8 + 65520 > 65535
  c.parameters = Bytes(params).first(0xfff0);
  ByteWriter w2(buf);
  c.encode(w2);
  EXPECT_TRUE(w2.overflowed());
  store_be16(params.data() + 2, 0xffef);  // exactly 65535
  c.parameters = Bytes(params).first(0xffef);
  ByteWriter w3(buf);
  c.encode(w3);
  ASSERT_FALSE(w3.overflowed());
  EXPECT_EQ(to_hex(w3.written().first(4)), "c100ffff");
}

}  // namespace
}  // namespace sctps::wire
