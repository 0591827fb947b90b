#include "core/ring_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace sctps::core {
namespace {

template <typename T>
std::vector<T> contents(const RingQueue<T>& q) {
  return std::vector<T>(q.begin(), q.end());
}

// Counts live instances, to show that every element constructed is destroyed exactly once.
struct Counted {
  static int live;
  int value = 0;
  explicit Counted(int v = 0) : value(v) { ++live; }
  Counted(const Counted& o) : value(o.value) { ++live; }
  Counted(Counted&& o) noexcept : value(o.value) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --live; }
};
int Counted::live = 0;

TEST(RingQueueTest, EmptyQueueOwnsNoBuffer) {
  RingQueue<std::string> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 0u);
  EXPECT_EQ(q.begin(), q.end());
  q.push_back("a");
  EXPECT_GE(q.capacity(), 4u);
  q.pop_front();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 0u);  // freed when the last element left
  q.push_front("b");
  q.push_back("c");
  q.pop_back();
  q.pop_back();
  EXPECT_EQ(q.capacity(), 0u);
  q.push_back("d");
  q.clear();
  EXPECT_EQ(q.capacity(), 0u);
  q.push_back("e");
  q.erase(q.begin(), q.end());
  EXPECT_EQ(q.capacity(), 0u);
}

TEST(RingQueueTest, GrowsWhileWrappedAndKeepsOrder) {
  RingQueue<int> q;
  for (int i = 0; i < 16; ++i) q.push_back(i);
  const std::size_t capacity = q.capacity();
  EXPECT_EQ(capacity, 16u);
  for (int i = 0; i < 10; ++i) q.pop_front();
  for (int i = 16; i < 26; ++i) q.push_back(i);  // wraps around the end of the buffer
  EXPECT_EQ(q.capacity(), capacity);
  q.push_front(9);
  q.push_back(26);  // full and wrapped: grows
  EXPECT_EQ(q.capacity(), 2 * capacity);
  std::vector<int> expect;
  for (int i = 9; i <= 26; ++i) expect.push_back(i);
  EXPECT_EQ(contents(q), expect);
  EXPECT_EQ(q.front(), 9);
  EXPECT_EQ(q.back(), 26);
  EXPECT_EQ(q[3], 12);
}

TEST(RingQueueTest, PushOfAnOwnElementSurvivesGrowth) {
  RingQueue<std::string> q;
  q.push_back(std::string(40, 'x'));  // longer than the small-string buffer
  while (q.size() < q.capacity()) q.push_back("y");
  q.push_back(q.front());  // grows; the argument is read before the old buffer goes
  q.push_front(q.back());
  EXPECT_EQ(q.back(), std::string(40, 'x'));
  EXPECT_EQ(q.front(), std::string(40, 'x'));
}

TEST(RingQueueTest, MoveOnlyElementsAndMoveOfTheQueue) {
  RingQueue<std::unique_ptr<int>> q;
  for (int i = 0; i < 9; ++i) q.push_back(std::make_unique<int>(i));
  RingQueue<std::unique_ptr<int>> moved(std::move(q));
  EXPECT_TRUE(q.empty());  // NOLINT(bugprone-use-after-move): a moved-from queue is empty
  EXPECT_EQ(q.capacity(), 0u);
  ASSERT_EQ(moved.size(), 9u);
  EXPECT_EQ(*moved[8], 8);
  RingQueue<std::unique_ptr<int>> assigned;
  assigned.push_back(std::make_unique<int>(100));
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 9u);
  EXPECT_EQ(*assigned.front(), 0);
}

