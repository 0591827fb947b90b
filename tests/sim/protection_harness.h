// Helpers for tests of the DTLS chunk in the simulated network: pre-shared key files (method 0)
// built for a suite, endpoint options enabling the DTLS chunk, and a Pair whose endpoints use them.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>

#include "km/psk_key_manager.h"
#include "sim_harness.h"
#include "wire/dtls_km_parameter.h"

namespace sctps::sim {

// Key bytes derived from `seed` (hex), `n` bytes.
inline std::string test_key_hex(std::size_t n, unsigned seed) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", (seed * 37 + i * 11 + 5) & 0xFF);
  return out;
}

// A key file with one section for `peer` ("*" for any) and the given suite.
inline std::string psk_file_text(std::uint16_t suite_id = 0x1301, std::string_view peer = "*",
                                 bool restart = false, unsigned seed = 1) {
  const protect::CipherSuite* s = protect::find_cipher_suite(suite_id);
  std::string text = fmt::format("[peer {}]\nsuite = {}\n", peer, s->name);
  unsigned k = seed;
  for (std::string_view prefix : {"", "restart_"}) {
    if (!prefix.empty() && !restart) break;
    for (std::string_view dir : {"client", "server"}) {
      text += fmt::format("{}{}_key = {}\n", prefix, dir, test_key_hex(s->key_length, k++));
      text += fmt::format("{}{}_iv = {}\n", prefix, dir, test_key_hex(s->iv_length, k++));
      text += fmt::format("{}{}_sn_key = {}\n", prefix, dir, test_key_hex(s->sn_key_length, k++));
    }
  }
  return text;
}

inline std::shared_ptr<km::PskKeyManagerFactory> psk_factory(const std::string& text) {
  std::string error;
  auto file = km::PskKeyFile::parse(text, "test", error);
  EXPECT_TRUE(file.has_value()) << error;
  if (!file) return nullptr;
  return std::make_shared<km::PskKeyManagerFactory>(std::move(*file));
}

inline core::DtlsChunkConfig psk_dtls(core::DtlsMode mode = core::DtlsMode::kStrict,
                                      core::DtlsRoles roles = core::DtlsRoles::kBoth) {
  core::DtlsChunkConfig c;
  c.enabled = true;
  c.methods = {wire::dtls_km_method::kPreSharedKeys};
  c.roles = roles;
  c.mode = mode;
  return c;
}

inline core::AssociationOptions with_dtls(core::AssociationOptions o,
                                          const core::DtlsChunkConfig& dtls) {
  o.dtls = dtls;
  return o;
}

inline ConfigHook use_keys(const std::shared_ptr<km::PskKeyManagerFactory>& factory) {
  return [factory](core::EndpointConfig& c) { c.key_managers = factory.get(); };
}

// Both endpoints strict, method 0, the same key file; `link` as for Pair.
struct PskPair {
  explicit PskPair(std::uint64_t seed = 1, LinkConfig link = {}, std::uint16_t suite = 0x1301,
                   core::AssociationOptions base = fast_options())
      : keys(psk_factory(psk_file_text(suite))),
        pair(seed, link, with_dtls(base, psk_dtls()), with_dtls(base, psk_dtls()), use_keys(keys),
             use_keys(keys)) {}
  std::shared_ptr<km::PskKeyManagerFactory> keys;
  Pair pair;
};

// Events of a kind from a host's event log.
template <typename E>
std::vector<E> events_of(const EndpointHost& host) {
  std::vector<E> out;
  for (const core::Event& e : host.events()) {
    if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
  }
  return out;
}

}  // namespace sctps::sim
