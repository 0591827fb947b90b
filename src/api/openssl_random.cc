#include "api/openssl_random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <limits>

namespace sctps::api {

void OpenSslRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk =
        std::min<std::size_t>(out.size() - done, std::numeric_limits<int>::max());
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) std::abort();
    done += chunk;
  }
}

}  // namespace sctps::api
