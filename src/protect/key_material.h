// Key material for one direction of one DTLS key context (draft §7: record payload key, IV and
// sequence-number key, for a cipher suite).
//
// SecretBytes keeps up to 32 bytes inline (the longest key of any supported suite), so a secret is
// never copied into heap blocks that outlive it. Its bytes are wiped with OPENSSL_cleanse when it
// is destroyed, assigned over and moved from (the moved-from object is left empty and zeroed). It
// cannot be copied implicitly and has no stream operator: a secret is never printed by accident
// (the key log, key_log.h, is the one deliberate exception and is opt-in).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protect/cipher_suite.h"
#include "wire/byte_io.h"

namespace sctps::protect {

class SecretBytes {
 public:
  static constexpr std::size_t kCapacity = kMaxKeyLength;

  SecretBytes() = default;
  // nullopt if `bytes` is longer than kCapacity.
  static std::optional<SecretBytes> from(wire::Bytes bytes);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  SecretBytes clone() const;  // an explicit copy, for the rare place that needs one

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  wire::Bytes bytes() const { return wire::Bytes(data_.data(), size_); }
  // Wipes the bytes and leaves the object empty.
  void clear();

 private:
  std::array<std::uint8_t, kCapacity> data_{};
  std::uint8_t size_ = 0;  // one byte (<= kCapacity): a key context holds several of these
  static_assert(kCapacity <= 0xFF);
};

struct KeyMaterial {
  const CipherSuite* suite = nullptr;
  SecretBytes key;     // record payload key
  SecretBytes iv;      // static IV, XORed with the record sequence number (RFC 8446 §5.3)
  SecretBytes sn_key;  // sequence-number protection key (RFC 9147 §4.2.3)

  // nullopt for an unsupported suite or any length that does not match the suite.
  static std::optional<KeyMaterial> make(std::uint16_t suite_id, wire::Bytes key, wire::Bytes iv,
                                         wire::Bytes sn_key);
  // From the layout of the socket API (draft §8.4.5): key, then IV, then sequence-number key,
  // concatenated, with the lengths the suite defines.
  static std::optional<KeyMaterial> from_concatenated(std::uint16_t suite_id, wire::Bytes blob);

  bool valid() const;
  KeyMaterial clone() const;
};

}  // namespace sctps::protect
