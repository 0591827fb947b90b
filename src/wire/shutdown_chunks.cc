#include "wire/shutdown_chunks.h"

#include <fmt/format.h>

#include <optional>

namespace sctps::wire {
namespace {

// These chunks have one legal length; shorter or longer is a mismatch, not a truncation.
std::optional<ParseError> check_length(const ChunkView& chunk, std::size_t size, const char* what) {
  if (chunk.whole.size() != size)
    return make_error(ParseErrorCode::kLengthMismatch, chunk.offset, what);
  return std::nullopt;
}

}  // namespace

Result<ShutdownChunk> ShutdownChunk::parse(const ChunkView& chunk) {
  if (auto e = check_length(chunk, kSize, "SHUTDOWN length")) return *e;
  auto r = FixedReader<kSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "SHUTDOWN");
  return ShutdownChunk{Tsn(r->u32<4>())};
}

void ShutdownChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, kType, 0);
  w.u32(cumulative_tsn_ack.value());
}

std::string ShutdownChunk::describe() const {
  return fmt::format("cum_tsn={}", cumulative_tsn_ack.value());
}

Result<ShutdownAckChunk> ShutdownAckChunk::parse(const ChunkView& chunk) {
  if (auto e = check_length(chunk, kSize, "SHUTDOWN ACK length")) return *e;
  return ShutdownAckChunk{};
}

void ShutdownAckChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, kType, 0);
}

Result<ShutdownCompleteChunk> ShutdownCompleteChunk::parse(const ChunkView& chunk) {
  if (auto e = check_length(chunk, kSize, "SHUTDOWN COMPLETE length")) return *e;
  return ShutdownCompleteChunk{(chunk.flags & shutdown_complete_flags::kTagReflected) != 0};
}

void ShutdownCompleteChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, kType, flags());
}

std::string ShutdownCompleteChunk::describe() const {
  return fmt::format("T={}", tag_reflected ? 1 : 0);
}

}  // namespace sctps::wire
