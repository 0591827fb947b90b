#include "wire/reconfig_chunk.h"

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

// RFC 6525 §4.1 Outgoing SSN Reset Request without streams: request seq 1, response seq 0, last
// TSN 5.
const char* const kOutgoingNoStreams = "000d0010 00000001 00000000 00000005";

TEST(ReconfigChunk, OneParameter) {
  const auto params = from_hex(kOutgoingNoStreams);
  ReconfigChunk c;
  c.parameters = params;
  EXPECT_EQ(c.encoded_size(), 20u);
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "82000014"
            "000d0010"
            "00000001"
            "00000000"
            "00000005");
  auto back = ReconfigChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, c);
  ASSERT_EQ(back->parameter_block().count(), 1u);
  EXPECT_EQ(back->parameter_block().begin()->type, parameter_type::kOutgoingSsnResetRequest);
  EXPECT_EQ(back->describe(), "params=[Outgoing SSN Reset Request/16]");
}

TEST(ReconfigChunk, TwoParametersInnerPaddingCountedLastNot) {
  // Outgoing request with one stream (length 18, padded to 20) and incoming request with one
  // stream (length 10): chunk length 4 + 20 + 10 = 34, then 2 bytes of chunk padding.
  const auto bytes =
      from_hex("82000022 000d0012 00000001 00000000 00000005 00070000 000e000a 00000002 00070000");
  auto c = ReconfigChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->parameters.size(), 30u);
  EXPECT_EQ(c->parameter_block().count(), 2u);
  EXPECT_EQ(c->describe(), "params=[Outgoing SSN Reset Request/18, Incoming SSN Reset Request/10]");
  EXPECT_EQ(encode(*c), bytes);
}

TEST(ReconfigChunk, EncoderDropsPaddingOfLastParameter) {
  // As encode_tlv would produce it: padded to 12.
  const auto params = from_hex("000e000a 00000002 00070000");
  ReconfigChunk c;
  c.parameters = params;
  EXPECT_EQ(c.encoded_size(), 14u);
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "8200000e"
            "000e000a"
            "00000002"
            "00070000");
  auto back = ReconfigChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->parameters.size(), 10u);
  EXPECT_EQ(*back, c);  // equality ignores that padding too
}

TEST(ReconfigChunk, ParameterCount) {
  auto none = ReconfigChunk::parse(first_chunk(from_hex("82000004")));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ParseErrorCode::kInvalidValue);
  auto three = ReconfigChunk::parse(
      first_chunk(from_hex("8200001c 00100008 00000001 00100008 00000002 00100008 00000003")));
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error().code, ParseErrorCode::kInvalidValue);
}

TEST(ReconfigChunk, NestedFramingErrors) {
  // Parameter claims 16 bytes, 8 remain. The chunk starts at packet offset 12.
  auto overrun = ReconfigChunk::parse(first_chunk(from_hex("8200000c 000d0010 00000001"), 12));
  ASSERT_FALSE(overrun.ok());
  EXPECT_EQ(overrun.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(overrun.error().offset, 16u);

  auto tiny = ReconfigChunk::parse(first_chunk(from_hex("82000010 00100008 00000001 000d0002")));
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(tiny.error().offset, 12u);

  auto stub = ReconfigChunk::parse(first_chunk(from_hex("82000007 000d00 00")));
  ASSERT_FALSE(stub.ok());
  EXPECT_EQ(stub.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(stub.error().offset, 4u);
}

TEST(ReconfigChunk, FlagsIgnored) {
  auto bytes = from_hex("82ff0014");
  const auto params = from_hex(kOutgoingNoStreams);
  bytes.insert(bytes.end(), params.begin(), params.end());
  auto c = ReconfigChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(to_hex(encode(*c)),
            "82000014"
            "000d0010"
            "00000001"
            "00000000"
            "00000005");
}

TEST(ReconfigChunk, LengthLimit) {
  std::vector<std::uint8_t> params(0x10000, 0);
  store_be16(params.data(), 0x000d);
  store_be16(params.data() + 2, 0xfffc);  // 65532 + 4 header > 65535
  ReconfigChunk c;
  c.parameters = Bytes(params).first(0xfffc);
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  c.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
  store_be16(params.data() + 2, 0xfffb);
  c.parameters = Bytes(params).first(0xfffb);
  ByteWriter w2(buf);
  c.encode(w2);
  ASSERT_FALSE(w2.overflowed());
  EXPECT_EQ(to_hex(w2.written().first(4)), "8200ffff");
}

}  // namespace
}  // namespace sctps::wire
