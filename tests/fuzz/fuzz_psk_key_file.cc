// Fuzz target: arbitrary bytes as a pre-shared key file of method 0 (docs/psk.md), as
// `--psk-file` loads it. Either it parses, and then every section has a suite and key material of
// that suite's lengths, or it is refused with a message; nothing else may happen to any input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "km/psk_key_file.h"

namespace {

void check(const sctps::protect::KeyMaterial& m, const sctps::protect::CipherSuite* suite) {
  if (m.suite != suite || m.key.bytes().size() != suite->key_length ||
      m.iv.bytes().size() != suite->iv_length || m.sn_key.bytes().size() != suite->sn_key_length) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto file = sctps::km::PskKeyFile::parse(text, "fuzz.psk", error);
  if (!file) {
    if (error.empty()) std::abort();
    return 0;
  }
  for (const auto& peer : file->peers()) {
    if (peer.suite == nullptr) std::abort();
    check(peer.primary.client_to_server, peer.suite);
    check(peer.primary.server_to_client, peer.suite);
    if (peer.restart) {
      check(peer.restart->client_to_server, peer.suite);
      check(peer.restart->server_to_client, peer.suite);
    }
  }
  return 0;
}
