#include "wire/init_chunk.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "support/hex.h"
#include "support/json.h"
#include "support/wire_test_util.h"
#include "wire/packet.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;

using test_util::encode;
using test_util::view_of;

// Supported Address Types (12) listing IPv4 (5): 6 bytes, the last item so left unpadded.
const std::vector<std::uint8_t> kParams = from_hex("000c0006 0005");

InitChunk sample_init() {
  InitChunk c;
  c.initiate_tag = VerificationTag(0x01020304);
  c.a_rwnd = 65536;
  c.outbound_streams = 10;
  c.inbound_streams = 0xffff;
  c.initial_tsn = Tsn(0xfffffffe);
  c.parameters = kParams;
  return c;
}

TEST(InitChunk, EncodesByteExact) {
  // Type 1, flags 0, length 20 + 6 = 26, fields in order, then 2 bytes of chunk padding.
  EXPECT_EQ(to_hex(encode(sample_init())),
            "0100001a"
            "01020304"
            "00010000"
            "000affff"
            "fffffffe"
            "000c00060005"
            "0000");
}

TEST(InitChunk, RoundTrip) {
  const InitChunk c = sample_init();
  const auto bytes = encode(c);
  auto back = InitChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->initiate_tag, VerificationTag(0x01020304));
  EXPECT_EQ(back->a_rwnd, 65536u);
  EXPECT_EQ(back->outbound_streams, 10);
  EXPECT_EQ(back->inbound_streams, 0xffff);
  EXPECT_EQ(back->initial_tsn, Tsn(0xfffffffe));
  EXPECT_EQ(to_hex(back->parameters), "000c00060005");
  EXPECT_EQ(back->parameter_block().count(), 1u);
}

TEST(InitAckChunk, EncodesByteExactAndRoundTrips) {
  InitAckChunk c;
  c.initiate_tag = VerificationTag(0xa0b0c0d0);
  c.a_rwnd = 1500;
  c.outbound_streams = 1;
  c.inbound_streams = 2;
  c.initial_tsn = Tsn(7);
  // State Cookie (7) with a 1-byte cookie, padded, then ECN Capable (0x8000), last and empty.
  const auto params = from_hex("00070005 aa000000 80000004");
  c.parameters = params;
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "02000020"
            "a0b0c0d0"
            "000005dc"
            "00010002"
            "00000007"
            "00070005aa000000"
            "80000004");
  auto back = InitAckChunk::parse(view_of(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, c);
  const TlvBlock block = back->parameter_block();
  ASSERT_EQ(block.count(), 2u);
  auto it = block.begin();
  EXPECT_EQ(it->type, 7);
  EXPECT_EQ(to_hex(it->value), "aa");
  ++it;
  EXPECT_EQ(it->type, 0x8000);
  EXPECT_TRUE(it->value.empty());
}

TEST(InitChunk, NoParameters) {
  const auto bytes = from_hex("01000014 00000001 00001000 00020003 00000009");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_TRUE(c->parameters.empty());
  EXPECT_TRUE(c->parameter_block().empty());
  EXPECT_EQ(to_hex(encode(*c)), to_hex(bytes));
}

