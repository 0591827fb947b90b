// The SCTP packet (RFC 9260 §3): common header and a sequence of chunks.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Source Port Number        |     Destination Port Number   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Verification Tag                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           Checksum                            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Chunk Type    | Chunk Flags   |        Chunk Length           |  (§3.2, repeated)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                          Chunk Value                          /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// PacketView is lazy: parse() validates the common header and the framing of every chunk in place
// (no copy); a chunk's value is decoded only when its handler asks for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "wire/byte_io.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctps::wire {

struct CommonHeader {
  static constexpr std::size_t kSize = 12;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  VerificationTag verification_tag{0};
  std::uint32_t checksum = 0;  // the field as read in network byte order

  static Result<CommonHeader> parse(Bytes packet);
  void encode(ByteWriter& w) const;
  friend bool operator==(const CommonHeader&, const CommonHeader&) = default;
};

// One chunk's framing. `value` is what follows the 4-byte header, Length - 4 bytes.
struct ChunkView {
  static constexpr std::size_t kHeaderSize = 4;
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  Bytes whole;  // header and value, without padding
  Bytes value;
  std::size_t offset = 0;  // of the chunk header, relative to the packet's start

  std::uint16_t length() const { return static_cast<std::uint16_t>(whole.size()); }
};

// Validates the framing of a sequence of chunks. Used for packets and for the plaintext inside a
// DTLS chunk. `base_offset` is added to error offsets.
struct ChunkRegion {
  static Result<ChunkRegion> parse(Bytes region, std::size_t base_offset);

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ChunkView;
    using difference_type = std::ptrdiff_t;
    using pointer = const ChunkView*;
    using reference = const ChunkView&;

    Iterator() = default;
    Iterator(Bytes region, std::size_t pos, std::size_t base)
        : region_(region), pos_(pos), base_(base) {
      load();
    }
    reference operator*() const { return cur_; }
    pointer operator->() const { return &cur_; }
    Iterator& operator++() {
      pos_ = next_;
      load();
      return *this;
    }
    Iterator operator++(int) {
      Iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.pos_ == b.pos_; }

   private:
    void load();
    Bytes region_;
    std::size_t pos_ = 0;
    std::size_t base_ = 0;
    std::size_t next_ = 0;
    ChunkView cur_;
  };

  Iterator begin() const { return Iterator(bytes, 0, base_offset); }
  Iterator end() const { return Iterator(bytes, bytes.size(), base_offset); }

  Bytes bytes;
  std::size_t base_offset = 0;
  std::size_t chunk_count = 0;
};

class PacketView {
 public:
  // Framing only; the checksum is verified separately (the caller decides what a mismatch costs).
  static Result<PacketView> parse(Bytes packet);
  // Chunks that travelled inside a DTLS chunk, under the common header of the packet that carried
  // them (the association's dispatch does not care where the chunk bytes sit). kNoChunks if empty.
  static Result<PacketView> with_chunks(const CommonHeader& header, Bytes packet,
                                        const ChunkRegion& chunks);

  const CommonHeader& header() const { return header_; }
  Bytes bytes() const { return packet_; }
  const ChunkRegion& chunks() const { return chunks_; }
  std::size_t chunk_count() const { return chunks_.chunk_count; }
  ChunkRegion::Iterator begin() const { return chunks_.begin(); }
  ChunkRegion::Iterator end() const { return chunks_.end(); }
  const ChunkView& first_chunk() const { return first_; }

 private:
  PacketView(CommonHeader h, Bytes packet, ChunkRegion chunks);
  CommonHeader header_;
  Bytes packet_;
  ChunkRegion chunks_;
  ChunkView first_;
};

}  // namespace sctps::wire
