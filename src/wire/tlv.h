// Blocks of type-length-value items: the parameters inside INIT, INIT ACK, HEARTBEAT, RE-CONFIG and
// ASCONF chunks, and the error causes inside ABORT and ERROR. They share one layout (RFC 9260
// §3.2.1, §3.3.10): a 16-bit type, a 16-bit length that counts the 4-byte header but not the
// padding, the value, and zero padding to a 4-byte boundary. The padding of the last item may be
// missing, since the enclosing chunk's length does not count it.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |             Type              |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                       Value (Length - 4 bytes)                /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "wire/byte_io.h"
#include "wire/result.h"

namespace sctps::wire {

struct TlvView {
  std::uint16_t type = 0;
  Bytes value;             // Length - 4 bytes
  Bytes whole;             // header and value, without padding (as the length field counts it)
  std::size_t offset = 0;  // of the header, relative to the block's start
};

// A validated block: parse() checks every item's framing once, iteration then cannot fail.
class TlvBlock {
 public:
  static Result<TlvBlock> parse(Bytes region);

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TlvView;
    using difference_type = std::ptrdiff_t;
    using pointer = const TlvView*;
    using reference = const TlvView&;

    Iterator() = default;
    Iterator(Bytes region, std::size_t pos) : region_(region), pos_(pos) { load(); }
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
    std::size_t next_ = 0;
    TlvView cur_;
  };

  Iterator begin() const { return Iterator(region_, 0); }
  Iterator end() const { return Iterator(region_, region_.size()); }
  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  Bytes bytes() const { return region_; }

 private:
  TlvBlock(Bytes region, std::size_t count) : region_(region), count_(count) {}
  Bytes region_;
  std::size_t count_ = 0;
};

// Appends one item with an opaque value (the value as given, then padding).
void encode_tlv(ByteWriter& w, std::uint16_t type, Bytes value);

// Size of one encoded item with padding.
constexpr std::size_t tlv_padded_size(std::size_t value_size) {
  return padded4(4 + value_size);
}

}  // namespace sctps::wire