TEST(InitChunk, FlagsIgnoredAndRoundTripStable) {
  const auto bytes = from_hex("01ff0014 00000001 00001000 00020003 00000009");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_TRUE(c.ok());
  const auto again = encode(*c);
  EXPECT_EQ(to_hex(again), "0100001400000001000010000002000300000009");
  auto back = InitChunk::parse(view_of(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *c);
}

TEST(InitChunk, Truncated) {
  const auto bytes = from_hex("01000013 00000001 00001000 00020003 000000");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(InitAckChunk::parse(view_of(from_hex("02000004"))).error().code,
            ParseErrorCode::kTruncated);
}

TEST(InitChunk, ParameterOverrun) {
  // The parameter claims 16 bytes; only 4 are in the chunk.
  const auto bytes = from_hex("01000018 00000001 00001000 00020003 00000009 00050010");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(c.error().offset, 20u);
}

TEST(InitChunk, ParameterLengthBelowHeader) {
  // Second parameter has length 2; offsets are packet-relative (chunk at 12).
  const auto bytes = from_hex("0100001c 00000001 00001000 00020003 00000009 80000004 00090002");
  auto c = InitChunk::parse(view_of(bytes, 12));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(c.error().offset, 12u + 24u);
}

TEST(InitChunk, PartialParameterHeader) {
  const auto bytes = from_hex("01000016 00000001 00001000 00020003 00000009 0005");
  EXPECT_EQ(InitChunk::parse(view_of(bytes)).error().code, ParseErrorCode::kParameterOverrun);
}

TEST(InitChunk, LastParameterPaddingMayBeCountedOrNot) {
  // Same parameter with its padding inside the chunk length: accepted (RFC 9260 §3.2).
  const auto bytes = from_hex("0100001c 00000001 00001000 00020003 00000009 000c0006 00050000");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->parameter_block().count(), 1u);
  EXPECT_EQ(to_hex(encode(*c)), to_hex(bytes));
}

TEST(InitChunk, MissingChunkPaddingAccepted) {
  // Last chunk in a packet: its padding may be absent from the buffer.
  const auto bytes = from_hex("0100001a 00000001 00001000 00020003 00000009 000c0006 0005");
  auto c = InitChunk::parse(view_of(bytes));
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(to_hex(c->parameters), "000c00060005");
}

TEST(InitChunk, OversizeParametersRefused) {
  InitChunk c = sample_init();
  const std::vector<std::uint8_t> big(InitFields::kMaxParametersSize + 1, 0);
  c.parameters = big;
  std::vector<std::uint8_t> buf(70000);
  ByteWriter w(buf);
  c.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);

  // The maximum itself still encodes with a correct length.
  const std::vector<std::uint8_t> max(InitFields::kMaxParametersSize, 0);
  c.parameters = max;
  ByteWriter w2(buf);
  c.encode(w2);
  ASSERT_FALSE(w2.overflowed());
  EXPECT_EQ(load_be16(buf.data() + 2), 0xffff);
}

TEST(InitChunk, Describe) {
  const auto params = from_hex("00090008 00000000 80050008 00010002 43210004");
  InitChunk c = sample_init();
  c.parameters = params;
  EXPECT_EQ(c.describe(),
            "initiate_tag=0x01020304 a_rwnd=65536 os=10 mis=65535 initial_tsn=4294967294 "
            "params=[Cookie Preservative, Padding, 0x4321]");
}

TEST(InitChunk, PocCaptureInit) {
  const auto json =
      test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/poc-capture-packets.json");
  const auto packet = from_hex(json["packets"][0]["hex"].str());
  auto p = PacketView::parse(packet);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  const ChunkView& chunk = p->first_chunk();
  ASSERT_EQ(chunk.type, InitChunk::kType);
  auto c = InitChunk::parse(chunk);
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->initiate_tag, VerificationTag(0x0163902c));
  EXPECT_EQ(c->a_rwnd, 16384u);
  EXPECT_EQ(c->outbound_streams, 2);
  EXPECT_EQ(c->inbound_streams, 2);
  EXPECT_EQ(c->initial_tsn, Tsn(23302188));
  const TlvBlock block = c->parameter_block();
  ASSERT_EQ(block.count(), 2u);
  auto it = block.begin();
  EXPECT_EQ(it->type, parameter_type::kCookiePreservative);
  EXPECT_EQ(it->value.size(), 4u);
  ++it;
  EXPECT_EQ(it->type, 0x8005);
  EXPECT_EQ(to_hex(it->value), "00010002");
  EXPECT_EQ(to_hex(encode(*c)), to_hex(chunk.whole));
}

}  // namespace
}  // namespace sctps::wire
