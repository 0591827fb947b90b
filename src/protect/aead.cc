#include "protect/aead.h"

#include <array>

namespace sctps::protect {

namespace {

// Record sizes are bounded by the chunk length field; anything larger is a misuse.
constexpr std::size_t kMaxDataLength = 0xFFFF;

bool fits_int(std::size_t n) {
  return n <= kMaxDataLength;
}

}  // namespace

std::optional<Aead> Aead::create(const CipherSuite& suite, wire::Bytes key, wire::Bytes iv,
                                 Mode mode) {
  if (key.size() != suite.key_length || iv.size() != suite.iv_length ||
      iv.size() != kAeadNonceLength || suite.tag_length != kAeadTagLength)
    return std::nullopt;
  auto iv_copy = SecretIv::from(iv);
  if (!iv_copy) return std::nullopt;
  const EvpCipherPtr cipher = fetch_cipher(suite.aead_algorithm);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx) return std::nullopt;
  const int enc = mode == Mode::kSeal ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), nullptr, enc, nullptr) != 1)
    return std::nullopt;
  // The context keeps its own reference to the fetched cipher; `cipher` is released here.
  return Aead(std::move(ctx), std::move(*iv_copy), suite.tag_length, mode);
}

bool Aead::start(std::uint64_t sequence, wire::Bytes aad) {
  std::array<std::uint8_t, kAeadNonceLength> nonce{};
  const wire::Bytes iv = iv_.bytes();
  for (std::size_t i = 0; i < kAeadNonceLength; ++i) nonce[i] = iv[i];
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[kAeadNonceLength - 1 - i] ^= static_cast<std::uint8_t>(sequence >> (8 * i));
  }
  if (EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, nonce.data(), -1, nullptr) != 1)
    return false;
  int out_len = 0;
  return EVP_CipherUpdate(ctx_.get(), nullptr, &out_len, aad.data(),
                          static_cast<int>(aad.size())) == 1;
}

bool Aead::seal(std::uint64_t sequence, wire::Bytes aad, wire::MutableBytes data,
                wire::MutableBytes tag) {
  if (mode_ != Mode::kSeal || tag.size() != tag_length_ || !fits_int(data.size()) ||
      !fits_int(aad.size()))
    return false;
  if (!start(sequence, aad)) return false;
  int out_len = 0;
  if (!data.empty() && EVP_CipherUpdate(ctx_.get(), data.data(), &out_len, data.data(),
                                        static_cast<int>(data.size())) != 1)
    return false;
  int final_len = 0;
  // AEAD modes here are stream-like: Final writes nothing, but gets a valid pointer anyway.
  if (EVP_CipherFinal_ex(ctx_.get(), data.data() + out_len, &final_len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()),
                             tag.data()) == 1;
}

bool Aead::open(std::uint64_t sequence, wire::Bytes aad, wire::MutableBytes data, wire::Bytes tag) {
  if (mode_ != Mode::kOpen || tag.size() != tag_length_ || !fits_int(data.size()) ||
      !fits_int(aad.size()))
    return false;
  if (!start(sequence, aad)) return false;
  int out_len = 0;
  if (!data.empty() && EVP_CipherUpdate(ctx_.get(), data.data(), &out_len, data.data(),
                                        static_cast<int>(data.size())) != 1)
    return false;
  // The tag setter takes a non-const pointer but only reads from it.
  std::array<std::uint8_t, kAeadTagLength> expected{};
  for (std::size_t i = 0; i < tag.size(); ++i) expected[i] = tag[i];
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(expected.size()),
                          expected.data()) != 1)
    return false;
  int final_len = 0;
  return EVP_CipherFinal_ex(ctx_.get(), data.data() + out_len, &final_len) == 1;
}

}  // namespace sctps::protect
