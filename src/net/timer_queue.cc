#include "net/timer_queue.h"

#include <algorithm>

namespace sctps::net {

TimerId TimerQueue::add(Micros deadline, Callback callback) {
  const TimerId id = next_id_++;
  heap_.push_back(Entry{deadline, id});
  std::push_heap(heap_.begin(), heap_.end(), later);
  callbacks_.emplace(id, std::move(callback));
  return id;
}

bool TimerQueue::cancel(TimerId id) {
  const bool removed = callbacks_.erase(id) > 0;
  // Keep the heap from filling up with dead entries when timers are re-armed often.
  if (removed && heap_.size() > 64 && heap_.size() > 4 * callbacks_.size()) {
    std::erase_if(heap_, [this](const Entry& e) { return !callbacks_.contains(e.id); });
    std::make_heap(heap_.begin(), heap_.end(), later);
  }
  return removed;
}

void TimerQueue::drop_cancelled_top() {
  while (!heap_.empty() && !callbacks_.contains(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
}

std::optional<Micros> TimerQueue::next_deadline() {
  drop_cancelled_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

std::size_t TimerQueue::run_due(Micros now) {
  std::size_t ran = 0;
  for (;;) {
    drop_cancelled_top();
    if (heap_.empty() || heap_.front().deadline > now) return ran;
    const TimerId id = heap_.front().id;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    auto it = callbacks_.find(id);
    Callback callback = std::move(it->second);
    callbacks_.erase(it);
    callback();  // may add or cancel timers
    ++ran;
  }
}

}  // namespace sctps::net
