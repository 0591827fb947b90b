// Record protection with the suite's AEAD (RFC 9147 §4, RFC 8446 §5.2 and §5.3), in place.
//
// One Aead serves one direction of one key context. create() fetches the algorithm and sets the
// key into an EVP_CIPHER_CTX once; each record then only sets the nonce, so sealing and opening
// allocate nothing. The per-record nonce is the static IV XOR the 64-bit record sequence number,
// left-padded with zeros to the IV length (the epoch is not part of it in DTLS 1.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "protect/cipher_suite.h"
#include "protect/evp_handles.h"
#include "protect/key_material.h"
#include "wire/byte_io.h"

namespace sctps::protect {

class Aead {
 public:
  enum class Mode : std::uint8_t { kSeal, kOpen };

  // nullopt if the lengths do not fit the suite or OpenSSL refuses the algorithm or key.
  static std::optional<Aead> create(const CipherSuite& suite, wire::Bytes key, wire::Bytes iv,
                                    Mode mode);

  // Encrypts `data` in place and writes the tag (tag_length() bytes) to `tag`. False only if
  // OpenSSL fails, or on a misuse (wrong mode, tag size, data above 64 KiB).
  bool seal(std::uint64_t sequence, wire::Bytes aad, wire::MutableBytes data,
            wire::MutableBytes tag);
  // Decrypts `data` in place and verifies `tag`. On false, `data` holds unauthenticated garbage
  // and must be discarded.
  bool open(std::uint64_t sequence, wire::Bytes aad, wire::MutableBytes data, wire::Bytes tag);

  std::size_t tag_length() const { return tag_length_; }
  Mode mode() const { return mode_; }

 private:
  Aead(EvpCipherCtxPtr ctx, SecretIv iv, std::size_t tag_length, Mode mode)
      : ctx_(std::move(ctx)),
        iv_(std::move(iv)),
        tag_length_(static_cast<std::uint8_t>(tag_length)),
        mode_(mode) {}
  bool start(std::uint64_t sequence, wire::Bytes aad);

  EvpCipherCtxPtr ctx_;
  SecretIv iv_;
  std::uint8_t tag_length_ = 0;  // kAeadTagLength (checked by create)
  Mode mode_ = Mode::kSeal;
};

}  // namespace sctps::protect
