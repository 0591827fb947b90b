#include "km/km_message.h"

namespace sctps::km {

namespace {

// RFC 8446 §5.1 ContentType values a TLS 1.3 peer may send: change_cipher_spec (20, middlebox
// compatibility only), alert (21), handshake (22), application_data (23).
bool valid_record_type(std::uint8_t type) {
  return type >= 20 && type <= 23;
}

KmParseResult fail(KmMessageError error, std::size_t offset) {
  KmParseResult r;
  r.error = error;
  r.error_offset = offset;
  return r;
}

}  // namespace

std::string_view to_string(KmMessageError error) {
  switch (error) {
    case KmMessageError::kEmpty: return "empty key-management message";
    case KmMessageError::kNoTlsRecords: return "TLS message without records";
    case KmMessageError::kTruncatedRecord: return "truncated TLS record";
    case KmMessageError::kBadRecordType: return "invalid TLS record content type";
    case KmMessageError::kRecordTooLong: return "TLS record longer than 2^14+256";
    case KmMessageError::kNoControlType: return "control message without type";
    case KmMessageError::kUnknownControlType: return "unknown control message type";
    case KmMessageError::kUnexpectedControlData: return "data after Protection Established";
  }
  return "unknown error";
}

KmParseResult parse_km_message(wire::Bytes message) {
  if (message.empty()) return fail(KmMessageError::kEmpty, 0);
  const std::uint8_t header = message[0];
  const wire::Bytes payload = message.subspan(1);

  KmParseResult r;
  r.message.epoch = header & KmMessage::kEpochMask;
  if ((header & KmMessage::kControlBit) != 0) {
    r.message.type = KmMessageType::kControl;
    if (payload.empty()) return fail(KmMessageError::kNoControlType, 1);
    if (payload[0] != static_cast<std::uint8_t>(ControlType::kProtectionEstablished))
      return fail(KmMessageError::kUnknownControlType, 1);
    // §4.1.1: Protection Established has empty control data.
    if (payload.size() != 1) return fail(KmMessageError::kUnexpectedControlData, 2);
    r.message.control = ControlType::kProtectionEstablished;
    return r;
  }

  r.message.type = KmMessageType::kTlsRecords;
  if (payload.empty()) return fail(KmMessageError::kNoTlsRecords, 1);
  // Walk the records: each must lie wholly inside the message (§4: complete records only).
  std::size_t pos = 0;
  while (pos < payload.size()) {
    const auto rec = wire::FixedReader<kTlsRecordHeaderSize>::make(payload.subspan(pos));
    if (!rec) return fail(KmMessageError::kTruncatedRecord, 1 + pos);
    if (!valid_record_type(rec->u8<0>())) return fail(KmMessageError::kBadRecordType, 1 + pos);
    const std::size_t length = rec->u16<3>();
    if (length > kMaxTlsRecordFragment) return fail(KmMessageError::kRecordTooLong, 1 + pos + 3);
    if (rec->tail().size() < length) return fail(KmMessageError::kTruncatedRecord, 1 + pos);
    pos += kTlsRecordHeaderSize + length;
  }
  r.message.tls_records = payload;
  return r;
}

std::uint8_t km_header(KmMessageType type, std::uint64_t epoch) {
  const std::uint8_t t = type == KmMessageType::kControl ? KmMessage::kControlBit : 0;
  return static_cast<std::uint8_t>(t | KmMessage::epoch_bits(epoch));
}

void encode_tls_records(std::uint64_t epoch, wire::Bytes records, std::vector<std::uint8_t>& out) {
  out.push_back(km_header(KmMessageType::kTlsRecords, epoch));
  out.insert(out.end(), records.begin(), records.end());
}

void encode_protection_established(std::uint64_t epoch, std::vector<std::uint8_t>& out) {
  out.push_back(km_header(KmMessageType::kControl, epoch));
  out.push_back(static_cast<std::uint8_t>(ControlType::kProtectionEstablished));
}

}  // namespace sctps::km
