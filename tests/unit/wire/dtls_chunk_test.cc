#include "wire/dtls_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/hex.h"
#include "support/json.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;
using test_util::first_chunk;

test::Json vectors() {
  return test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/dtls-chunk-vectors.json");
}

std::vector<std::uint8_t> record_0_to(std::size_t n) {
  std::vector<std::uint8_t> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<std::uint8_t>(i);
  return r;
}

TEST(DtlsChunk, FirstVector) {
  const auto json = vectors();
  const auto bytes = from_hex(json["vectors"][0]["dtls_chunk"].str());
  ASSERT_EQ(json["vectors"][0]["epoch"].integer(), 3);
  const ChunkView view = first_chunk(bytes);
  EXPECT_EQ(view.type, DtlsChunk::kType);
  EXPECT_EQ(view.length(), 0x41);
  auto c = DtlsChunk::parse(view);
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->epoch_bits, 3);
  EXPECT_FALSE(c->restart);
  EXPECT_EQ(c->encrypted_sequence, 0x248d);
  EXPECT_EQ(c->encrypted_record.size(), std::size_t{view.length()} - 8);
  EXPECT_EQ(c->encrypted_record.data(), bytes.data() + 8);  // zero copy, 4-byte aligned offset
  // The DTLSCiphertext: unified header, sequence number and record.
  EXPECT_EQ(c->ciphertext.size(), std::size_t{view.length()} - 5);
  EXPECT_EQ(c->ciphertext.data(), bytes.data() + 5);
  EXPECT_EQ(to_hex(c->ciphertext.first(3)), "2b248d");
  EXPECT_EQ(c->describe(), "R=0 epoch_bits=3 seq=0x248d record=57");
  EXPECT_EQ(encode(*c), bytes);
}

TEST(DtlsChunk, AllVectorsParseAndReencode) {
  const auto json = vectors();
  const auto& list = json["vectors"];
  ASSERT_GT(list.size(), 0u);
  bool saw_restart = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto bytes = from_hex(list[i]["dtls_chunk"].str());
    const ChunkView view = first_chunk(bytes);
    auto c = DtlsChunk::parse(view);
    ASSERT_TRUE(c.ok()) << i << ": " << to_string(c.error());
    EXPECT_EQ(c->epoch_bits, list[i]["epoch"].integer() & 3) << i;
    EXPECT_EQ(c->restart, list[i]["restart"].boolean()) << i;
    saw_restart = saw_restart || c->restart;
    EXPECT_EQ(c->encrypted_record.size(), std::size_t{view.length()} - DtlsChunk::kRecordOffset);
    EXPECT_EQ(DtlsChunk::encoded_size_for_record(c->encrypted_record.size()), view.length());
    EXPECT_EQ(encode(*c), bytes) << i;
  }
  EXPECT_TRUE(saw_restart);
}

TEST(DtlsChunk, EncodesByHandDerivedBytes) {
  const auto record = record_0_to(17);
  DtlsChunk c;
  c.restart = true;
  c.epoch_bits = 1;
  c.encrypted_sequence = 0xabcd;
  c.encrypted_record = record;
  EXPECT_EQ(c.encoded_size(), 25u);
  // Length 4 + 1 + 3 + 17 = 25; header byte 0b00101001; 3 bytes of post-padding.
  const auto bytes = encode(c);
  EXPECT_EQ(to_hex(bytes),
            "41010019"
            "0029abcd"
            "00010203"
            "04050607"
            "08090a0b"
            "0c0d0e0f"
            "10000000");
  auto back = DtlsChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->describe(), "R=1 epoch_bits=1 seq=0xabcd record=17");
}

TEST(DtlsChunk, ReservedBitsAndPrePaddingIgnored) {
  // Reserved flags 0xfe set, R clear; pre-padding 0x5a.
  const auto bytes = from_hex("41fe0018 5a2a0001 00010203 04050607 08090a0b 0c0d0e0f");
  auto c = DtlsChunk::parse(first_chunk(bytes));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->restart);
  EXPECT_EQ(c->epoch_bits, 2);
  EXPECT_EQ(c->encrypted_sequence, 1);
  const auto again = encode(*c);
  EXPECT_EQ(to_hex(again),
            "41000018"
            "002a0001"
            "00010203"
            "04050607"
            "08090a0b"
            "0c0d0e0f");
  auto back = DtlsChunk::parse(first_chunk(again));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *c);
}

TEST(DtlsChunk, RejectsOtherHeaderConfigurations) {
  // 0x2c: L=1; 0x38: C=1; 0x20: S=0; 0x48: not 001 in the top bits; 0x00.
  for (const char* h : {"2c", "38", "20", "48", "00", "ff"}) {
    auto bytes =
        from_hex(std::string("41000018 00") + h + "0001 00010203 04050607 08090a0b 0c0d0e0f");
    auto c = DtlsChunk::parse(first_chunk(bytes, 12));
    ASSERT_FALSE(c.ok()) << h;
    EXPECT_EQ(c.error().code, ParseErrorCode::kInvalidValue) << h;
    EXPECT_EQ(c.error().offset, 17u) << h;
  }
}

