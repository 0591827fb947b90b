#include "protect/sequence_reconstruction.h"

#include "protect/cipher_suite.h"

namespace sctps::protect {

std::uint64_t reconstruct_sequence(std::uint64_t expected, std::uint16_t low_bits) {
  constexpr std::uint64_t kWindow = std::uint64_t{1} << 16;
  constexpr std::uint64_t kHalf = kWindow / 2;
  std::uint64_t candidate = (expected & ~(kWindow - 1)) | low_bits;
  if (candidate + kHalf <= expected && candidate + kWindow <= kMaxRecordSequence) {
    candidate += kWindow;
  } else if (candidate > expected + kHalf && candidate >= kWindow) {
    candidate -= kWindow;
  }
  if (candidate > kMaxRecordSequence) candidate -= kWindow;  // stay inside the 48-bit space
  return candidate;
}

}  // namespace sctps::protect
