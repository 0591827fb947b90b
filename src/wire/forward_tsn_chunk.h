// FORWARD TSN chunk, RFC 3758 §3.2 (PR-SCTP): moves the receiver's cumulative TSN past abandoned
// data and names, per ordered stream, the last SSN skipped.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      New Cumulative TSN                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Stream-1              |       Stream Sequence-1       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                                                               /
// /                                                               /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Stream-N              |       Stream Sequence-N       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Parse errors: Length below 8 -> kTruncated; Length not 8 + 4k -> kLengthMismatch.
// Left to the engine (RFC 3758 §3.6): a New Cumulative TSN at or behind the local cumulative TSN
// is stale (acknowledge with a SACK, do not move back); stream ids beyond the inbound stream count
// and the order of entries are not checked here. Flags are reserved (zero on send, ignored).
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

struct ForwardTsnChunk {
  static constexpr std::uint8_t kType = chunk_type::kForwardTsn;
  static constexpr std::size_t kHeaderSize = 8;
  static constexpr std::size_t kEntrySize = 4;
  // Entries that fit the 16-bit Chunk Length.
  static constexpr std::size_t kMaxEntries = (0xFFFF - kHeaderSize) / kEntrySize;

  struct StreamEntry {
    StreamId stream;
    Ssn ssn;  // the largest SSN skipped on that stream
    friend bool operator==(const StreamEntry&, const StreamEntry&) = default;
  };

  Tsn new_cumulative_tsn;
  std::vector<StreamEntry> streams;

  static Result<ForwardTsnChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + kEntrySize * streams.size(); }
  // More than kMaxEntries entries cannot be expressed: nothing is written, the writer overflows.
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "new_cum_tsn=5 streams=[1:3, 4:0]"

  friend bool operator==(const ForwardTsnChunk&, const ForwardTsnChunk&) = default;
};

}  // namespace sctps::wire
