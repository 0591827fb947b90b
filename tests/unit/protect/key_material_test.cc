#include "protect/key_material.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <new>
#include <vector>

namespace sctps::protect {
namespace {

// True if any 4-byte piece of the secret is still in the storage.
bool any_piece_left(wire::Bytes storage, wire::Bytes secret) {
  for (std::size_t i = 0; i + 4 <= secret.size(); ++i) {
    const auto piece = secret.subspan(i, 4);
    if (std::search(storage.begin(), storage.end(), piece.begin(), piece.end()) != storage.end())
      return true;
  }
  return false;
}

// True if `needle` occurs anywhere in `haystack`.
bool contains(wire::Bytes haystack, wire::Bytes needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + 3 * i + 1);
  return v;
}

TEST(SecretBytes, HoldsUpToCapacity) {
  const auto key = pattern(32, 0x10);
  auto s = SecretBytes::from(key);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->size(), 32u);
  EXPECT_TRUE(std::equal(key.begin(), key.end(), s->bytes().begin(), s->bytes().end()));
  EXPECT_FALSE(SecretBytes::from(pattern(33, 0)).has_value());
  EXPECT_TRUE(SecretBytes::from({}).has_value());
}

// The destructor wipes the bytes: build one in storage we own, destroy it, look at the storage.
TEST(SecretBytes, DestructionWipes) {
  const auto key = pattern(32, 0x20);
  alignas(SecretBytes) std::array<std::uint8_t, sizeof(SecretBytes)> storage{};
  auto* s = new (storage.data()) SecretBytes(std::move(*SecretBytes::from(key)));
  ASSERT_TRUE(contains(storage, key));
  s->~SecretBytes();
  // (The size field may keep its value: the compiler may drop that dead store. The bytes are
  // wiped by OPENSSL_cleanse, which it may not drop.)
  EXPECT_FALSE(any_piece_left(storage, key));
}

TEST(SecretBytes, MoveLeavesSourceEmptyAndWiped) {
  const auto key = pattern(16, 0x30);
  alignas(SecretBytes) std::array<std::uint8_t, sizeof(SecretBytes)> storage{};
  auto* source = new (storage.data()) SecretBytes(std::move(*SecretBytes::from(key)));
  ASSERT_TRUE(contains(storage, key));
  SecretBytes target(std::move(*source));
  EXPECT_TRUE(source->empty());
  EXPECT_FALSE(any_piece_left(storage, key));
  EXPECT_TRUE(std::all_of(storage.begin(), storage.end(), [](std::uint8_t b) { return b == 0; }));
  EXPECT_TRUE(std::equal(key.begin(), key.end(), target.bytes().begin(), target.bytes().end()));

  SecretBytes assigned;
  assigned = std::move(target);
  EXPECT_TRUE(target.empty());
  EXPECT_EQ(assigned.size(), 16u);
  source->~SecretBytes();
}

TEST(SecretBytes, MoveAssignmentWipesOverwrittenSecret) {
  const auto first = pattern(32, 0x40);
  alignas(SecretBytes) std::array<std::uint8_t, sizeof(SecretBytes)> storage{};
  auto* s = new (storage.data()) SecretBytes(std::move(*SecretBytes::from(first)));
  *s = std::move(*SecretBytes::from(pattern(4, 0x90)));
  EXPECT_FALSE(any_piece_left(storage, first));
  EXPECT_EQ(s->size(), 4u);
  s->~SecretBytes();
}

TEST(SecretBytes, ClearAndClone) {
  auto s = *SecretBytes::from(pattern(8, 1));
  const SecretBytes c = s.clone();
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(c.size(), 8u);
}

TEST(KeyMaterial, ValidatesLengthsPerSuite) {
  EXPECT_TRUE(KeyMaterial::make(0x1301, pattern(16, 0), pattern(12, 0), pattern(16, 0)));
  EXPECT_TRUE(KeyMaterial::make(0x1302, pattern(32, 0), pattern(12, 0), pattern(32, 0)));
  EXPECT_TRUE(KeyMaterial::make(0x1303, pattern(32, 0), pattern(12, 0), pattern(32, 0)));
  EXPECT_FALSE(KeyMaterial::make(0x1301, pattern(32, 0), pattern(12, 0), pattern(16, 0)));
  EXPECT_FALSE(KeyMaterial::make(0x1301, pattern(16, 0), pattern(16, 0), pattern(16, 0)));
  EXPECT_FALSE(KeyMaterial::make(0x1301, pattern(16, 0), pattern(12, 0), pattern(32, 0)));
  EXPECT_FALSE(KeyMaterial::make(0x1302, pattern(16, 0), pattern(12, 0), pattern(16, 0)));
  EXPECT_FALSE(KeyMaterial::make(0x1304, pattern(16, 0), pattern(12, 0), pattern(16, 0)));
  EXPECT_FALSE(KeyMaterial{}.valid());
}

TEST(KeyMaterial, FromConcatenated) {
  std::vector<std::uint8_t> blob = pattern(16 + 12 + 16, 5);
  auto m = KeyMaterial::from_concatenated(0x1301, blob);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->valid());
  EXPECT_EQ(m->key.bytes()[0], blob[0]);
  EXPECT_EQ(m->iv.bytes()[0], blob[16]);
  EXPECT_EQ(m->sn_key.bytes()[0], blob[28]);
  blob.push_back(0);
  EXPECT_FALSE(KeyMaterial::from_concatenated(0x1301, blob));
  EXPECT_FALSE(KeyMaterial::from_concatenated(0x9999, blob));
}

TEST(KeyMaterial, CloneIsIndependent) {
  auto m = KeyMaterial::make(0x1301, pattern(16, 0), pattern(12, 0), pattern(16, 0));
  ASSERT_TRUE(m);
  KeyMaterial c = m->clone();
  m->key.clear();
  EXPECT_FALSE(m->valid());
  EXPECT_TRUE(c.valid());
}

}  // namespace
}  // namespace sctps::protect
