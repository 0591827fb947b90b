#include "protect/replay_window.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

namespace sctps::protect {
namespace {

using V = ReplayWindow::Verdict;

void accept(ReplayWindow& w, std::uint64_t s) {
  ASSERT_EQ(w.check(s), V::kNew) << s;
  w.commit(s);
}

TEST(ReplayWindow, EmptyAcceptsAnything) {
  ReplayWindow w;
  EXPECT_EQ(w.size(), 1024u);
  EXPECT_EQ(w.next_expected(), 0u);
  EXPECT_FALSE(w.highest().has_value());
  EXPECT_EQ(w.check(0), V::kNew);
  EXPECT_EQ(w.check(123456789), V::kNew);
}

TEST(ReplayWindow, InOrderAndDuplicates) {
  ReplayWindow w;
  for (std::uint64_t s = 0; s < 5000; ++s) accept(w, s);
  EXPECT_EQ(w.next_expected(), 5000u);
  EXPECT_EQ(w.check(4999), V::kDuplicate);
  EXPECT_EQ(w.check(3977), V::kDuplicate);  // 4999 - 1022: inside
  EXPECT_EQ(w.check(3976), V::kDuplicate);  // 4999 - 1023: the window's last slot
  EXPECT_EQ(w.check(3975), V::kTooOld);     // 4999 - 1024: below
  EXPECT_EQ(w.check(0), V::kTooOld);
}

TEST(ReplayWindow, CheckDoesNotCommit) {
  ReplayWindow w;
  EXPECT_EQ(w.check(7), V::kNew);
  EXPECT_EQ(w.check(7), V::kNew);  // an unauthenticated record leaves no trace
  EXPECT_FALSE(w.highest().has_value());
}

TEST(ReplayWindow, ReorderingInsideWindow) {
  ReplayWindow w;
  accept(w, 1000);
  for (std::uint64_t s = 999; s > 0; --s) accept(w, s);  // 999 behind: inside 1024
  accept(w, 0);
  for (std::uint64_t s = 0; s <= 1000; ++s) EXPECT_EQ(w.check(s), V::kDuplicate) << s;
  accept(w, 1500);  // jump: 1000 and those after stay duplicates, 476 and below too old
  EXPECT_EQ(w.check(1000), V::kDuplicate);
  EXPECT_EQ(w.check(1200), V::kNew);
  EXPECT_EQ(w.check(477), V::kDuplicate);
  EXPECT_EQ(w.check(476), V::kTooOld);
}

TEST(ReplayWindow, LargeJumpClearsEverything) {
  ReplayWindow w(64);
  for (std::uint64_t s = 0; s < 64; ++s) accept(w, s);
  accept(w, 1'000'000);
  for (std::uint64_t s = 1'000'000 - 63; s < 1'000'000; ++s) EXPECT_EQ(w.check(s), V::kNew) << s;
  EXPECT_EQ(w.check(1'000'000 - 64), V::kTooOld);
}

TEST(ReplayWindow, JumpsOfEveryLengthClearExactlyTheNewSlots) {
  for (std::uint64_t jump = 1; jump < 300; jump += 7) {
    ReplayWindow w(128);
    for (std::uint64_t s = 0; s < 200; ++s) w.commit(s);
    w.commit(199 + jump);
    for (std::uint64_t s = 200; s < 199 + jump; ++s) {
      if (199 + jump - s < 128) {
        EXPECT_EQ(w.check(s), V::kNew) << jump << " " << s;
      }
    }
    for (std::uint64_t s = 72 + jump; s < 200; ++s) EXPECT_EQ(w.check(s), V::kDuplicate);
  }
}

TEST(ReplayWindow, SizesClampedAndOdd) {
  EXPECT_EQ(ReplayWindow(1).size(), ReplayWindow::kMinSize);
  EXPECT_EQ(ReplayWindow(1u << 20).size(), ReplayWindow::kMaxSize);
  ReplayWindow w(100);  // not a multiple of 64: the window is still exactly 100 records
  EXPECT_EQ(w.size(), 100u);
  for (std::uint64_t s = 0; s < 1000; ++s) w.commit(s);
  EXPECT_EQ(w.check(900), V::kDuplicate);
  EXPECT_EQ(w.check(899), V::kTooOld);
}

TEST(ReplayWindow, MaximumSize) {
  ReplayWindow w(ReplayWindow::kMaxSize);
  accept(w, 100'000);
  EXPECT_EQ(w.check(100'000 - 65535), V::kNew);
  EXPECT_EQ(w.check(100'000 - 65536), V::kTooOld);
}

TEST(ReplayWindow, ResizeKeepsKnowledgeAndStaysConservative) {
  ReplayWindow w(64);
  for (std::uint64_t s = 0; s < 200; s += 2) w.commit(s);  // evens up to 198
  w.resize(256);
  EXPECT_EQ(w.check(198), V::kDuplicate);
  EXPECT_EQ(w.check(197), V::kNew);        // inside the old window, never seen
  EXPECT_EQ(w.check(135), V::kNew);        // 198 - 63
  EXPECT_EQ(w.check(133), V::kDuplicate);  // below the old window: counts as seen
  EXPECT_EQ(w.check(0), V::kDuplicate);
  w.resize(64);
  EXPECT_EQ(w.check(197), V::kNew);
  EXPECT_EQ(w.check(134), V::kTooOld);
}

TEST(ReplayWindow, TopOfSequenceSpace) {
  ReplayWindow w;
  const std::uint64_t top = (std::uint64_t{1} << 48) - 1;
  accept(w, top);
  EXPECT_EQ(w.check(top), V::kDuplicate);
  EXPECT_EQ(w.check(top - 1), V::kNew);
}

// The bitmap starts small and grows with the highest sequence number (replay_window.h); verdicts
// are those of a plain set of the sequence numbers committed, for window sizes that are and are
// not multiples of 64, with steps, jumps past the window and a first record far from 0.
TEST(ReplayWindow, MatchesSetModelWhileTheBitmapGrows) {
  std::mt19937_64 rng(2024);
  for (const std::size_t size : {64, 100, 1024, 4000}) {
    for (const std::uint64_t first : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{70000}}) {
      SCOPED_TRACE(testing::Message() << "size " << size << " first " << first);
      ReplayWindow w(size);
      std::set<std::uint64_t> seen;
      std::uint64_t top = first;
      accept(w, first);
      seen.insert(first);
      for (int i = 0; i < 3000; ++i) {
        const unsigned r = static_cast<unsigned>(rng() % 100);
        std::uint64_t s = 0;
        if (r < 50) {
          s = top + 1 + rng() % 3;  // mostly in order
        } else if (r < 55) {
          s = top + 1 + rng() % (3 * size);  // a jump, sometimes past the whole window
        } else {
          s = top - std::min<std::uint64_t>(top, rng() % (size + 20));  // late or replayed
        }
        V expect = V::kNew;
        if (s <= top && top - s >= size) {
          expect = V::kTooOld;
        } else if (seen.count(s) != 0) {
          expect = V::kDuplicate;
        }
        ASSERT_EQ(w.check(s), expect) << "step " << i << " sequence " << s;
        if (expect == V::kNew) {
          w.commit(s);
          seen.insert(s);
          top = std::max(top, s);
        }
        ASSERT_EQ(w.highest(), top);
      }
    }
  }
}

TEST(ReplayWindow, ResizeWhileTheBitmapIsStillSmall) {
  ReplayWindow w(1024);
  accept(w, 0);
  accept(w, 2);
  accept(w, 3);
  w.resize(2048);
  EXPECT_EQ(w.check(1), V::kNew);
  EXPECT_EQ(w.check(2), V::kDuplicate);
  accept(w, 1500);
  EXPECT_EQ(w.check(3), V::kDuplicate);
  EXPECT_EQ(w.check(4), V::kNew);
  w.resize(64);  // below the smaller window: all of it counts as seen
  EXPECT_EQ(w.check(1400), V::kTooOld);
  EXPECT_EQ(w.check(1499), V::kNew);
  accept(w, 1499);
  EXPECT_EQ(w.check(1499), V::kDuplicate);
}

}  // namespace
}  // namespace sctps::protect
