#include "wire/parse_error.h"

#include <fmt/format.h>

namespace sctps::wire {

std::string_view to_string(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kTruncated: return "truncated";
    case ParseErrorCode::kBadLength: return "bad length";
    case ParseErrorCode::kLengthMismatch: return "length mismatch";
    case ParseErrorCode::kChunkTooShort: return "chunk too short";
    case ParseErrorCode::kParameterOverrun: return "parameter overruns its chunk";
    case ParseErrorCode::kInvalidValue: return "invalid value";
    case ParseErrorCode::kNoUserData: return "no user data";
    case ParseErrorCode::kBadChecksum: return "bad checksum";
    case ParseErrorCode::kTrailingBytes: return "trailing bytes";
    case ParseErrorCode::kNoChunks: return "no chunks";
  }
  return "unknown";
}

std::string to_string(const ParseError& error) {
  return fmt::format("{} at offset {} ({})", to_string(error.code), error.offset, error.detail);
}

}  // namespace sctps::wire
