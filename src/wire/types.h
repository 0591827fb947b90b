// Strong types for SCTP protocol numbers, so that a TSN cannot be passed where a stream id is
// meant. Serial numbers that wrap (TSN, SSN, MID, FSN) have no ordering here on purpose: serial
// comparison is not transitive; the engine orders them only after unwrapping to 64 bits.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace sctps {

template <typename Tag, typename T, bool Ordered = false>
class StrongType {
 public:
  using value_type = T;
  constexpr StrongType() = default;
  constexpr explicit StrongType(T v) : v_(v) {}
  constexpr T value() const { return v_; }

  friend constexpr bool operator==(StrongType, StrongType) = default;
  friend constexpr auto operator<=>(StrongType a, StrongType b) requires Ordered {
    return a.v_ <=> b.v_;
  }

 private:
  T v_{};
};

using Tsn = StrongType<struct TsnTag, std::uint32_t>;
using Ssn = StrongType<struct SsnTag, std::uint16_t>;
using Mid = StrongType<struct MidTag, std::uint32_t>;
using Fsn = StrongType<struct FsnTag, std::uint32_t>;
using StreamId = StrongType<struct StreamIdTag, std::uint16_t, true>;
using Ppid = StrongType<struct PpidTag, std::uint32_t>;
using VerificationTag = StrongType<struct VerificationTagTag, std::uint32_t>;
using ReconfigRequestSeq = StrongType<struct ReconfigRequestSeqTag, std::uint32_t>;
using AsconfSerial = StrongType<struct AsconfSerialTag, std::uint32_t>;

}  // namespace sctps

template <typename Tag, typename T, bool Ordered>
struct std::hash<sctps::StrongType<Tag, T, Ordered>> {
  std::size_t operator()(sctps::StrongType<Tag, T, Ordered> v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};