TEST(DtlsChunk, ShortRecordAndHeaderAreTruncated) {
  auto short_record = DtlsChunk::parse(
      first_chunk(from_hex("41000017 002b0001 00010203 04050607 08090a0b 0c0d0e 00")));
  ASSERT_FALSE(short_record.ok());
  EXPECT_EQ(short_record.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(short_record.error().offset, 8u);

  auto header_only = DtlsChunk::parse(first_chunk(from_hex("41000008 002b0001")));
  ASSERT_FALSE(header_only.ok());
  EXPECT_EQ(header_only.error().code, ParseErrorCode::kTruncated);

  auto short_header = DtlsChunk::parse(first_chunk(from_hex("41000007 002b00 00")));
  ASSERT_FALSE(short_header.ok());
  EXPECT_EQ(short_header.error().code, ParseErrorCode::kTruncated);
  EXPECT_EQ(short_header.error().offset, 0u);
}

TEST(DtlsChunk, EncodeInPlace) {
  std::vector<std::uint8_t> buf(64, 0xEE);
  ByteWriter w(buf);
  w.zeros(12);  // a common header in front
  auto slots = DtlsChunk::encode_in_place(w, false, 7 /* masked to 3 */, 0x0102, 18);
  ASSERT_TRUE(slots.ok());
  ASSERT_FALSE(w.overflowed());
  EXPECT_EQ(w.size(), 12u + 28u);  // 26 rounded up to 28
  ASSERT_EQ(slots.unified_header.size(), 3u);
  ASSERT_EQ(slots.record.size(), 18u);
  EXPECT_EQ(slots.unified_header.data(), buf.data() + 12 + 5);
  EXPECT_EQ(slots.record.data(), buf.data() + 12 + 8);
  EXPECT_TRUE(std::all_of(slots.record.begin(), slots.record.end(), [](auto b) { return b == 0; }));
  EXPECT_EQ(to_hex(slots.unified_header), "2b0102");

  // What a protector does: fill the record, then mask the sequence number.
  const auto record = record_0_to(18);
  std::copy(record.begin(), record.end(), slots.record.begin());
  slots.unified_header[1] ^= 0xf0;
  slots.unified_header[2] ^= 0x0f;

  DtlsChunk expect;
  expect.epoch_bits = 3;
  expect.encrypted_sequence = 0xf10d;
  expect.encrypted_record = record;
  EXPECT_EQ(to_hex(w.written().subspan(12)), to_hex(encode(expect)));
  const std::vector<std::uint8_t> chunk(buf.begin() + 12, buf.begin() + 40);
  auto back = DtlsChunk::parse(first_chunk(chunk));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, expect);
}

TEST(DtlsChunk, EncodeInPlaceRefusesImpossibleSizes) {
  std::vector<std::uint8_t> buf(70000);
  {
    ByteWriter w(buf);
    auto slots = DtlsChunk::encode_in_place(w, true, 3, 0, DtlsChunk::kMaxRecordSize);
    ASSERT_TRUE(slots.ok());
    EXPECT_EQ(to_hex(w.written().first(4)), "4101ffff");
    EXPECT_EQ(w.size(), 65536u);
  }
  {
    ByteWriter w(buf);
    auto slots = DtlsChunk::encode_in_place(w, true, 3, 0, DtlsChunk::kMaxRecordSize + 1);
    EXPECT_FALSE(slots.ok());
    EXPECT_TRUE(w.overflowed());
    EXPECT_EQ(w.size(), 0u);
  }
  {
    ByteWriter w(buf);
    EXPECT_FALSE(DtlsChunk::encode_in_place(w, true, 3, 0, 0).ok());
    EXPECT_TRUE(w.overflowed());
  }
  {
    std::vector<std::uint8_t> small(20);
    ByteWriter w(small);
    EXPECT_FALSE(DtlsChunk::encode_in_place(w, false, 3, 0, 16).ok());
    EXPECT_TRUE(w.overflowed());
  }
  std::vector<std::uint8_t> big(DtlsChunk::kMaxRecordSize + 1);
  DtlsChunk c;
  c.encrypted_record = big;
  ByteWriter w(buf);
  c.encode(w);
  EXPECT_TRUE(w.overflowed());
}

TEST(DtlsChunk, Constants) {
  EXPECT_EQ(DtlsChunk::kOverhead, 8u);
  EXPECT_EQ(DtlsChunk::kMaxOverhead, 11u);
  EXPECT_EQ(DtlsChunk::encoded_size_for_record(57), 65u);
  EXPECT_EQ(DtlsChunk::unified_header_byte(0), 0x28);
  EXPECT_EQ(DtlsChunk::unified_header_byte(3), 0x2b);
  EXPECT_EQ(DtlsChunk::unified_header_byte(6), 0x2a);
}

}  // namespace
}  // namespace sctps::wire
