// Selective Acknowledgement (SACK) chunk, RFC 9260 §3.3.4.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 3    |  Chunk Flags  |         Chunk Length          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Cumulative TSN Ack                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Advertised Receiver Window Credit (a_rwnd)           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Gap Ack Block #1 Start     |     Gap Ack Block #1 End      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                              ...                              /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Gap Ack Block #N Start     |     Gap Ack Block #N End      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        Duplicate TSN 1                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                              ...                              /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        Duplicate TSN M                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The parser checks that the two counts match the chunk length (kLengthMismatch otherwise). Gap
// semantics are the engine's (§6.2.1): blocks with start > end, blocks out of order or
// overlapping, or a cumulative TSN ack outside the sent window are not rejected here. The chunk
// flags are reserved (ignored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctps::wire {

// Offsets from the cumulative TSN ack: the block covers TSNs cum+start .. cum+end (§3.3.4).
struct GapAckBlock {
  std::uint16_t start = 0;
  std::uint16_t end = 0;

  friend bool operator==(const GapAckBlock&, const GapAckBlock&) = default;
};

struct SackChunk {
  static constexpr std::uint8_t kType = chunk_type::kSack;
  static constexpr std::size_t kHeaderSize = 16;
  // Gap blocks and duplicate TSNs together (4 bytes each) must fit the 16-bit chunk length;
  // encode() refuses more (it marks the writer overflowed). The engine trims to the path MTU.
  static constexpr std::size_t kMaxEntries = (0xFFFF - kHeaderSize) / 4;

  Tsn cumulative_tsn_ack{0};
  std::uint32_t a_rwnd = 0;
  std::vector<GapAckBlock> gap_ack_blocks;
  std::vector<Tsn> duplicate_tsns;

  static Result<SackChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const {
    return kHeaderSize + 4 * (gap_ack_blocks.size() + duplicate_tsns.size());
  }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "cum_tsn=5 a_rwnd=65536 gaps=[2-3,5-5] dups=[4]"

  friend bool operator==(const SackChunk&, const SackChunk&) = default;
};

}  // namespace sctps::wire
