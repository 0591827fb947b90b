#include "wire/any_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

void UnknownChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, type, flags);
  w.bytes(value);
}

std::string UnknownChunk::describe() const {
  return fmt::format("type=0x{:02x} value_len={} unrecognized: {}", type, value.size(),
                     to_string(action()));
}

bool operator==(const UnknownChunk& a, const UnknownChunk& b) {
  return a.type == b.type && a.flags == b.flags && bytes_equal(a.value, b.value);
}

namespace {

template <typename T>
Result<Chunk> parse_as(const ChunkView& view) {
  auto r = T::parse(view);
  if (!r) return r.error();
  return Chunk(std::move(*r));
}

}  // namespace

Result<Chunk> parse_chunk(const ChunkView& view) {
  switch (view.type) {
    case DataChunk::kType: return parse_as<DataChunk>(view);
    case InitChunk::kType: return parse_as<InitChunk>(view);
    case InitAckChunk::kType: return parse_as<InitAckChunk>(view);
    case SackChunk::kType: return parse_as<SackChunk>(view);
    case HeartbeatChunk::kType: return parse_as<HeartbeatChunk>(view);
    case HeartbeatAckChunk::kType: return parse_as<HeartbeatAckChunk>(view);
    case AbortChunk::kType: return parse_as<AbortChunk>(view);
    case ShutdownChunk::kType: return parse_as<ShutdownChunk>(view);
    case ShutdownAckChunk::kType: return parse_as<ShutdownAckChunk>(view);
    case ErrorChunk::kType: return parse_as<ErrorChunk>(view);
    case CookieEchoChunk::kType: return parse_as<CookieEchoChunk>(view);
    case CookieAckChunk::kType: return parse_as<CookieAckChunk>(view);
    case ShutdownCompleteChunk::kType: return parse_as<ShutdownCompleteChunk>(view);
    case IDataChunk::kType: return parse_as<IDataChunk>(view);
    case DtlsChunk::kType: return parse_as<DtlsChunk>(view);
    case AsconfAckChunk::kType: return parse_as<AsconfAckChunk>(view);
    case ReconfigChunk::kType: return parse_as<ReconfigChunk>(view);
    case PadChunk::kType: return parse_as<PadChunk>(view);
    case ForwardTsnChunk::kType: return parse_as<ForwardTsnChunk>(view);
    case AsconfChunk::kType: return parse_as<AsconfChunk>(view);
    case IForwardTsnChunk::kType: return parse_as<IForwardTsnChunk>(view);
    default: return Chunk(UnknownChunk::from(view));
  }
}

std::size_t chunk_encoded_size(const Chunk& chunk) {
  return std::visit([](const auto& c) { return c.encoded_size(); }, chunk);
}

void encode_chunk(ByteWriter& w, const Chunk& chunk) {
  std::visit([&w](const auto& c) { c.encode(w); }, chunk);
}

std::uint8_t chunk_type_of(const Chunk& chunk) {
  return std::visit(
      [](const auto& c) -> std::uint8_t {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, UnknownChunk>) {
          return c.type;
        } else {
          return T::kType;
        }
      },
      chunk);
}

std::string describe_chunk(const Chunk& chunk) {
  const std::uint8_t type = chunk_type_of(chunk);
  std::string details = std::visit([](const auto& c) { return c.describe(); }, chunk);
  if (details.empty()) return std::string(chunk_type_name(type));
  return fmt::format("{} {}", chunk_type_name(type), details);
}

NestedBlock nested_block(const Chunk& chunk) {
  return std::visit(
      [](const auto& c) -> NestedBlock {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, InitChunk> || std::is_same_v<T, InitAckChunk> ||
                      std::is_same_v<T, ReconfigChunk> || std::is_same_v<T, AsconfChunk> ||
                      std::is_same_v<T, AsconfAckChunk>) {
          return {NestedKind::kParameters, c.parameters};
        } else if constexpr (std::is_same_v<T, AbortChunk> || std::is_same_v<T, ErrorChunk>) {
          return {NestedKind::kErrorCauses, c.causes};
        } else {
          return {};
        }
      },
      chunk);
}

}  // namespace sctps::wire
