#include "wire/asconf_chunks.h"

#include <fmt/format.h>

#include <string_view>

#include "wire/bytes_equal.h"
#include "wire/chunk_type.h"

namespace sctps::wire {

namespace {

// Lengths (header included) of the IPv4 and IPv6 Address Parameters (RFC 9260 §3.3.2.1).
constexpr std::size_t kIpv4ParameterLength = 8;
constexpr std::size_t kIpv6ParameterLength = 20;

// The block up to the end of its last item: the last item's padding is not counted by the chunk
// length (RFC 9260 §3.2). An invalid block is returned unchanged.
Bytes without_last_padding(Bytes block) {
  auto b = TlvBlock::parse(block);
  if (!b.ok() || b->empty()) return block;
  std::size_t end = 0;
  for (const TlvView& t : *b) end = t.offset + t.whole.size();
  return block.first(end);
}

TlvBlock block_or_empty(Bytes parameters) {
  auto b = TlvBlock::parse(parameters);
  return b.ok() ? *b : *TlvBlock::parse(Bytes{});
}

// The part both chunks share: the serial number and the TLV block after it, validated.
struct SerialAndBlock {
  AsconfSerial serial;
  Bytes block;
  TlvBlock items;
};

Result<SerialAndBlock> parse_serial_and_block(const ChunkView& chunk, const char* what) {
  auto r = FixedReader<AsconfChunk::kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, what);
  auto items = TlvBlock::parse(r->tail());
  if (!items) {
    const ParseError& e = items.error();
    return make_error(e.code, chunk.offset + AsconfChunk::kHeaderSize + e.offset, e.detail);
  }
  return SerialAndBlock{AsconfSerial(r->u32<4>()), r->tail(), *items};
}

void refuse(ByteWriter& w) {
  w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
}

std::string describe_parameters(Bytes parameters) {
  std::string out = "params=[";
  bool first = true;
  for (const TlvView& t : block_or_empty(parameters)) {
    const std::string_view name = parameter_type_name(t.type);
    out += first ? "" : ", ";
    out += name == "unknown" ? fmt::format("0x{:04x}", t.type) : std::string(name);
    out += fmt::format("/{}", t.whole.size());
    first = false;
  }
  out += "]";
  return out;
}

std::string describe_address(Bytes address_parameter) {
  auto r = FixedReader<4>::make(address_parameter);
  if (!r) return "?";
  const Bytes v = r->tail();
  if (r->u16<0>() == parameter_type::kIpv4Address && v.size() == 4)
    return fmt::format("{}.{}.{}.{}", v[0], v[1], v[2], v[3]);
  if (r->u16<0>() == parameter_type::kIpv6Address && v.size() == 16) {
    std::string out;
    for (std::size_t i = 0; i < 16; i += 2)
      out += fmt::format("{}{:x}", i == 0 ? "" : ":", load_be16(v.data() + i));
    return out;
  }
  return "?";
}

}  // namespace

Result<AsconfChunk> AsconfChunk::parse(const ChunkView& chunk) {
  auto sb = parse_serial_and_block(chunk, "ASCONF header");
  if (!sb) return sb.error();
  auto first = sb->items.begin();
  if (first == sb->items.end())
    return make_error(ParseErrorCode::kTruncated, chunk.offset + kHeaderSize,
                      "ASCONF address parameter");
  const std::size_t at = chunk.offset + kHeaderSize;
  if (first->type == parameter_type::kIpv4Address) {
    if (first->whole.size() != kIpv4ParameterLength)
      return make_error(ParseErrorCode::kLengthMismatch, at, "ASCONF IPv4 address parameter");
  } else if (first->type == parameter_type::kIpv6Address) {
    if (first->whole.size() != kIpv6ParameterLength)
      return make_error(ParseErrorCode::kLengthMismatch, at, "ASCONF IPv6 address parameter");
  } else {
    return make_error(ParseErrorCode::kInvalidValue, at, "ASCONF address parameter type");
  }
  AsconfChunk c;
  c.serial = sb->serial;
  c.address_parameter = first->whole;
  // Both address lengths are multiples of 4: the parameters start right after it.
  c.parameters = sb->block.subspan(first->whole.size());
  return c;
}

TlvBlock AsconfChunk::parameter_block() const {
  return block_or_empty(parameters);
}

std::size_t AsconfChunk::encoded_size() const {
  const Bytes params = without_last_padding(parameters);
  const std::size_t address =
      params.empty() ? address_parameter.size() : padded4(address_parameter.size());
  return kHeaderSize + address + params.size();
}

void AsconfChunk::encode(ByteWriter& w) const {
  if (encoded_size() > kMaxLength) return refuse(w);
  const Bytes params = without_last_padding(parameters);
  TlvScope scope(w, kType, std::uint8_t{0});
  w.u32(serial.value());
  w.bytes(address_parameter);
  if (!params.empty()) {
    w.zeros(padded4(address_parameter.size()) - address_parameter.size());
    w.bytes(params);
  }
}

std::string AsconfChunk::describe() const {
  return fmt::format("serial={} address={} {}", serial.value(), describe_address(address_parameter),
                     describe_parameters(parameters));
}

bool operator==(const AsconfChunk& a, const AsconfChunk& b) {
  return a.serial == b.serial && bytes_equal(a.address_parameter, b.address_parameter) &&
         bytes_equal(without_last_padding(a.parameters), without_last_padding(b.parameters));
}

Result<AsconfAckChunk> AsconfAckChunk::parse(const ChunkView& chunk) {
  auto sb = parse_serial_and_block(chunk, "ASCONF-ACK header");
  if (!sb) return sb.error();
  AsconfAckChunk c;
  c.serial = sb->serial;
  c.parameters = sb->block;
  return c;
}

TlvBlock AsconfAckChunk::parameter_block() const {
  return block_or_empty(parameters);
}

std::size_t AsconfAckChunk::encoded_size() const {
  return kHeaderSize + without_last_padding(parameters).size();
}

void AsconfAckChunk::encode(ByteWriter& w) const {
  if (encoded_size() > kMaxLength) return refuse(w);
  TlvScope scope(w, kType, std::uint8_t{0});
  w.u32(serial.value());
  w.bytes(without_last_padding(parameters));
}

std::string AsconfAckChunk::describe() const {
  return fmt::format("serial={} {}", serial.value(), describe_parameters(parameters));
}

bool operator==(const AsconfAckChunk& a, const AsconfAckChunk& b) {
  return a.serial == b.serial &&
         bytes_equal(without_last_padding(a.parameters), without_last_padding(b.parameters));
}

}  // namespace sctps::wire
