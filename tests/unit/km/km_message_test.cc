#include "km/km_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace sctps::km {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A TLS record (RFC 8446 §5.1): type, legacy version 0x0303, 16-bit length, fragment.
Bytes record(std::uint8_t type, std::size_t length, std::uint8_t fill = 0xAB) {
  Bytes r = {type, 0x03, 0x03, static_cast<std::uint8_t>(length >> 8),
             static_cast<std::uint8_t>(length)};
  r.insert(r.end(), length, fill);
  return r;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(KmMessage, ParsesTlsRecordsWithEpoch) {
  const Bytes records = concat({record(22, 40), record(23, 3)});
  const Bytes msg = concat({{0x05}, records});
  const auto r = parse_km_message(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message.type, KmMessageType::kTlsRecords);
  EXPECT_EQ(r.message.epoch, 5);
  EXPECT_EQ(Bytes(r.message.tls_records.begin(), r.message.tls_records.end()), records);
  // The records are a view of the input, after the header byte.
  EXPECT_EQ(r.message.tls_records.data(), msg.data() + 1);
}

TEST(KmMessage, AcceptsEveryTls13ContentTypeAndEmptyAndMaximalRecords) {
  for (std::uint8_t type : {20, 21, 22, 23}) {
    EXPECT_TRUE(parse_km_message(concat({{0x03}, record(type, 1)})).ok()) << int{type};
  }
  EXPECT_TRUE(parse_km_message(concat({{0x03}, record(22, 0)})).ok());
  EXPECT_TRUE(parse_km_message(concat({{0x03}, record(23, 16384 + 256)})).ok());
}

TEST(KmMessage, ParsesProtectionEstablished) {
  const auto r = parse_km_message(Bytes{0x83, 0x01});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message.type, KmMessageType::kControl);
  EXPECT_EQ(r.message.control, ControlType::kProtectionEstablished);
  EXPECT_EQ(r.message.epoch, 3);
  EXPECT_TRUE(r.message.tls_records.empty());
}

TEST(KmMessage, EpochIsSevenBits) {
  EXPECT_EQ(parse_km_message(Bytes{0xFF, 0x01}).message.epoch, 127);
  EXPECT_EQ(parse_km_message(Bytes{0x80, 0x01}).message.epoch, 0);
  EXPECT_EQ(parse_km_message(concat({{0x7F}, record(22, 1)})).message.epoch, 127);
  EXPECT_EQ(parse_km_message(concat({{0x7F}, record(22, 1)})).message.type,
            KmMessageType::kTlsRecords);
}

struct BadCase {
  Bytes message;
  KmMessageError error;
  std::size_t offset;
};

TEST(KmMessage, RejectsMalformedMessagesWithTypedErrors) {
  const Bytes two = concat({record(22, 4), record(21, 2)});
  const std::vector<BadCase> cases = {
      {{}, KmMessageError::kEmpty, 0},
      {{0x03}, KmMessageError::kNoTlsRecords, 1},
      {{0x03, 22, 3, 3, 0}, KmMessageError::kTruncatedRecord, 1},           // header cut short
      {{0x03, 22, 3, 3, 0, 2, 0xAA}, KmMessageError::kTruncatedRecord, 1},  // fragment cut
      // The second record is cut: the offset points at it.
      {concat({{0x03}, Bytes(two.begin(), two.end() - 1)}), KmMessageError::kTruncatedRecord, 10},
      {concat({{0x03}, record(24, 1)}), KmMessageError::kBadRecordType, 1},
      {concat({{0x03}, record(19, 1)}), KmMessageError::kBadRecordType, 1},
      {concat({{0x03}, record(23, 16384 + 257)}), KmMessageError::kRecordTooLong, 4},
      {{0x83}, KmMessageError::kNoControlType, 1},
      {{0x83, 0x00}, KmMessageError::kUnknownControlType, 1},
      {{0x83, 0x02}, KmMessageError::kUnknownControlType, 1},
      {{0x83, 0x01, 0x00}, KmMessageError::kUnexpectedControlData, 2},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto r = parse_km_message(cases[i].message);
    ASSERT_FALSE(r.ok()) << "case " << i;
    EXPECT_EQ(*r.error, cases[i].error) << "case " << i << ": " << to_string(*r.error);
    EXPECT_EQ(r.error_offset, cases[i].offset) << "case " << i;
    EXPECT_FALSE(to_string(*r.error).empty());
  }
}

TEST(KmMessage, EncodesHeaderByteFromLowSevenEpochBits) {
  Bytes out;
  encode_protection_established(4, out);
  EXPECT_EQ(out, (Bytes{0x84, 0x01}));
  out.clear();
  encode_protection_established(128 + 3, out);  // epoch 131 carries bits 3
  EXPECT_EQ(out, (Bytes{0x83, 0x01}));
  EXPECT_EQ(km_header(KmMessageType::kTlsRecords, 130), 0x02);
  EXPECT_EQ(km_header(KmMessageType::kControl, 127), 0xFF);
}

TEST(KmMessage, EncodeThenParseRoundTrips) {
  const Bytes records = concat({record(22, 100, 0x11), record(22, 7, 0x22)});
  Bytes out = {0xEE};  // encoders append
  encode_tls_records(3 + 125, records, out);
  ASSERT_EQ(out.size(), 2 + records.size());
  EXPECT_EQ(out[0], 0xEE);
  EXPECT_EQ(out[1], 0x00);  // epoch 128 -> bits 0
  const auto r = parse_km_message(wire::Bytes(out).subspan(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Bytes(r.message.tls_records.begin(), r.message.tls_records.end()), records);
}

}  // namespace
}  // namespace sctps::km
