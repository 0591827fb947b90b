// Builds one SCTP packet into a buffer the caller owns: common header, then chunks bundled while
// they fit the byte budget (the path MTU less any IP/UDP headers, or less the DTLS chunk overhead
// when the packet will be protected), then the CRC32c.
#pragma once

#include <cstddef>

#include "wire/byte_io.h"
#include "wire/crc32c.h"
#include "wire/packet.h"

namespace sctps::wire {

class PacketBuilder {
 public:
  // `buffer.size()` is the budget: the packet never grows past it.
  PacketBuilder(MutableBytes buffer, const CommonHeader& header) : w_(buffer) {
    CommonHeader h = header;
    h.checksum = 0;
    h.encode(w_);
  }

  // Bytes still free for chunks (each chunk costs its padded size).
  std::size_t bytes_remaining() const { return w_.overflowed() ? 0 : w_.remaining(); }
  std::size_t size() const { return w_.size(); }
  bool empty() const { return chunks_ == 0; }
  std::size_t chunk_count() const { return chunks_; }

  // Appends a chunk of any codec type if it fits; returns false (and writes nothing) otherwise.
  template <typename Chunk>
  bool add(const Chunk& chunk) {
    if (padded4(chunk.encoded_size()) > bytes_remaining()) return false;
    chunk.encode(w_);
    ++chunks_;
    return !w_.overflowed();
  }
  // Appends already encoded chunks (header included), e.g. a chunk echoed back or a plaintext that
  // a DTLS chunk opened. Pads to 4 bytes.
  bool add_encoded(Bytes chunk_bytes) {
    if (padded4(chunk_bytes.size()) > bytes_remaining()) return false;
    const std::size_t start = w_.size();
    w_.bytes(chunk_bytes);
    w_.pad_from(start);
    ++chunks_;
    return !w_.overflowed();
  }

  // Writes the checksum and returns the finished packet (a view into the caller's buffer).
  MutableBytes finish() {
    MutableBytes out = w_.written_mutable();
    write_sctp_checksum(out);
    return out;
  }

  // The packet without its checksum: for a packet the protector seals next, which writes the
  // checksum of the sealed packet (computing it here too would be wasted).
  MutableBytes finish_unchecksummed() { return w_.written_mutable(); }

  // For the protector: the bytes after the common header, to be sealed in place.
  MutableBytes chunk_bytes() { return w_.written_mutable().subspan(CommonHeader::kSize); }

 private:
  ByteWriter w_;
  std::size_t chunks_ = 0;
};

}  // namespace sctps::wire
