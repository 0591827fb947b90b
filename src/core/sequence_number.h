// Unwrapping of serial numbers (TSN, SSN, MID, FSN) to 64 bits, so that they can be ordered and
// used as map keys. Serial comparison (RFC 1982, which RFC 9260 §1.6 uses) is not transitive;
// unwrapped values are. The unwrapper tracks the largest value seen and maps each wrapped value to
// the 64-bit value nearest to it.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace sctps {

template <typename Wrapped>
class Unwrapper {
 public:
  using Raw = typename Wrapped::value_type;
  static_assert(std::is_unsigned_v<Raw> && sizeof(Raw) <= 4);
  static constexpr std::int64_t kModulus = std::int64_t{1} << (8 * sizeof(Raw));

  Unwrapper() = default;

  // Unwraps and remembers, so later values are unwrapped relative to the largest seen.
  std::int64_t unwrap(Wrapped v) {
    const std::int64_t u = peek(v);
    if (!initialized_ || u > largest_) largest_ = u;
    initialized_ = true;
    return u;
  }
  // Unwraps without remembering.
  std::int64_t peek(Wrapped v) const {
    if (!initialized_) return static_cast<std::int64_t>(v.value()) + kModulus;
    const auto raw_largest = static_cast<Raw>(largest_);
    const auto forward = static_cast<Raw>(v.value() - raw_largest);  // modular distance
    std::int64_t delta = forward;
    if (delta >= kModulus / 2) delta -= kModulus;
    return largest_ + delta;
  }
  static Wrapped wrap(std::int64_t u) { return Wrapped(static_cast<Raw>(u)); }

  void reset() {
    initialized_ = false;
    largest_ = 0;
  }

 private:
  // The first value is placed one modulus up so that values just below it stay positive.
  std::int64_t largest_ = 0;
  bool initialized_ = false;
};

}  // namespace sctps
