#include "protect/key_context.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "protect_test_util.h"

namespace sctps::protect {
namespace {

using testing::make_material;

TEST(AeadLimits, Levels) {
  EXPECT_EQ(AeadLimits::level(0, 100, 75), LimitLevel::kOk);
  EXPECT_EQ(AeadLimits::level(74, 100, 75), LimitLevel::kOk);
  EXPECT_EQ(AeadLimits::level(75, 100, 75), LimitLevel::kApproaching);
  EXPECT_EQ(AeadLimits::level(99, 100, 75), LimitLevel::kApproaching);
  EXPECT_EQ(AeadLimits::level(100, 100, 75), LimitLevel::kReached);
  EXPECT_EQ(AeadLimits::level(~std::uint64_t{0}, ~std::uint64_t{0}, 75), LimitLevel::kReached);
  EXPECT_EQ(AeadLimits::level(std::uint64_t{3} << 21, std::uint64_t{1} << 23, 75),
            LimitLevel::kApproaching);
}

TEST(AeadLimits, ForSuite) {
  const AeadLimits gcm = AeadLimits::for_suite(*find_cipher_suite(0x1301));
  EXPECT_EQ(gcm.confidentiality, std::uint64_t{1} << 23);
  EXPECT_EQ(gcm.integrity, std::uint64_t{1} << 36);
  EXPECT_EQ(gcm.warn_percent, 75u);
}

TEST(KeyContext, DirectionsInstallOnce) {
  KeyContext ctx(KeyId{false, 3});
  EXPECT_TRUE(ctx.empty());
  const KeyMaterial m = make_material(0x1301);
  const AeadLimits limits = AeadLimits::for_suite(*m.suite);
  EXPECT_TRUE(ctx.install_send(m, limits));
  EXPECT_FALSE(ctx.install_send(m, limits));  // never replaced: nonces would repeat
  EXPECT_TRUE(ctx.install_receive(m, limits, 128));
  EXPECT_FALSE(ctx.install_receive(m, limits, 128));
  ASSERT_NE(ctx.send(), nullptr);
  ASSERT_NE(ctx.receive(), nullptr);
  EXPECT_EQ(ctx.send()->next_sequence, 0u);
  EXPECT_EQ(ctx.receive()->replay.size(), 128u);
  ctx.destroy_send();
  EXPECT_EQ(ctx.send(), nullptr);
  EXPECT_FALSE(ctx.empty());
  ctx.destroy_receive();
  EXPECT_TRUE(ctx.empty());
  EXPECT_FALSE(ctx.install_send(KeyMaterial{}, limits));
}

TEST(KeyContext, LimitLevels) {
  KeyContext ctx(KeyId{false, 3});
  const KeyMaterial m = make_material(0x1303);
  AeadLimits limits = AeadLimits::for_suite(*m.suite);
  limits.confidentiality = 8;
  limits.integrity = 4;
  ASSERT_TRUE(ctx.install_send(m, limits));
  ASSERT_TRUE(ctx.install_receive(m, limits, 64));
  ctx.send()->encryptions = 5;
  EXPECT_EQ(ctx.send_limit_level(), LimitLevel::kOk);
  ctx.send()->encryptions = 6;
  EXPECT_EQ(ctx.send_limit_level(), LimitLevel::kApproaching);
  ctx.send()->encryptions = 8;
  EXPECT_EQ(ctx.send_limit_level(), LimitLevel::kReached);
  ctx.receive()->failed_decryptions = 3;
  EXPECT_EQ(ctx.receive_limit_level(), LimitLevel::kApproaching);
  ctx.receive()->failed_decryptions = 4;
  EXPECT_EQ(ctx.receive_limit_level(), LimitLevel::kReached);
}

TEST(KeyContext, SequenceSpaceCountsAsLimit) {
  KeyContext ctx(KeyId{false, 3});
  const KeyMaterial m = make_material(0x1303);  // ChaCha: no confidentiality limit below 2^48
  ASSERT_TRUE(ctx.install_send(m, AeadLimits::for_suite(*m.suite)));
  ctx.send()->next_sequence = (std::uint64_t{1} << 48) / 4 * 3;
  EXPECT_EQ(ctx.send_limit_level(), LimitLevel::kApproaching);
  ctx.send()->next_sequence = std::uint64_t{1} << 48;
  EXPECT_EQ(ctx.send_limit_level(), LimitLevel::kReached);
}

// Restart keys keep their material until first used; the contexts then made work exactly as those
// a primary key prepares at installation.
TEST(KeyContext, RestartDirectionsArePreparedOnFirstUse) {
  for (const std::uint16_t suite : {0x1301, 0x1302, 0x1303}) {
    SCOPED_TRACE(suite);
    const KeyMaterial m = make_material(suite, 7);
    const AeadLimits limits = AeadLimits::for_suite(*m.suite);
    KeyContext primary(KeyId{false, 3});
    KeyContext restart(KeyId{true, 3});
    ASSERT_TRUE(primary.install_send(m, limits));
    ASSERT_TRUE(primary.install_receive(m, limits, 64));
    ASSERT_TRUE(restart.install_send(m, limits));
    ASSERT_TRUE(restart.install_receive(m, limits, 64));
    EXPECT_TRUE(primary.send()->cipher.prepared());
    EXPECT_TRUE(primary.receive()->cipher.prepared());
    EXPECT_FALSE(restart.send()->cipher.prepared());
    EXPECT_FALSE(restart.receive()->cipher.prepared());
    EXPECT_EQ(restart.send()->cipher.tag_length(), kAeadTagLength);
    EXPECT_EQ(restart.receive()->cipher.tag_length(), kAeadTagLength);

    ASSERT_TRUE(restart.send()->cipher.prepare());
    EXPECT_TRUE(restart.send()->cipher.prepared());
    EXPECT_TRUE(restart.send()->cipher.prepare());  // once prepared, nothing more to do

    const std::array<std::uint8_t, 3> aad{0x28, 0x00, 0x05};
    std::vector<std::uint8_t> a(40, 0x5A), b(40, 0x5A);
    std::array<std::uint8_t, kAeadTagLength> tag_a{}, tag_b{};
    ASSERT_TRUE(primary.send()->cipher.aead().seal(5, aad, a, tag_a));
    ASSERT_TRUE(restart.send()->cipher.aead().seal(5, aad, b, tag_b));
    EXPECT_EQ(a, b);
    EXPECT_EQ(tag_a, tag_b);
    EXPECT_EQ(primary.send()->cipher.mask().compute(a), restart.send()->cipher.mask().compute(b));

    ASSERT_TRUE(restart.receive()->cipher.prepare());
    ASSERT_TRUE(restart.receive()->cipher.aead().open(5, aad, b, tag_b));
    EXPECT_EQ(b, std::vector<std::uint8_t>(40, 0x5A));
    EXPECT_EQ(restart.receive()->cipher.mask().compute(a),
              primary.receive()->cipher.mask().compute(a));
  }
}

TEST(KeyContext, RestartDirectionRefusesInvalidMaterialAtInstallation) {
  KeyContext restart(KeyId{true, 3});
  const KeyMaterial m = make_material(0x1301);
  const AeadLimits limits = AeadLimits::for_suite(*m.suite);
  KeyMaterial wrong = m.clone();
  wrong.suite = find_cipher_suite(0x1302);  // 16-byte key for a 32-byte-key suite
  EXPECT_FALSE(restart.install_send(wrong, limits));
  EXPECT_FALSE(restart.install_receive(wrong, limits, 64));
  EXPECT_TRUE(restart.empty());
}

}  // namespace
}  // namespace sctps::protect
