#include "protect/replay_window.h"

#include <algorithm>

namespace sctps::protect {

namespace {

std::size_t clamp_size(std::size_t size) {
  return std::clamp(size, ReplayWindow::kMinSize, ReplayWindow::kMaxSize);
}

}  // namespace

ReplayWindow::ReplayWindow(std::size_t size) : size_(clamp_size(size)) {}

std::optional<std::uint64_t> ReplayWindow::highest() const {
  if (!any_) return std::nullopt;
  return top_;
}

std::size_t ReplayWindow::slot(std::uint64_t sequence) const {
  // Below bit_count(), so the value fits a size_t wherever a size_t is narrower.
  const std::size_t index = sequence % bit_count();
  return index;
}

bool ReplayWindow::bit(std::uint64_t sequence) const {
  const std::size_t index = slot(sequence);
  return ((words_[index / 64] >> (index % 64)) & 1U) != 0;
}

void ReplayWindow::set_bit(std::uint64_t sequence) {
  const std::size_t index = slot(sequence);
  words_[index / 64] |= std::uint64_t{1} << (index % 64);
}

void ReplayWindow::clear_bit(std::uint64_t sequence) {
  const std::size_t index = slot(sequence);
  words_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
}

void ReplayWindow::cover(std::uint64_t sequence) {
  const std::size_t full = (size_ + 63) / 64;
  if (words_.size() >= full || sequence < bit_count()) return;
  // Until the bitmap spans the window, the highest sequence number is below bit_count(), so every
  // sequence number held sits at its own index; a larger bitmap keeps those indices, and the
  // words only need to be extended with zeros.
  const std::uint64_t needed = sequence / 64 + 1;
  std::size_t words = std::max<std::size_t>(words_.size() * 2, 1);
  while (words < needed && words < full) words *= 2;
  words_.resize(std::min(words, full), 0);
}

ReplayWindow::Verdict ReplayWindow::check(std::uint64_t sequence) const {
  if (!any_ || sequence > top_) return Verdict::kNew;
  if (top_ - sequence >= size_) return Verdict::kTooOld;
  return bit(sequence) ? Verdict::kDuplicate : Verdict::kNew;
}

void ReplayWindow::commit(std::uint64_t sequence) {
  if (!any_) {
    cover(sequence);
    any_ = true;
    top_ = sequence;
  } else if (sequence > top_) {
    cover(sequence);
    const std::uint64_t advance = sequence - top_;
    if (advance >= bit_count()) {
      std::fill(words_.begin(), words_.end(), 0);
    } else {
      // Forget what the slots of the newly covered sequence numbers held. Whole words at a time
      // where the range allows it; one bit at a time at its edges.
      std::uint64_t s = top_ + 1;
      while (s <= sequence) {
        const std::size_t index = slot(s);
        if (index % 64 == 0 && sequence - s >= 63) {
          words_[index / 64] = 0;
          s += 64;
        } else {
          clear_bit(s);
          ++s;
        }
      }
    }
    top_ = sequence;
  } else if (top_ - sequence >= size_) {
    return;  // below the window: nothing to remember
  }
  set_bit(sequence);
}

void ReplayWindow::resize(std::size_t size) {
  ReplayWindow next(size);
  if (any_) {
    next.words_.assign((next.size_ + 63) / 64, 0);
    next.any_ = true;
    next.top_ = top_;
    // Sequence numbers the old window had already given up on count as seen in a larger one:
    // whether they arrived is unknown, and accepting them could accept a replay.
    for (std::uint64_t back = 0; back < next.size_ && back <= top_; ++back) {
      if (back >= size_ || bit(top_ - back)) next.set_bit(top_ - back);
    }
  }
  *this = std::move(next);
}

}  // namespace sctps::protect
