// Every chunk the codec knows, as one variant, with dispatch from a ChunkView. Used by tools, tests
// and the fuzzer; the engine's hot path switches on ChunkView::type and parses only the chunk it
// handles.
#pragma once

#include <string>
#include <variant>

#include "wire/abort_chunk.h"
#include "wire/asconf_chunks.h"
#include "wire/cookie_chunks.h"
#include "wire/data_chunk.h"
#include "wire/dtls_chunk.h"
#include "wire/error_chunk.h"
#include "wire/forward_tsn_chunk.h"
#include "wire/heartbeat_chunk.h"
#include "wire/idata_chunk.h"
#include "wire/iforward_tsn_chunk.h"
#include "wire/init_chunk.h"
#include "wire/pad_chunk.h"
#include "wire/reconfig_chunk.h"
#include "wire/sack_chunk.h"
#include "wire/shutdown_chunks.h"

namespace sctps::wire {

// A chunk of a type this codec does not know; kept byte for byte so that it can be reported in an
// Unrecognized Chunk Type cause as received (RFC 9260 §3.2).
struct UnknownChunk {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  Bytes value;

  static UnknownChunk from(const ChunkView& chunk) {
    return {chunk.type, chunk.flags, chunk.value};
  }
  std::size_t encoded_size() const { return 4 + value.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  UnknownAction action() const { return unknown_chunk_action(type); }
  friend bool operator==(const UnknownChunk& a, const UnknownChunk& b);
};

using Chunk = std::variant<DataChunk, InitChunk, InitAckChunk, SackChunk, HeartbeatChunk,
                           HeartbeatAckChunk, AbortChunk, ShutdownChunk, ShutdownAckChunk,
                           ErrorChunk, CookieEchoChunk, CookieAckChunk, ShutdownCompleteChunk,
                           IDataChunk, DtlsChunk, AsconfAckChunk, ReconfigChunk, PadChunk,
                           ForwardTsnChunk, AsconfChunk, IForwardTsnChunk, UnknownChunk>;

// Unknown types become UnknownChunk, never an error; known types with malformed contents are
// errors.
Result<Chunk> parse_chunk(const ChunkView& chunk);
std::size_t chunk_encoded_size(const Chunk& chunk);  // without trailing padding
void encode_chunk(ByteWriter& w, const Chunk& chunk);
std::uint8_t chunk_type_of(const Chunk& chunk);
std::string describe_chunk(const Chunk& chunk);

// The raw parameter or error-cause block a chunk carries, if any (INIT, INIT ACK, HEARTBEAT and ACK
// carry parameters; ABORT and ERROR carry causes; RE-CONFIG, ASCONF and ASCONF ACK parameters).
enum class NestedKind { kNone, kParameters, kErrorCauses };
struct NestedBlock {
  NestedKind kind = NestedKind::kNone;
  Bytes bytes;
};
NestedBlock nested_block(const Chunk& chunk);

}  // namespace sctps::wire
