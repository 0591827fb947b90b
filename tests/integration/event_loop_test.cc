// The epoll event loop: timers in order and on time (generous tolerances: shared CI machines),
// cancellation, cross-thread posts that wake a sleeping loop, stop, and fd callbacks.
#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net_test_util.h"

namespace sctps::net {
namespace {

using namespace std::chrono_literals;
using testing::Family;

std::unique_ptr<EventLoop> make_loop() {
  auto loop = EventLoop::create();
  EXPECT_TRUE(loop) << loop.error().message;
  return std::move(loop).value();
}

TEST(EventLoop, TimersFireInDeadlineOrderAndOnTime) {
  auto loop = make_loop();
  const Micros start = loop->now();
  struct Fired {
    int name;
    Micros deadline;
    Micros at;
  };
  std::vector<Fired> fired;
  const auto add = [&](int name, std::chrono::milliseconds after) {
    const Micros deadline = start + after;
    loop->add_timer(deadline, [&, name, deadline] {
      fired.push_back({name, deadline, loop->now()});
    });
  };
  add(30, 30ms);
  add(10, 10ms);
  add(20, 20ms);
  add(11, 10ms);  // same deadline as 10, added later: fires after it
  add(0, 0ms);
  ASSERT_TRUE(loop->run_until([&] { return fired.size() == 5; }, start + 5s));
  ASSERT_EQ(fired.size(), 5u);
  const int order[] = {0, 10, 11, 20, 30};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(fired[i].name, order[i]);
    EXPECT_GE(fired[i].at, fired[i].deadline) << "timer " << fired[i].name << " fired early";
    EXPECT_LT(fired[i].at - fired[i].deadline, Micros(200ms)) << "timer " << fired[i].name;
  }
  EXPECT_EQ(loop->timer_count(), 0u);
}

TEST(EventLoop, CancelledTimerNeverFiresAndTimersMayAddTimers) {
  auto loop = make_loop();
  bool cancelled_fired = false;
  int chain = 0;
  const TimerId id = loop->add_timer_after(Micros(5ms), [&] { cancelled_fired = true; });
  EXPECT_TRUE(loop->cancel_timer(id));
  EXPECT_FALSE(loop->cancel_timer(id));
  std::function<void()> step = [&] {
    if (++chain < 3) loop->add_timer_after(Micros(2ms), step);
  };
  loop->add_timer_after(Micros(1ms), step);
  ASSERT_TRUE(loop->run_until([&] { return chain == 3; }, loop->now() + 5s));
  loop->run_once(Micros(10ms));
  EXPECT_FALSE(cancelled_fired);
  EXPECT_EQ(loop->timer_count(), 0u);
}

TEST(EventLoop, ManyRearmedTimersKeepTheHeapSmall) {
  auto loop = make_loop();
  TimerId id = 0;
  for (int i = 0; i < 100000; ++i) {
    if (id != 0) loop->cancel_timer(id);
    id = loop->add_timer_after(Micros(1h), [] {});
  }
  EXPECT_EQ(loop->timer_count(), 1u);
}

TEST(EventLoop, RunOnceWaitsAtMostTheGivenTime) {
  auto loop = make_loop();
  const Micros start = loop->now();
  EXPECT_EQ(loop->run_once(Micros(20ms)), 0u);
  const Micros waited = loop->now() - start;
  EXPECT_GE(waited, Micros(19ms));
  EXPECT_LT(waited, Micros(1s));
  // Nothing to wait for beyond the deadline either.
  EXPECT_FALSE(loop->run_until([] { return false; }, loop->now() + 30ms));
}

TEST(EventLoop, PostFromAnotherThreadWakesTheLoop) {
  auto loop = make_loop();
  bool done = false;
  std::thread::id ran_on;
  const Micros start = loop->now();
  std::thread poster([&] {
    std::this_thread::sleep_for(50ms);
    loop->post([&] {
      done = true;
      ran_on = std::this_thread::get_id();
    });
  });
  // No timers and no fds: only the post can end the wait well before the deadline.
  EXPECT_TRUE(loop->run_until([&] { return done; }, start + 10s));
  poster.join();
  const Micros took = loop->now() - start;
  EXPECT_GE(took, Micros(45ms));
  EXPECT_LT(took, Micros(2s));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoop, PostsFromManyThreadsAllRunOnTheLoopThread) {
  auto loop = make_loop();
  constexpr int kThreads = 4;
  constexpr int kPosts = 2000;
  int counter = 0;  // only touched on the loop's thread: no atomics needed
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPosts; ++i) loop->post([&] { ++counter; });
    });
  }
  EXPECT_TRUE(loop->run_until([&] { return counter == kThreads * kPosts; }, loop->now() + 10s));
  for (auto& t : threads) t.join();
  loop->run_once(Micros(0));
  EXPECT_EQ(counter, kThreads * kPosts);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  auto loop = make_loop();
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    loop->stop();
  });
  const Micros start = loop->now();
  loop->run();
  stopper.join();
  EXPECT_LT(loop->now() - start, Micros(5s));
  // The stop is consumed: the loop runs again afterwards.
  bool ran = false;
  loop->post([&] { ran = true; });
  EXPECT_TRUE(loop->run_until([&] { return ran; }, loop->now() + 1s));
}

