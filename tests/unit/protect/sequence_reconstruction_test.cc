#include "protect/sequence_reconstruction.h"

#include <gtest/gtest.h>

#include "protect/cipher_suite.h"

namespace sctps::protect {
namespace {

std::uint16_t low(std::uint64_t s) {
  return static_cast<std::uint16_t>(s);
}

TEST(SequenceReconstruction, FromStart) {
  EXPECT_EQ(reconstruct_sequence(0, 0), 0u);
  EXPECT_EQ(reconstruct_sequence(0, 5), 5u);
  EXPECT_EQ(reconstruct_sequence(0, 0xFFFF), 0xFFFFu);  // cannot be below 0
}

TEST(SequenceReconstruction, ClosestToExpected) {
  for (const std::uint64_t expected :
       {std::uint64_t{0x10000}, std::uint64_t{0x1FFFF}, std::uint64_t{0x12345678},
        std::uint64_t{0x20000}, std::uint64_t{0xFFFF00}}) {
    for (std::int64_t d = -0x7FFF; d <= 0x8000; d += 0x3F1) {
      const std::uint64_t actual =
          static_cast<std::uint64_t>(static_cast<std::int64_t>(expected) + d);
      EXPECT_EQ(reconstruct_sequence(expected, low(actual)), actual) << expected << " " << d;
    }
  }
}

TEST(SequenceReconstruction, HalfWindowEdges) {
  const std::uint64_t expected = 0x30000;
  // The range is (expected - 2^15, expected + 2^15].
  EXPECT_EQ(reconstruct_sequence(expected, low(expected - 0x7FFF)), expected - 0x7FFF);
  EXPECT_EQ(reconstruct_sequence(expected, low(expected + 0x8000)), expected + 0x8000);
  // One beyond either edge aliases to the other side.
  EXPECT_EQ(reconstruct_sequence(expected, low(expected - 0x8000)), expected + 0x8000);
  EXPECT_EQ(reconstruct_sequence(expected, low(expected + 0x8001)), expected - 0x7FFF);
  // The same with an expected value whose low bits are not zero.
  const std::uint64_t odd = 0x3ABCD;
  EXPECT_EQ(reconstruct_sequence(odd, low(odd - 0x7FFF)), odd - 0x7FFF);
  EXPECT_EQ(reconstruct_sequence(odd, low(odd + 0x8000)), odd + 0x8000);
  EXPECT_EQ(reconstruct_sequence(odd, low(odd - 0x8000)), odd + 0x8000);
}

TEST(SequenceReconstruction, WrapsAcrossBlocks) {
  EXPECT_EQ(reconstruct_sequence(0xFFFF, 0x0000), 0x10000u);
  EXPECT_EQ(reconstruct_sequence(0x10000, 0xFFFF), 0xFFFFu);
  EXPECT_EQ(reconstruct_sequence(0x1FFF0, 0x0005), 0x20005u);
  EXPECT_EQ(reconstruct_sequence(0x20005, 0xFFF0), 0x1FFF0u);
}

TEST(SequenceReconstruction, StaysInside48Bits) {
  const std::uint64_t max = kMaxRecordSequence;
  EXPECT_EQ(reconstruct_sequence(max, low(max)), max);
  EXPECT_EQ(reconstruct_sequence(max + 1, 0x0000), max + 1 - 0x10000);
  EXPECT_LE(reconstruct_sequence(max + 1, 0x0001), max);
  EXPECT_LE(reconstruct_sequence(max - 3, 0x0002), max);
}

}  // namespace
}  // namespace sctps::protect
