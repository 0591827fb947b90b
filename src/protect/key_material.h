// Key material for one direction of one DTLS key context (draft §7: record payload key, IV and
// sequence-number key, for a cipher suite).
//
// SecretBytes keeps up to 32 bytes inline (the longest key of any supported suite; SecretIv the 12
// bytes of an IV), so a secret is never copied into heap blocks that outlive it. Its bytes are
// wiped with OPENSSL_cleanse when it is destroyed, assigned over and moved from (the moved-from
// object is left empty and zeroed). It cannot be copied implicitly and has no stream operator: a
// secret is never printed by accident (the key log, key_log.h, is the one deliberate exception and
// is opt-in).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "protect/cipher_suite.h"
#include "wire/byte_io.h"

namespace sctps::protect {

// Wipes `size` bytes at `data` so that the compiler cannot elide it (OPENSSL_cleanse).
void wipe_secret(void* data, std::size_t size);

template <std::size_t Capacity>
class BasicSecretBytes {
 public:
  static constexpr std::size_t kCapacity = Capacity;

  BasicSecretBytes() = default;
  // nullopt if `bytes` is longer than kCapacity.
  static std::optional<BasicSecretBytes> from(wire::Bytes bytes) {
    if (bytes.size() > kCapacity) return std::nullopt;
    BasicSecretBytes s;
    if (!bytes.empty()) std::memcpy(s.data_.data(), bytes.data(), bytes.size());
    s.size_ = static_cast<std::uint8_t>(bytes.size());
    return s;
  }

  BasicSecretBytes(const BasicSecretBytes&) = delete;
  BasicSecretBytes& operator=(const BasicSecretBytes&) = delete;
  BasicSecretBytes(BasicSecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.clear();
  }
  BasicSecretBytes& operator=(BasicSecretBytes&& other) noexcept {
    if (this != &other) {
      clear();
      data_ = other.data_;
      size_ = other.size_;
      other.clear();
    }
    return *this;
  }
  ~BasicSecretBytes() { clear(); }

  // An explicit copy, for the rare place that needs one.
  BasicSecretBytes clone() const {
    BasicSecretBytes s;
    s.data_ = data_;
    s.size_ = size_;
    return s;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  wire::Bytes bytes() const { return wire::Bytes(data_.data(), size_); }
  // Wipes the bytes and leaves the object empty.
  void clear() {
    wipe_secret(data_.data(), data_.size());
    size_ = 0;
  }

 private:
  std::array<std::uint8_t, kCapacity> data_{};
  std::uint8_t size_ = 0;  // one byte (<= kCapacity): a key context holds several of these
  static_assert(kCapacity <= 0xFF);
};

// A key: up to the longest key of any supported suite.
using SecretBytes = BasicSecretBytes<kMaxKeyLength>;
// A static IV: 12 bytes for every supported suite (RFC 8446 §5.3), so no room is kept for more
// (issue #6: an idle association holds several of these).
using SecretIv = BasicSecretBytes<kAeadNonceLength>;

struct KeyMaterial {
  const CipherSuite* suite = nullptr;
  SecretBytes key;     // record payload key
  SecretIv iv;         // static IV, XORed with the record sequence number (RFC 8446 §5.3)
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
