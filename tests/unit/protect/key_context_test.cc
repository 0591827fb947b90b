#include "protect/key_context.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sctps::protect
