// Helpers shared by the wire codec tests: a chunk view over test bytes, and encoding a codec value
// into exactly its padded size (checking the writer neither overflows nor leaves bytes unused).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "wire/byte_io.h"
#include "wire/packet.h"

namespace sctps::wire::test_util {

inline ChunkView view_of(const std::vector<std::uint8_t>& bytes, std::size_t base = 0) {
  auto region = ChunkRegion::parse(bytes, base);
  if (!region) {
    ADD_FAILURE() << to_string(region.error());
    return ChunkView{};
  }
  return *region->begin();
}

// A temporary buffer is kept alive for the whole run, so views parsed from it never dangle.
inline ChunkView view_of(std::vector<std::uint8_t>&& bytes, std::size_t base = 0) {
  static std::deque<std::vector<std::uint8_t>> keep;
  return view_of(keep.emplace_back(std::move(bytes)), base);
}

// Another name for view_of(): the first chunk of the bytes.
inline ChunkView first_chunk(const std::vector<std::uint8_t>& bytes, std::size_t base = 0) {
  return view_of(bytes, base);
}
inline ChunkView first_chunk(std::vector<std::uint8_t>&& bytes, std::size_t base = 0) {
  return view_of(std::move(bytes), base);
}

template <typename T>
std::vector<std::uint8_t> encode(const T& c) {
  std::vector<std::uint8_t> buf(padded4(c.encoded_size()) + 8);
  ByteWriter w(buf);
  c.encode(w);
  EXPECT_FALSE(w.overflowed());
  EXPECT_EQ(w.size(), padded4(c.encoded_size()));
  buf.resize(w.size());
  return buf;
}

}  // namespace sctps::wire::test_util
