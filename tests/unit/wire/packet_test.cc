#include "wire/packet.h"

#include <gtest/gtest.h>

#include <string>

#include "support/hex.h"
#include "support/json.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/data_chunk.h"

namespace sctps::wire {
namespace {

using test::from_hex;

std::vector<std::uint8_t> poc_packet(std::size_t i) {
  const auto json =
      test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/poc-capture-packets.json");
  return from_hex(json["packets"][i]["hex"].str());
}

TEST(CommonHeader, RejectsShortPacket) {
  const std::vector<std::uint8_t> b(11, 0);
  auto h = CommonHeader::parse(b);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ParseErrorCode::kTruncated);
}

TEST(PacketView, PocInitDecodesAndVerifies) {
  const auto bytes = poc_packet(0);
  ASSERT_TRUE(verify_sctp_checksum(bytes));
  auto p = PacketView::parse(bytes);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  EXPECT_EQ(p->header().source_port, 1001);
  EXPECT_EQ(p->header().destination_port, 2001);
  EXPECT_EQ(p->header().verification_tag, VerificationTag(0));
  EXPECT_EQ(p->header().checksum, 0xdc166f97u);
  ASSERT_EQ(p->chunk_count(), 1u);
  EXPECT_EQ(p->first_chunk().type, chunk_type::kInit);
  EXPECT_EQ(p->first_chunk().length(), 0x24);
}

TEST(PacketView, PocUnknownChunkF8) {
  for (std::size_t i : {1u, 2u}) {
    const auto bytes = poc_packet(i);
    ASSERT_TRUE(verify_sctp_checksum(bytes)) << i;
    auto p = PacketView::parse(bytes);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->chunk_count(), 1u);
    const ChunkView& c = p->first_chunk();
    EXPECT_EQ(c.type, 0xF8);
    EXPECT_EQ(c.flags, i == 1 ? 0 : 1);
    EXPECT_EQ(c.length(), 49);
    EXPECT_EQ(c.value.size(), 45u);
    EXPECT_EQ(chunk_type_name(c.type), "unknown");
    EXPECT_EQ(unknown_chunk_action(c.type), UnknownAction::kSkipAndReport);
  }
}

TEST(PacketView, ChecksumDetectsEveryFlippedBit) {
  auto bytes = poc_packet(0);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(verify_sctp_checksum(bytes)) << bit;
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
  EXPECT_TRUE(verify_sctp_checksum(bytes));
}

TEST(PacketView, FramingErrors) {
  const std::vector<std::uint8_t> header_only(12, 0);
  EXPECT_EQ(PacketView::parse(header_only).error().code, ParseErrorCode::kNoChunks);

  auto short_chunk = from_hex("000100020000000000000000 00000003");
  EXPECT_EQ(PacketView::parse(short_chunk).error().code, ParseErrorCode::kChunkTooShort);

  auto overrun = from_hex("000100020000000000000000 00000014 00000000");
  auto r = PacketView::parse(overrun);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(r.error().offset, 12u);

  auto trailing = from_hex("000100020000000000000000 0b000004 0000");
  EXPECT_EQ(PacketView::parse(trailing).error().code, ParseErrorCode::kTrailingBytes);
}

TEST(PacketView, LastChunkPaddingMayBeMissing) {
  auto bytes = from_hex("000100020000000000000000 0b000004 00030011 00000001 00000000 00000000 61");
  auto p = PacketView::parse(bytes);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  EXPECT_EQ(p->chunk_count(), 2u);
}

TEST(DataChunk, RoundTrip) {
  const std::vector<std::uint8_t> payload{'h', 'e', 'l', 'l', 'o'};
  DataChunk d;
  d.tsn = Tsn(0xfffffffe);
  d.stream_id = StreamId(7);
  d.ssn = Ssn(9);
  d.ppid = Ppid(4242);
  d.payload = payload;
  d.unordered = true;
  d.immediate_sack = true;
  std::vector<std::uint8_t> buf(64);
  ByteWriter w(buf);
  d.encode(w);
  ASSERT_FALSE(w.overflowed());
  EXPECT_EQ(w.size(), padded4(d.encoded_size()));
  EXPECT_EQ(test::to_hex(w.written()), "000f0015fffffffe000700090000109268656c6c6f000000");
  auto region = ChunkRegion::parse(w.written(), 0);
  ASSERT_TRUE(region.ok());
  auto back = DataChunk::parse(*region->begin());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
}

TEST(DataChunk, EmptyPayloadIsNoUserData) {
  auto bytes = from_hex("00030010 00000001 00000000 00000000");
  auto region = ChunkRegion::parse(bytes, 0);
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(DataChunk::parse(*region->begin()).error().code, ParseErrorCode::kNoUserData);
}

TEST(Crc32c, HardwareMatchesPortable) {
  std::vector<std::uint8_t> data(70000);
  std::uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  // RFC 3720 B.4 check value for "123456789".
  const std::string check = "123456789";
  const Bytes cb(reinterpret_cast<const std::uint8_t*>(check.data()), check.size());
  EXPECT_EQ(crc32c_extend_portable(0, cb), 0xE3069283u);
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  EXPECT_EQ(crc32c_extend_hardware(0, cb), 0xE3069283u);
  for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 1200u, 65536u, 70000u}) {
    for (std::size_t off : {0u, 1u, 3u}) {
      if (off + len > data.size()) continue;
      const Bytes s(data.data() + off, len);
      EXPECT_EQ(crc32c_extend_hardware(0, s), crc32c_extend_portable(0, s)) << len << "+" << off;
    }
  }
  // Extending in pieces equals one pass.
  const Bytes all(data.data(), 5000);
  EXPECT_EQ(crc32c_extend(crc32c(all.first(1234)), all.subspan(1234)), crc32c(all));
}

}  // namespace
}  // namespace sctps::wire
