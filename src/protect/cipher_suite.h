// The TLS 1.3 cipher suites the DTLS chunk protects records with (draft §3.1.1: AES-128-GCM is
// mandatory, AES-256-GCM and ChaCha20-Poly1305 recommended), and what the protector needs to know
// about each: key, IV and sequence-number key lengths, tag length, the OpenSSL algorithm names of
// the AEAD and of the sequence-number mask (RFC 9147 §4.2.3), and the AEAD usage limits.
//
// AEAD limits (RFC 9147 §4.5.3, which takes the confidentiality limits of RFC 8446 §5.5 and adds
// an integrity limit on records that fail authentication):
// - Confidentiality, AES-GCM: RFC 8446 §5.5 allows 2^24.5 records of 2^14 bytes. A DTLS chunk
//   record may be up to 2^16 bytes (the chunk length limit), so we use the bound computed for
//   packets of that size, 2^23 records (the figure RFC 9001 §6.6 derives for QUIC).
// - Confidentiality, ChaCha20-Poly1305: no limit before the sequence number space is exhausted
//   (RFC 8446 §5.5); the 48-bit record sequence number is the limit.
// - Integrity (failed decryptions), all three: 2^36 (RFC 9147 §4.5.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sctps::protect {

namespace cipher_suite_id {
inline constexpr std::uint16_t kAes128GcmSha256 = 0x1301;
inline constexpr std::uint16_t kAes256GcmSha384 = 0x1302;
inline constexpr std::uint16_t kChacha20Poly1305Sha256 = 0x1303;
}  // namespace cipher_suite_id

enum class SequenceMaskKind : std::uint8_t {
  kAesEcb,    // mask = AES-ECB(sn_key, ciphertext[0..15])
  kChacha20,  // mask = ChaCha20(sn_key, counter = ciphertext[0..3] LE, nonce = ciphertext[4..15])
};

// DTLS 1.3 record sequence numbers are 48 bits per epoch (RFC 9147 §4).
inline constexpr std::uint64_t kMaxRecordSequence = (std::uint64_t{1} << 48) - 1;

struct CipherSuite {
  std::uint16_t id = 0;
  std::string_view name;            // IANA name, e.g. "TLS_AES_128_GCM_SHA256"
  std::string_view aead_algorithm;  // OpenSSL EVP name of the AEAD
  std::string_view mask_algorithm;  // OpenSSL EVP name of the sequence-number mask cipher
  SequenceMaskKind mask_kind = SequenceMaskKind::kAesEcb;
  std::size_t key_length = 0;
  std::size_t iv_length = 0;
  std::size_t sn_key_length = 0;
  std::size_t tag_length = 0;
  std::uint64_t confidentiality_limit = 0;  // records one key may protect
  std::uint64_t integrity_limit = 0;        // records that may fail authentication with one key
};

inline constexpr std::size_t kAeadNonceLength = 12;  // every supported suite (RFC 8446 §5.3)
inline constexpr std::size_t kAeadTagLength = 16;    // every supported suite
inline constexpr std::size_t kMaxKeyLength = 32;

// nullptr for a suite this implementation does not support.
const CipherSuite* find_cipher_suite(std::uint16_t id);
// All supported suites, preferred first (draft §7.3 Cipher Suite Capabilities).
std::span<const CipherSuite> supported_cipher_suites();

}  // namespace sctps::protect
