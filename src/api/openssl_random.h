// The production RandomSource: OpenSSL's RAND_bytes (a CSPRNG seeded by the OS). Verification
// tags, initial TSNs and cookie secrets come from here outside tests.
#pragma once

#include <cstdint>
#include <span>

#include "core/random.h"

namespace sctps::api {

class OpenSslRandom final : public RandomSource {
 public:
  // Aborts if OpenSSL cannot produce random bytes: continuing with predictable tags is worse.
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace sctps::api
