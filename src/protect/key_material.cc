#include "protect/key_material.h"

#include <openssl/crypto.h>

#include <cstring>

namespace sctps::protect {

std::optional<SecretBytes> SecretBytes::from(wire::Bytes bytes) {
  if (bytes.size() > kCapacity) return std::nullopt;
  SecretBytes s;
  if (!bytes.empty()) std::memcpy(s.data_.data(), bytes.data(), bytes.size());
  s.size_ = static_cast<std::uint8_t>(bytes.size());
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = other.data_;
    size_ = other.size_;
    other.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  clear();
}

SecretBytes SecretBytes::clone() const {
  SecretBytes s;
  s.data_ = data_;
  s.size_ = size_;
  return s;
}

void SecretBytes::clear() {
  OPENSSL_cleanse(data_.data(), data_.size());
  size_ = 0;
}

std::optional<KeyMaterial> KeyMaterial::make(std::uint16_t suite_id, wire::Bytes key,
                                             wire::Bytes iv, wire::Bytes sn_key) {
  const CipherSuite* suite = find_cipher_suite(suite_id);
  if (suite == nullptr || key.size() != suite->key_length || iv.size() != suite->iv_length ||
      sn_key.size() != suite->sn_key_length)
    return std::nullopt;
  auto k = SecretBytes::from(key);
  auto i = SecretBytes::from(iv);
  auto s = SecretBytes::from(sn_key);
  if (!k || !i || !s) return std::nullopt;
  KeyMaterial m;
  m.suite = suite;
  m.key = std::move(*k);
  m.iv = std::move(*i);
  m.sn_key = std::move(*s);
  return m;
}

std::optional<KeyMaterial> KeyMaterial::from_concatenated(std::uint16_t suite_id,
                                                          wire::Bytes blob) {
  const CipherSuite* suite = find_cipher_suite(suite_id);
  if (suite == nullptr) return std::nullopt;
  if (blob.size() != suite->key_length + suite->iv_length + suite->sn_key_length)
    return std::nullopt;
  return make(suite_id, blob.first(suite->key_length),
              blob.subspan(suite->key_length, suite->iv_length),
              blob.subspan(suite->key_length + suite->iv_length));
}

bool KeyMaterial::valid() const {
  return suite != nullptr && key.size() == suite->key_length && iv.size() == suite->iv_length &&
         sn_key.size() == suite->sn_key_length;
}

KeyMaterial KeyMaterial::clone() const {
  KeyMaterial m;
  m.suite = suite;
  m.key = key.clone();
  m.iv = iv.clone();
  m.sn_key = sn_key.clone();
  return m;
}

}  // namespace sctps::protect
