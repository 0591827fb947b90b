#pragma once

#include <algorithm>

#include "wire/byte_io.h"

namespace sctps::wire {

// Content equality for byte views (std::span has no operator==); used by the codecs' operator==.
inline bool bytes_equal(Bytes a, Bytes b) {
  return std::ranges::equal(a, b);
}

}  // namespace sctps::wire
