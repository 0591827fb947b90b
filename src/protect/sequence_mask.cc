#include "protect/sequence_mask.h"

namespace sctps::protect {

std::optional<SequenceMask> SequenceMask::create(const CipherSuite& suite, wire::Bytes sn_key) {
  if (sn_key.size() != suite.sn_key_length) return std::nullopt;
  const EvpCipherPtr cipher = fetch_cipher(suite.mask_algorithm);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx) return std::nullopt;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher.get(), sn_key.data(), nullptr, nullptr) != 1)
    return std::nullopt;
  if (suite.mask_kind == SequenceMaskKind::kAesEcb && EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return std::nullopt;
  return SequenceMask(std::move(ctx), suite.mask_kind);
}

std::optional<std::array<std::uint8_t, 2>> SequenceMask::compute(wire::Bytes sample) {
  if (sample.size() < kSampleSize) return std::nullopt;
  int out_len = 0;
  if (kind_ == SequenceMaskKind::kAesEcb) {
    // ECB keeps no state between blocks: one prepared context encrypts any block.
    std::array<std::uint8_t, kSampleSize> block{};
    if (EVP_EncryptUpdate(ctx_.get(), block.data(), &out_len, sample.data(),
                          static_cast<int>(kSampleSize)) != 1 ||
        out_len != static_cast<int>(kSampleSize))
      return std::nullopt;
    return std::array<std::uint8_t, 2>{block[0], block[1]};
  }
  // ChaCha20: the sample is counter and nonce; the mask is the first keystream bytes.
  if (EVP_EncryptInit_ex2(ctx_.get(), nullptr, nullptr, sample.data(), nullptr) != 1)
    return std::nullopt;
  const std::array<std::uint8_t, 2> zeros{};
  std::array<std::uint8_t, 2> mask{};
  if (EVP_EncryptUpdate(ctx_.get(), mask.data(), &out_len, zeros.data(),
                        static_cast<int>(zeros.size())) != 1 ||
      out_len != static_cast<int>(zeros.size()))
    return std::nullopt;
  return mask;
}

}  // namespace sctps::protect