TEST(EventLoop, ReadableAndWritableCallbacks) {
  auto loop = make_loop();
  auto a = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0));
  auto b = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0));
  ASSERT_TRUE(a && b);
  RecvBatch batch(8, 2048);
  std::size_t received = 0;
  int writable = 0;
  ASSERT_TRUE(loop->add_fd(
      b->fd(),
      [&] {
        auto n = b->recv_batch(batch);
        if (n) received += *n;
      },
      [&] { ++writable; }));
  EXPECT_FALSE(loop->add_fd(b->fd(), [] {}));  // once only

  const auto payload = testing::pattern(32, 1);
  const OutgoingDatagram d{payload, b->local_address(), {}, 0};
  ASSERT_EQ(a->send_batch(std::span(&d, 1)).consumed, 1u);
  ASSERT_TRUE(loop->run_until([&] { return received == 1; }, loop->now() + 2s));
  EXPECT_EQ(writable, 0);

  // Write interest on: a UDP socket with room is writable at once; off: no more calls.
  ASSERT_TRUE(loop->set_write_interest(b->fd(), true));
  ASSERT_TRUE(loop->run_until([&] { return writable > 0; }, loop->now() + 2s));
  ASSERT_TRUE(loop->set_write_interest(b->fd(), false));
  const int before = writable;
  loop->run_once(Micros(20ms));
  EXPECT_EQ(writable, before);

  EXPECT_TRUE(loop->remove_fd(b->fd()));
  EXPECT_FALSE(loop->remove_fd(b->fd()));
  EXPECT_FALSE(loop->set_write_interest(b->fd(), true));
}

TEST(EventLoop, CallbackMayRemoveItself) {
  auto loop = make_loop();
  auto a = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0));
  auto b = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0));
  ASSERT_TRUE(a && b);
  int calls = 0;
  std::vector<int> captured(1000, 7);  // the callback owns state: it must outlive its own call
  ASSERT_TRUE(loop->add_fd(b->fd(), [&, captured] {
    ++calls;
    loop->remove_fd(b->fd());
    EXPECT_EQ(captured[999], 7);
  }));
  const auto payload = testing::pattern(8, 1);
  const OutgoingDatagram d{payload, b->local_address(), {}, 0};
  ASSERT_EQ(a->send_batch(std::span(&d, 1)).consumed, 1u);
  ASSERT_TRUE(loop->run_until([&] { return calls > 0; }, loop->now() + 2s));
  loop->run_once(Micros(10ms));  // the datagram is still unread, but nobody is registered
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace sctps::net
