#include "protect/key_material.h"

#include <openssl/crypto.h>

namespace sctps::protect {

void wipe_secret(void* data, std::size_t size) {
  OPENSSL_cleanse(data, size);
}

std::optional<KeyMaterial> KeyMaterial::make(std::uint16_t suite_id, wire::Bytes key,
                                             wire::Bytes iv, wire::Bytes sn_key) {
  const CipherSuite* suite = find_cipher_suite(suite_id);
  if (suite == nullptr || key.size() != suite->key_length || iv.size() != suite->iv_length ||
      sn_key.size() != suite->sn_key_length)
    return std::nullopt;
  auto k = SecretBytes::from(key);
  auto i = SecretIv::from(iv);
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
