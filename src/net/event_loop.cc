#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sctps::net {
namespace {

constexpr std::uint64_t kWakeId = 0;
constexpr int kMaxEvents = 64;

std::uint32_t interest(bool write) {
  return EPOLLIN | EPOLLERR | EPOLLHUP | (write ? std::uint32_t{EPOLLOUT} : 0u);
}

// Waits with microsecond precision where the C library has epoll_pwait2 (Linux >= 5.11; it falls
// back once the kernel says ENOSYS), else in milliseconds rounded up: a timer never fires early.
int wait_for_events(int epoll, epoll_event* events, int max, Micros wait, bool& pwait2_missing) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
  if (!pwait2_missing) {
    timespec ts{};
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait);
    ts.tv_sec = seconds.count();
    ts.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(wait - seconds).count();
    const int n = ::epoll_pwait2(epoll, events, max, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    pwait2_missing = true;
  }
#else
  pwait2_missing = true;
#endif
  const auto ms = (wait.count() + 999) / 1000;
  return ::epoll_wait(epoll, events, max, static_cast<int>(ms > 3'600'000 ? 3'600'000 : ms));
}

}  // namespace

NetResult<std::unique_ptr<EventLoop>> EventLoop::create() {
  FileDescriptor epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return os_error(errno, "epoll_create1");
  FileDescriptor wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return os_error(errno, "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0) {
    return os_error(errno, "epoll_ctl(add eventfd)");
  }
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(wake)));
}

EventLoop::EventLoop(FileDescriptor epoll, FileDescriptor wake)
    : epoll_(std::move(epoll)), wake_(std::move(wake)) {}

EventLoop::~EventLoop() = default;

NetStatus EventLoop::add_fd(int fd, Callback on_readable, Callback on_writable) {
  if (by_fd_.contains(fd)) return NetError{EEXIST, "event loop: fd already registered"};
  const std::uint64_t id = next_registration_++;
  epoll_event ev{};
  ev.events = interest(false);
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return os_error(errno, "epoll_ctl(add fd " + std::to_string(fd) + ")");
  }
  registrations_.emplace(id, std::make_unique<Registration>(
                                 Registration{fd, std::move(on_readable), std::move(on_writable)}));
  by_fd_.emplace(fd, id);
  return {};
}

NetStatus EventLoop::set_write_interest(int fd, bool enabled) {
  const auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return NetError{ENOENT, "event loop: fd not registered"};
  Registration& r = *registrations_.at(it->second);
  if (r.write_interest == enabled) return {};
  epoll_event ev{};
  ev.events = interest(enabled);
  ev.data.u64 = it->second;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return os_error(errno, "epoll_ctl(modify fd " + std::to_string(fd) + ")");
  }
  r.write_interest = enabled;
  return {};
}

bool EventLoop::remove_fd(int fd) {
  const auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return false;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);  // fails only if fd was closed already
  auto reg = registrations_.find(it->second);
  retired_.push_back(std::move(reg->second));
  registrations_.erase(reg);
  by_fd_.erase(it);
  return true;
}

TimerId EventLoop::add_timer(Micros deadline, Callback callback) {
  return timers_.add(deadline, std::move(callback));
}

void EventLoop::post(Callback task) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  if (!wake_pending_.exchange(true)) {
    const std::uint64_t one = 1;
    // A full counter (impossible in practice) still leaves the eventfd readable: nothing lost.
    [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof(one));
  }
}

void EventLoop::stop() {
  stop_requested_.store(true);
  post([] {});
}

void EventLoop::drain_wake() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(wake_.get(), &count, sizeof(count));
}

std::size_t EventLoop::run_posted() {
  wake_pending_.store(false);
  {
    std::lock_guard lock(posted_mutex_);
    running_.swap(posted_);
  }
  const std::size_t count = running_.size();
  for (Callback& task : running_) task();
  running_.clear();
  return count;
}

std::size_t EventLoop::run_once(Micros max_wait) {
  Micros wait = max_wait < Micros(0) ? Micros(0) : max_wait;
  if (const auto next = timers_.next_deadline()) {
    const Micros until = *next - now();
    if (until < wait) wait = until < Micros(0) ? Micros(0) : until;
  }
  if (wake_pending_.load()) wait = Micros(0);

  epoll_event events[kMaxEvents];
  const int n = wait_for_events(epoll_.get(), events, kMaxEvents, wait, pwait2_missing_);
  std::size_t ran = 0;
  bool woken = false;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t id = events[i].data.u64;
    const std::uint32_t what = events[i].events;
    if (id == kWakeId) {
      woken = true;
      continue;
    }
    // Looked up again before each callback: an earlier one may have removed this registration.
    if ((what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
      const auto it = registrations_.find(id);
      if (it != registrations_.end() && it->second->on_readable) {
        it->second->on_readable();
        ++ran;
      }
    }
    if ((what & EPOLLOUT) != 0) {
      const auto it = registrations_.find(id);
      if (it != registrations_.end() && it->second->write_interest && it->second->on_writable) {
        it->second->on_writable();
        ++ran;
      }
    }
  }
  if (woken) drain_wake();
  if (woken || wake_pending_.load()) ran += run_posted();
  ran += timers_.run_due(now());
  retired_.clear();
  return ran;
}

bool EventLoop::run_until(const std::function<bool()>& done, Micros deadline) {
  for (;;) {
    if (done()) {
      stop_requested_.store(false);
      return true;
    }
    const Micros left = deadline - now();
    if (stop_requested_.load() || left <= Micros(0)) {
      stop_requested_.store(false);
      return done();
    }
    run_once(left);
  }
}

void EventLoop::run() {
  while (!stop_requested_.load()) run_once(Micros(3'600'000'000));
  stop_requested_.store(false);
}

}  // namespace sctps::net
