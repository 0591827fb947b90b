// Typed errors of the wire codecs: what was wrong and where, so that the engine can answer as
// RFC 9260 demands (drop, ERROR or ABORT) and count the drop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sctps::wire {

enum class ParseErrorCode : std::uint8_t {
  kTruncated,         // fewer bytes than the fixed part of the structure needs
  kBadLength,         // a length field smaller than its header or past the end of its container
  kLengthMismatch,    // a length field that disagrees with the structure's fixed size
  kChunkTooShort,     // a chunk length below 4
  kParameterOverrun,  // a parameter or error cause running past the end of its chunk
  kInvalidValue,      // a field holding a value the specification forbids
  kNoUserData,        // DATA or I-DATA without payload (RFC 9260 §6.2: ABORT with cause 9)
  kBadChecksum,       // CRC32c mismatch (RFC 9260 §6.8: discard silently)
  kTrailingBytes,     // bytes after the last chunk that cannot be padding
  kNoChunks,          // a packet of only a common header
};

struct ParseError {
  ParseErrorCode code;
  std::uint32_t offset = 0;  // where in the parsed buffer the problem starts
  const char* detail = "";   // static string naming the field, never owned

  friend bool operator==(const ParseError&, const ParseError&) = default;
};

std::string_view to_string(ParseErrorCode code);
std::string to_string(const ParseError& error);

}  // namespace sctps::wire
