// Randomness comes into core through this interface: OpenSSL's RAND_bytes in production, a seeded
// generator in tests and in the simulator (so runs are reproducible).
#pragma once

#include <cstdint>
#include <span>

namespace sctps {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::uint32_t next_u32() {
    std::uint8_t b[4];
    fill(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           std::uint32_t{b[3]};
  }
  // A verification tag or initial TSN: never 0 (RFC 9260 §5.3.1 forbids a zero initiate tag).
  std::uint32_t next_nonzero_u32() {
    for (;;) {
      if (const std::uint32_t v = next_u32(); v != 0) return v;
    }
  }
  // Uniform in [0, bound) for bound > 0.
  std::uint32_t uniform(std::uint32_t bound) {
    const std::uint32_t limit = 0xFFFFFFFFu - (0xFFFFFFFFu % bound);
    for (;;) {
      if (const std::uint32_t v = next_u32(); v < limit) return v % bound;
    }
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next_u32()) / 4294967296.0; }
};

// Deterministic generator (xoshiro256** seeded by splitmix64) for tests and the simulator.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }
  void fill(std::span<std::uint8_t> out) override {
    std::size_t i = 0;
    while (i < out.size()) {
      std::uint64_t v = next();
      for (int k = 0; k < 8 && i < out.size(); ++k, ++i) {
        out[i] = static_cast<std::uint8_t>(v);
        v >>= 8;
      }
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace sctps