TEST(RingQueueTest, CopyIsIndependent) {
  RingQueue<int> q;
  for (int i = 0; i < 5; ++i) q.push_back(i);
  RingQueue<int> c(q);
  c.push_back(5);
  q.pop_front();
  EXPECT_EQ(contents(c), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(contents(q), (std::vector<int>{1, 2, 3, 4}));
  c = q;
  EXPECT_EQ(contents(c), contents(q));
}

TEST(RingQueueTest, WorksWithStandardAlgorithms) {
  RingQueue<int> q;
  for (int i = 1; i <= 6; ++i) q.push_back(i);
  q.pop_front();
  q.push_back(7);
  // The last element to the front, as the association does with reverse iterators.
  std::rotate(q.rbegin(), q.rbegin() + 1, q.rend());
  EXPECT_EQ(contents(q), (std::vector<int>{7, 2, 3, 4, 5, 6}));
  const auto keep = std::stable_partition(q.begin(), q.end(), [](int v) { return v % 2 == 0; });
  EXPECT_EQ(keep - q.begin(), 3);
  q.erase(keep, q.end());
  EXPECT_EQ(contents(q), (std::vector<int>{2, 4, 6}));
  q.erase(std::find(q.begin(), q.end(), 4));
  EXPECT_EQ(contents(q), (std::vector<int>{2, 6}));
  auto at = q.insert(q.begin() + 1, 5);
  EXPECT_EQ(*at, 5);
  q.erase(std::remove_if(q.begin(), q.end(), [](int v) { return v > 5; }), q.end());
  EXPECT_EQ(contents(q), (std::vector<int>{2, 5}));
  const RingQueue<int>& cq = q;
  EXPECT_EQ(std::count(cq.begin(), cq.end(), 5), 1);
  EXPECT_EQ(*cq.rbegin(), 5);
  RingQueue<int>::const_iterator ci = q.begin();  // iterator converts to const_iterator
  EXPECT_EQ(ci, cq.begin());
  q.resize(1);
  EXPECT_EQ(contents(q), (std::vector<int>{2}));
  q.resize(3);
  EXPECT_EQ(contents(q), (std::vector<int>{2, 0, 0}));
}

// Random operations at both ends and in the middle, against std::deque; every element is
// destroyed once and the buffer is gone whenever the queue is empty.
TEST(RingQueueTest, MatchesDequeUnderRandomOperations) {
  std::mt19937 rng(99);
  {
    RingQueue<Counted> q;
    std::deque<int> model;
    int next = 0;
    for (int step = 0; step < 20000; ++step) {
      const unsigned op = rng() % 100;
      if (op < 30) {
        q.push_back(Counted(next));
        model.push_back(next++);
      } else if (op < 45) {
        q.emplace_front(next);
        model.push_front(next++);
      } else if (op < 70) {
        if (!model.empty()) {
          q.pop_front();
          model.pop_front();
        }
      } else if (op < 80) {
        if (!model.empty()) {
          q.pop_back();
          model.pop_back();
        }
      } else if (op < 88) {
        const std::size_t at = model.empty() ? 0 : rng() % (model.size() + 1);
        const auto it = q.insert(q.begin() + static_cast<std::ptrdiff_t>(at), Counted(next));
        EXPECT_EQ(it->value, next);
        model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), next++);
      } else if (op < 96) {
        if (!model.empty()) {
          const std::size_t a = rng() % model.size();
          const std::size_t b = a + rng() % (model.size() - a + 1);
          q.erase(q.begin() + static_cast<std::ptrdiff_t>(a),
                  q.begin() + static_cast<std::ptrdiff_t>(b));
          model.erase(model.begin() + static_cast<std::ptrdiff_t>(a),
                      model.begin() + static_cast<std::ptrdiff_t>(b));
        }
      } else if (op < 98) {
        q.resize(model.size() / 2);
        model.resize(model.size() / 2);
      } else if (rng() % 8 == 0) {
        q.clear();
        model.clear();
      }
      ASSERT_EQ(q.size(), model.size()) << step;
      ASSERT_EQ(Counted::live, static_cast<int>(model.size())) << step;
      if (model.empty()) {
        ASSERT_EQ(q.capacity(), 0u) << step;
        continue;
      }
      ASSERT_GE(q.capacity(), q.size());
      ASSERT_EQ(q.front().value, model.front()) << step;
      ASSERT_EQ(q.back().value, model.back()) << step;
      if (step % 64 == 0) {
        for (std::size_t i = 0; i < model.size(); ++i) ASSERT_EQ(q[i].value, model[i]) << step;
      }
    }
  }
  EXPECT_EQ(Counted::live, 0);
}

}  // namespace
}  // namespace sctps::core
