// Owning handles for the OpenSSL EVP objects the protector prepares once per key direction.
// EVP_CIPHER_CTX_free wipes the key schedule it holds.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string_view>

namespace sctps::protect {

struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct EvpCipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter>;
using EvpCipherPtr = std::unique_ptr<EVP_CIPHER, EvpCipherDeleter>;

// Fetches an algorithm from the default library context by its name (a string_view taken from
// the constant suite table, which is NUL-terminated). Null if the provider lacks it.
inline EvpCipherPtr fetch_cipher(std::string_view name) {
  return EvpCipherPtr(EVP_CIPHER_fetch(nullptr, name.data(), nullptr));
}

}  // namespace sctps::protect
