// Record sequence number encryption (RFC 9147 §4.2.3): the 16-bit sequence number on the wire is
// XORed with the first two bytes of a mask computed from the sequence-number key and the first 16
// bytes of the encrypted record:
//   AES suites:      mask = AES-ECB(sn_key, sample)
//   ChaCha20 suite:  mask = ChaCha20(sn_key, counter = sample[0..3] little-endian,
//                                    nonce = sample[4..15])
// OpenSSL's ChaCha20 takes exactly that 16-byte layout as its IV, so the sample is the IV as is.
// The cipher context is prepared once (create) and reused for every record.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "protect/cipher_suite.h"
#include "protect/evp_handles.h"
#include "wire/byte_io.h"

namespace sctps::protect {

class SequenceMask {
 public:
  static constexpr std::size_t kSampleSize = 16;

  static std::optional<SequenceMask> create(const CipherSuite& suite, wire::Bytes sn_key);

  // The two mask bytes for a record whose encrypted part starts with `sample` (at least 16 bytes;
  // only the first 16 are used). nullopt if the sample is short or OpenSSL fails.
  std::optional<std::array<std::uint8_t, 2>> compute(wire::Bytes sample);

 private:
  SequenceMask(EvpCipherCtxPtr ctx, SequenceMaskKind kind) : ctx_(std::move(ctx)), kind_(kind) {}
  EvpCipherCtxPtr ctx_;
  SequenceMaskKind kind_;
};

}  // namespace sctps::protect
