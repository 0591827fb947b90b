// One thread's event loop: epoll for readiness, a timer heap for deadlines, and an eventfd through
// which other threads post work. One loop per thread and no global state: several loops scale over
// several cores, each owning its sockets and associations.
//
// Threads: everything except post() and stop() must be called on the loop's own thread (the one
// running run / run_once / run_until). Callbacks run on that thread, one at a time, so the code
// they call needs no locks.
//
// Readiness callbacks: on_readable runs on EPOLLIN and also on EPOLLERR / EPOLLHUP, because a UDP
// or raw socket's error queue (ICMP errors) is read on the read path; on_writable runs on EPOLLOUT
// while write interest is on (turn it on after a send that would block, off once drained).
// Level-triggered: a callback that leaves data unread is called again.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "net/file_descriptor.h"
#include "net/monotonic_clock.h"
#include "net/net_error.h"
#include "net/timer_queue.h"

namespace sctps::net {

class EventLoop {
 public:
  using Callback = std::function<void()>;

  static NetResult<std::unique_ptr<EventLoop>> create();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // The time the loop works in (monotonic_clock.h).
  Micros now() const { return monotonic_now(); }

  // File descriptors, not owned: remove them before closing them.
  NetStatus add_fd(int fd, Callback on_readable, Callback on_writable = {});
  NetStatus set_write_interest(int fd, bool enabled);
  bool remove_fd(int fd);

  // Timers: the callback runs once, at the first loop iteration at or after `deadline`.
  TimerId add_timer(Micros deadline, Callback callback);
  TimerId add_timer_after(Micros delay, Callback callback) {
    return add_timer(now() + delay, std::move(callback));
  }
  bool cancel_timer(TimerId id) { return timers_.cancel(id); }
  std::size_t timer_count() const { return timers_.size(); }

  // Thread-safe. Runs `task` on the loop's thread at its next iteration, waking it if it sleeps.
  void post(Callback task);
  // Thread-safe. Makes run / run_until return after the current iteration.
  void stop();

  // Waits at most `max_wait` (less if a timer is due sooner; not at all if work is pending), then
  // runs what is ready: I/O callbacks, posted tasks, due timers. Returns how many callbacks ran.
  std::size_t run_once(Micros max_wait);
  // Iterates until `done()` holds (checked before each iteration), stop() is called, or the clock
  // passes `deadline` (absolute). Returns done().
  bool run_until(const std::function<bool()>& done, Micros deadline);
  // Iterates until stop().
  void run();

 private:
  struct Registration {
    int fd;
    Callback on_readable;
    Callback on_writable;
    bool write_interest = false;
  };

  EventLoop(FileDescriptor epoll, FileDescriptor wake);
  std::size_t run_posted();
  void drain_wake();

  FileDescriptor epoll_;
  FileDescriptor wake_;
  TimerQueue timers_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Registration>> registrations_;
  std::unordered_map<int, std::uint64_t> by_fd_;
  // Registrations removed while callbacks run are kept alive until the iteration ends.
  std::vector<std::unique_ptr<Registration>> retired_;
  std::uint64_t next_registration_ = 1;  // 0 is the wake-up eventfd
  bool pwait2_missing_ = false;          // the kernel lacks epoll_pwait2: millisecond waits

  std::mutex posted_mutex_;
  std::vector<Callback> posted_;
  std::vector<Callback> running_;  // swapped with posted_ under the lock
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> stop_requested_{false};
};

}  // namespace sctps::net
