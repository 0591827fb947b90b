// I-FORWARD-TSN chunk, RFC 8260 §2.3: FORWARD TSN for associations using I-DATA; each entry names
// a stream, whether the skipped message was unordered, and the largest MID skipped.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 194  | Flags = 0x00  |      Length = Variable        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      New Cumulative TSN                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       Stream Identifier       |          Reserved           |U|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Message Identifier                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                                                               /
// /                     (more 8-byte entries)                     /
// /                                                               /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Parse errors: Length below 8 -> kTruncated; Length not 8 + 8k -> kLengthMismatch.
// Left to the engine: I-FORWARD-TSN is used only when I-DATA and PR-SCTP were both negotiated
// (RFC 8260 §2.3), FORWARD TSN otherwise; a stale New Cumulative TSN and stream ids beyond the
// inbound stream count are not checked here. The 15 reserved bits and the chunk flags are zero on
// send and ignored on receipt.
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

struct IForwardTsnChunk {
  static constexpr std::uint8_t kType = chunk_type::kIForwardTsn;
  static constexpr std::size_t kHeaderSize = 8;
  static constexpr std::size_t kEntrySize = 8;
  // Entries that fit the 16-bit Chunk Length.
  static constexpr std::size_t kMaxEntries = (0xFFFF - kHeaderSize) / kEntrySize;

  struct StreamEntry {
    StreamId stream;
    bool unordered = false;  // the U bit: the MID is of the unordered message sequence
    Mid mid;                 // the largest MID skipped
    friend bool operator==(const StreamEntry&, const StreamEntry&) = default;
  };

  Tsn new_cumulative_tsn;
  std::vector<StreamEntry> streams;

  static Result<IForwardTsnChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + kEntrySize * streams.size(); }
  // More than kMaxEntries entries cannot be expressed: nothing is written, the writer overflows.
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "new_cum_tsn=5 streams=[1:3, 2U:7]"

  friend bool operator==(const IForwardTsnChunk&, const IForwardTsnChunk&) = default;
};

}  // namespace sctps::wire
