// PAD chunk, RFC 4820 §3: filler that makes a packet a given size (path MTU probing, RFC 8899).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 0x84   |   Flags=0     |             Length            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                                                               /
// /                          Padding Data                         /
// /                                                               /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The receiver ignores the padding's content (§3), so only its length is part of the value: parse
// records the length, encode writes that many zero bytes. Two PAD chunks of equal length are equal
// whatever their received content, which keeps parse(encode(parse(x))) == parse(x).
//
// Left to the engine: a received PAD chunk is discarded and processing goes on with the next chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"

namespace sctps::wire {

struct PadChunk {
  static constexpr std::uint8_t kType = chunk_type::kPad;
  static constexpr std::size_t kHeaderSize = 4;
  // The 16-bit Chunk Length counts the header: at most 65535 - 4 bytes of padding.
  static constexpr std::size_t kMaxPaddingLength = 0xFFFF - kHeaderSize;

  std::size_t padding_length = 0;  // bytes of Padding Data (not counting the 4-byte alignment)

  static Result<PadChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + padding_length; }  // without padding
  // Writes the header and padding_length zero bytes. A padding_length above kMaxPaddingLength
  // cannot be expressed: nothing is written and the writer is marked overflowed.
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const PadChunk&, const PadChunk&) = default;
};

}  // namespace sctps::wire
