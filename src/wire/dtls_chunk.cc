#include "wire/dtls_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

namespace {

// The part in front of the record, inside an open TlvScope.
void write_front(ByteWriter& w, std::uint8_t epoch_bits, std::uint16_t sequence) {
  w.u8(0);  // pre-padding
  w.u8(DtlsChunk::unified_header_byte(epoch_bits));
  w.u16(sequence);
}

void refuse(ByteWriter& w) {
  w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
}

}  // namespace

Result<DtlsChunk> DtlsChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "DTLS chunk header");
  // Byte 4 is pre-padding: ignored on receipt.
  const std::uint8_t header = r->u8<kCiphertextOffset>();
  if ((header & kUnifiedHeaderFixedMask) != kUnifiedHeaderFixed)
    return make_error(ParseErrorCode::kInvalidValue, chunk.offset + kCiphertextOffset,
                      "DTLS unified header");
  DtlsChunk d;
  d.restart = (chunk.flags & kRestartFlag) != 0;
  d.epoch_bits = static_cast<std::uint8_t>(header & kEpochBitsMask);
  d.encrypted_sequence = r->u16<kSequenceOffset>();
  d.encrypted_record = r->tail();
  d.ciphertext = chunk.whole.subspan(kCiphertextOffset);
  if (d.encrypted_record.size() < kMinRecordSize)
    return make_error(ParseErrorCode::kTruncated, chunk.offset + kRecordOffset,
                      "DTLS encrypted record");
  return d;
}

DtlsChunk::InPlace DtlsChunk::encode_in_place(ByteWriter& w, bool restart, std::uint8_t epoch_bits,
                                              std::uint16_t sequence, std::size_t record_len) {
  if (record_len == 0 || record_len > kMaxRecordSize) {
    refuse(w);
    return {};
  }
  const std::size_t start = w.size();
  {
    TlvScope scope(w, kType, restart ? kRestartFlag : std::uint8_t{0});
    write_front(w, epoch_bits, sequence);
    w.zeros(record_len);
  }
  if (w.overflowed()) return {};
  const MutableBytes chunk = w.written_mutable().subspan(start);
  return {chunk.subspan(kCiphertextOffset, kUnifiedHeaderSize),
          chunk.subspan(kRecordOffset, record_len)};
}

void DtlsChunk::encode(ByteWriter& w) const {
  if (encrypted_record.size() > kMaxRecordSize) return refuse(w);
  TlvScope scope(w, kType, flags());
  write_front(w, epoch_bits, encrypted_sequence);
  w.bytes(encrypted_record);
}

std::string DtlsChunk::describe() const {
  return fmt::format("R={} epoch_bits={} seq=0x{:04x} record={}", restart ? 1 : 0,
                     epoch_bits & kEpochBitsMask, encrypted_sequence, encrypted_record.size());
}

bool operator==(const DtlsChunk& a, const DtlsChunk& b) {
  return a.restart == b.restart &&
         (a.epoch_bits & DtlsChunk::kEpochBitsMask) == (b.epoch_bits & DtlsChunk::kEpochBitsMask) &&
         a.encrypted_sequence == b.encrypted_sequence &&
         bytes_equal(a.encrypted_record, b.encrypted_record);
}

}  // namespace sctps::wire
