#include "protect/cipher_suite.h"

#include <gtest/gtest.h>

namespace sctps::protect {
namespace {

TEST(CipherSuite, Aes128Gcm) {
  const CipherSuite* s = find_cipher_suite(0x1301);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(s->key_length, 16u);
  EXPECT_EQ(s->iv_length, 12u);
  EXPECT_EQ(s->sn_key_length, 16u);
  EXPECT_EQ(s->tag_length, 16u);
  EXPECT_EQ(s->mask_kind, SequenceMaskKind::kAesEcb);
  EXPECT_EQ(s->confidentiality_limit, std::uint64_t{1} << 23);
  EXPECT_EQ(s->integrity_limit, std::uint64_t{1} << 36);
}

TEST(CipherSuite, Aes256Gcm) {
  const CipherSuite* s = find_cipher_suite(0x1302);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(s->key_length, 32u);
  EXPECT_EQ(s->iv_length, 12u);
  EXPECT_EQ(s->sn_key_length, 32u);
  EXPECT_EQ(s->tag_length, 16u);
  EXPECT_EQ(s->mask_kind, SequenceMaskKind::kAesEcb);
  EXPECT_EQ(s->confidentiality_limit, std::uint64_t{1} << 23);
  EXPECT_EQ(s->integrity_limit, std::uint64_t{1} << 36);
}

TEST(CipherSuite, Chacha20Poly1305) {
  const CipherSuite* s = find_cipher_suite(0x1303);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(s->key_length, 32u);
  EXPECT_EQ(s->iv_length, 12u);
  EXPECT_EQ(s->sn_key_length, 32u);
  EXPECT_EQ(s->tag_length, 16u);
  EXPECT_EQ(s->mask_kind, SequenceMaskKind::kChacha20);
  // No confidentiality limit below the 48-bit sequence space (RFC 8446 §5.5).
  EXPECT_EQ(s->confidentiality_limit, std::uint64_t{1} << 48);
  EXPECT_EQ(s->integrity_limit, std::uint64_t{1} << 36);
}

TEST(CipherSuite, UnknownAndList) {
  EXPECT_EQ(find_cipher_suite(0x1304), nullptr);  // AES-128-CCM: not supported
  EXPECT_EQ(find_cipher_suite(0x1305), nullptr);  // AES-128-CCM-8: not for DTLS without care
  EXPECT_EQ(find_cipher_suite(0), nullptr);
  const auto all = supported_cipher_suites();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 0x1301);  // mandatory to implement, draft §3.1.1
  EXPECT_EQ(all[1].id, 0x1302);
  EXPECT_EQ(all[2].id, 0x1303);
}

}  // namespace
}  // namespace sctps::protect
