#include "protect/aead.h"

#include <gtest/gtest.h>

#include <vector>

#include "protect/sequence_mask.h"
#include "protect_test_util.h"

namespace sctps::protect {
namespace {

struct Keys {
  std::vector<std::uint8_t> key, iv, sn;
};

Keys keys_for(const CipherSuite& s, std::uint8_t seed) {
  Keys k{std::vector<std::uint8_t>(s.key_length), std::vector<std::uint8_t>(s.iv_length),
         std::vector<std::uint8_t>(s.sn_key_length)};
  for (std::size_t i = 0; i < k.key.size(); ++i) k.key[i] = static_cast<std::uint8_t>(seed + i);
  for (std::size_t i = 0; i < k.iv.size(); ++i) k.iv[i] = static_cast<std::uint8_t>(seed * 3 + i);
  for (std::size_t i = 0; i < k.sn.size(); ++i) k.sn[i] = static_cast<std::uint8_t>(seed * 5 + i);
  return k;
}

class AeadTest : public ::testing::TestWithParam<std::uint16_t> {
 protected:
  const CipherSuite& suite() const { return *find_cipher_suite(GetParam()); }
};

TEST_P(AeadTest, SealOpenInPlace) {
  const Keys k = keys_for(suite(), 1);
  auto sealer = Aead::create(suite(), k.key, k.iv, Aead::Mode::kSeal);
  auto opener = Aead::create(suite(), k.key, k.iv, Aead::Mode::kOpen);
  ASSERT_TRUE(sealer && opener);
  const std::vector<std::uint8_t> aad{0x2b, 0x00, 0x07};
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{1200}, std::size_t{16384}}) {
    std::vector<std::uint8_t> data(n), tag(16);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i);
    const auto plain = data;
    ASSERT_TRUE(sealer->seal(7, aad, data, tag));
    if (n > 16) {
      EXPECT_NE(data, plain);
    }
    ASSERT_TRUE(opener->open(7, aad, data, tag));
    EXPECT_EQ(data, plain);
  }
}

TEST_P(AeadTest, OpenFailsOnWrongSequenceAadOrTag) {
  const Keys k = keys_for(suite(), 2);
  auto sealer = Aead::create(suite(), k.key, k.iv, Aead::Mode::kSeal);
  auto opener = Aead::create(suite(), k.key, k.iv, Aead::Mode::kOpen);
  ASSERT_TRUE(sealer && opener);
  const std::vector<std::uint8_t> aad{0x2b, 0x01, 0x00};
  std::vector<std::uint8_t> data(100, 0x55), tag(16);
  ASSERT_TRUE(sealer->seal(256, aad, data, tag));
  const auto sealed = data;
  auto copy = sealed;
  EXPECT_FALSE(opener->open(257, aad, copy, tag));
  copy = sealed;
  EXPECT_FALSE(opener->open(256, std::vector<std::uint8_t>{0x2b, 0x01, 0x01}, copy, tag));
  copy = sealed;
  auto bad_tag = tag;
  bad_tag[15] ^= 1;
  EXPECT_FALSE(opener->open(256, aad, copy, bad_tag));
  copy = sealed;
  EXPECT_TRUE(opener->open(256, aad, copy, tag));  // the context recovers after failures
}

TEST_P(AeadTest, NonceDependsOnSequenceOnly) {
  // Same plaintext, same key: different sequence numbers give different ciphertexts; the same
  // sequence number gives the same one (the nonce is IV XOR sequence, nothing else).
  const Keys k = keys_for(suite(), 3);
  auto sealer = Aead::create(suite(), k.key, k.iv, Aead::Mode::kSeal);
  ASSERT_TRUE(sealer);
  const std::vector<std::uint8_t> aad{1, 2, 3};
  std::vector<std::uint8_t> a(32, 9), b(32, 9), c(32, 9), ta(16), tb(16), tc(16);
  ASSERT_TRUE(sealer->seal(1, aad, a, ta));
  ASSERT_TRUE(sealer->seal(2, aad, b, tb));
  ASSERT_TRUE(sealer->seal(1, aad, c, tc));
  EXPECT_NE(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(ta, tc);
}

TEST_P(AeadTest, Misuse) {
  const Keys k = keys_for(suite(), 4);
  EXPECT_FALSE(Aead::create(suite(), wire::Bytes(k.key).first(8), k.iv, Aead::Mode::kSeal));
  EXPECT_FALSE(Aead::create(suite(), k.key, wire::Bytes(k.iv).first(8), Aead::Mode::kSeal));
  auto opener = Aead::create(suite(), k.key, k.iv, Aead::Mode::kOpen);
  ASSERT_TRUE(opener);
  std::vector<std::uint8_t> data(10), tag(16), short_tag(8);
  EXPECT_FALSE(opener->seal(0, {}, data, tag));  // wrong mode
  EXPECT_FALSE(opener->open(0, {}, data, short_tag));
  std::vector<std::uint8_t> huge(70000);
  EXPECT_FALSE(opener->open(0, {}, huge, tag));
}

TEST_P(AeadTest, SequenceMask) {
  const Keys k = keys_for(suite(), 5);
  auto mask = SequenceMask::create(suite(), k.sn);
  ASSERT_TRUE(mask);
  std::vector<std::uint8_t> sample(16);
  for (std::size_t i = 0; i < 16; ++i) sample[i] = static_cast<std::uint8_t>(i * 11);
  const auto m1 = mask->compute(sample);
  const auto m2 = mask->compute(sample);  // a prepared context gives the same answer again
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(*m1, *m2);
  sample[15] ^= 1;  // every sample byte matters
  const auto m3 = mask->compute(sample);
  ASSERT_TRUE(m3);
  EXPECT_NE(*m1, *m3);
  EXPECT_FALSE(mask->compute(wire::Bytes(sample).first(15)));
  EXPECT_FALSE(SequenceMask::create(suite(), wire::Bytes(k.sn).first(4)));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, AeadTest, ::testing::Values(0x1301, 0x1302, 0x1303));

}  // namespace
}  // namespace sctps::protect
