#include "wire/abort_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<AbortChunk> AbortChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk);
  if (!f) return f.error();
  return AbortChunk{*f, (chunk.flags & abort_flags::kTagReflected) != 0};
}

std::string AbortChunk::describe() const {
  return fmt::format("T={} {}", tag_reflected ? 1 : 0, describe_causes());
}

bool operator==(const AbortChunk& a, const AbortChunk& b) {
  return a.tag_reflected == b.tag_reflected && bytes_equal(a.causes, b.causes);
}

}  // namespace sctps::wire
