#include "wire/data_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<DataChunk> DataChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "DATA header");
  DataChunk d;
  d.tsn = Tsn(r->u32<4>());
  d.stream_id = StreamId(r->u16<8>());
  d.ssn = Ssn(r->u16<10>());
  d.ppid = Ppid(r->u32<12>());
  d.payload = r->tail();
  d.unordered = (chunk.flags & data_flags::kUnordered) != 0;
  d.beginning = (chunk.flags & data_flags::kBeginning) != 0;
  d.ending = (chunk.flags & data_flags::kEnding) != 0;
  d.immediate_sack = (chunk.flags & data_flags::kImmediate) != 0;
  if (d.payload.empty())
    return make_error(ParseErrorCode::kNoUserData, chunk.offset, "DATA payload");
  return d;
}

std::uint8_t DataChunk::flags() const {
  return static_cast<std::uint8_t>(
      (unordered ? data_flags::kUnordered : 0) | (beginning ? data_flags::kBeginning : 0) |
      (ending ? data_flags::kEnding : 0) | (immediate_sack ? data_flags::kImmediate : 0));
}

void DataChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, kType, flags());
  w.u32(tsn.value());
  w.u16(stream_id.value());
  w.u16(ssn.value());
  w.u32(ppid.value());
  w.bytes(payload);
}

std::string DataChunk::describe() const {
  return fmt::format("tsn={} sid={} ssn={} ppid={} len={}{}{}{}{}", tsn.value(), stream_id.value(),
                     ssn.value(), ppid.value(), payload.size(), unordered ? " U" : "",
                     beginning ? " B" : "", ending ? " E" : "", immediate_sack ? " I" : "");
}

bool operator==(const DataChunk& a, const DataChunk& b) {
  return a.tsn == b.tsn && a.stream_id == b.stream_id && a.ssn == b.ssn && a.ppid == b.ppid &&
         a.flags() == b.flags() && bytes_equal(a.payload, b.payload);
}

}  // namespace sctps::wire
