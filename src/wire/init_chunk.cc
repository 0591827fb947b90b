#include "wire/init_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<InitFields> InitFields::parse_fields(const ChunkView& chunk, const char* what) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, what);
  InitFields f;
  f.initiate_tag = VerificationTag(r->u32<4>());
  f.a_rwnd = r->u32<8>();
  f.outbound_streams = r->u16<12>();
  f.inbound_streams = r->u16<14>();
  f.initial_tsn = Tsn(r->u32<16>());
  f.parameters = r->tail();
  auto block = TlvBlock::parse(f.parameters);
  if (!block) {
    ParseError e = block.error();
    e.offset += static_cast<std::uint32_t>(chunk.offset + kHeaderSize);
    return e;
  }
  return f;
}

TlvBlock InitFields::parameter_block() const {
  auto block = TlvBlock::parse(parameters);
  return block ? *block : *TlvBlock::parse(Bytes{});
}

void InitFields::encode_fields(ByteWriter& w, std::uint8_t type) const {
  if (parameters.size() > kMaxParametersSize) {
    w.zeros(w.remaining() + 1);  // cannot be framed: fail like a full buffer, write nothing
    return;
  }
  TlvScope scope(w, type, 0);
  w.u32(initiate_tag.value());
  w.u32(a_rwnd);
  w.u16(outbound_streams);
  w.u16(inbound_streams);
  w.u32(initial_tsn.value());
  w.bytes(parameters);
}

bool InitFields::same_fields(const InitFields& other) const {
  return initiate_tag == other.initiate_tag && a_rwnd == other.a_rwnd &&
         outbound_streams == other.outbound_streams && inbound_streams == other.inbound_streams &&
         initial_tsn == other.initial_tsn && bytes_equal(parameters, other.parameters);
}

std::string InitFields::describe() const {
  std::string params;
  for (const TlvView& p : parameter_block()) {
    if (!params.empty()) params += ", ";
    const std::string_view name = parameter_type_name(p.type);
    if (name == "unknown") {
      params += fmt::format("0x{:04x}", p.type);
    } else {
      params += name;
    }
  }
  return fmt::format("initiate_tag=0x{:08x} a_rwnd={} os={} mis={} initial_tsn={} params=[{}]",
                     initiate_tag.value(), a_rwnd, outbound_streams, inbound_streams,
                     initial_tsn.value(), params);
}

Result<InitChunk> InitChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk, "INIT");
  if (!f) return f.error();
  return InitChunk{*f};
}

Result<InitAckChunk> InitAckChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk, "INIT ACK");
  if (!f) return f.error();
  return InitAckChunk{*f};
}

}  // namespace sctps::wire
