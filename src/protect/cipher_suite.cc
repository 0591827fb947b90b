#include "protect/cipher_suite.h"

#include <array>

namespace sctps::protect {

namespace {

constexpr std::uint64_t kAesGcmConfidentialityLimit = std::uint64_t{1} << 23;
constexpr std::uint64_t kIntegrityLimit = std::uint64_t{1} << 36;

constexpr std::array<CipherSuite, 3> kSuites{{
    {cipher_suite_id::kAes128GcmSha256, "TLS_AES_128_GCM_SHA256", "AES-128-GCM", "AES-128-ECB",
     SequenceMaskKind::kAesEcb, 16, kAeadNonceLength, 16, kAeadTagLength,
     kAesGcmConfidentialityLimit, kIntegrityLimit},
    {cipher_suite_id::kAes256GcmSha384, "TLS_AES_256_GCM_SHA384", "AES-256-GCM", "AES-256-ECB",
     SequenceMaskKind::kAesEcb, 32, kAeadNonceLength, 32, kAeadTagLength,
     kAesGcmConfidentialityLimit, kIntegrityLimit},
    {cipher_suite_id::kChacha20Poly1305Sha256, "TLS_CHACHA20_POLY1305_SHA256", "ChaCha20-Poly1305",
     "ChaCha20", SequenceMaskKind::kChacha20, 32, kAeadNonceLength, 32, kAeadTagLength,
     kMaxRecordSequence + 1, kIntegrityLimit},
}};

}  // namespace

const CipherSuite* find_cipher_suite(std::uint16_t id) {
  for (const CipherSuite& s : kSuites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::span<const CipherSuite> supported_cipher_suites() {
  return kSuites;
}

}  // namespace sctps::protect
