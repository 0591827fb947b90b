#include "wire/idata_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<IDataChunk> IDataChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "I-DATA header");
  IDataChunk d;
  d.tsn = Tsn(r->u32<4>());
  d.stream_id = StreamId(r->u16<8>());
  // Bytes 10-11 are reserved: ignored on receipt.
  d.mid = Mid(r->u32<12>());
  d.unordered = (chunk.flags & data_flags::kUnordered) != 0;
  d.beginning = (chunk.flags & data_flags::kBeginning) != 0;
  d.ending = (chunk.flags & data_flags::kEnding) != 0;
  d.immediate_sack = (chunk.flags & data_flags::kImmediate) != 0;
  if (d.beginning) {
    d.ppid = Ppid(r->u32<16>());
  } else {
    d.fsn = Fsn(r->u32<16>());
  }
  d.payload = r->tail();
  if (d.payload.empty())
    return make_error(ParseErrorCode::kNoUserData, chunk.offset, "I-DATA payload");
  return d;
}

std::uint8_t IDataChunk::flags() const {
  return static_cast<std::uint8_t>(
      (unordered ? data_flags::kUnordered : 0) | (beginning ? data_flags::kBeginning : 0) |
      (ending ? data_flags::kEnding : 0) | (immediate_sack ? data_flags::kImmediate : 0));
}

void IDataChunk::encode(ByteWriter& w) const {
  if (payload.size() > kMaxPayload) {
    w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
    return;
  }
  TlvScope scope(w, kType, flags());
  w.u32(tsn.value());
  w.u16(stream_id.value());
  w.u16(0);
  w.u32(mid.value());
  w.u32(beginning ? ppid.value() : fsn.value());
  w.bytes(payload);
}

std::string IDataChunk::describe() const {
  const std::string fifth =
      beginning ? fmt::format("ppid={}", ppid.value()) : fmt::format("fsn={}", fsn.value());
  std::string f = fmt::format("{}{}{}{}", immediate_sack ? "I" : "", unordered ? "U" : "",
                              beginning ? "B" : "", ending ? "E" : "");
  if (f.empty()) f = "-";
  return fmt::format("tsn={} sid={} mid={} {} flags={} len={}", tsn.value(), stream_id.value(),
                     mid.value(), fifth, f, payload.size());
}

bool operator==(const IDataChunk& a, const IDataChunk& b) {
  if (a.flags() != b.flags()) return false;
  const bool fifth_equal = a.beginning ? a.ppid == b.ppid : a.fsn == b.fsn;
  return fifth_equal && a.tsn == b.tsn && a.stream_id == b.stream_id && a.mid == b.mid &&
         bytes_equal(a.payload, b.payload);
}

}  // namespace sctps::wire
