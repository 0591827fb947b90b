// Anti-replay window over the 48-bit record sequence numbers of one receive epoch (RFC 9147
// §4.5.1, the bitmap method of RFC 4303 §3.4.3).
//
// The window covers the `size` sequence numbers ending at the highest one accepted so far. A
// record above it is new; one inside it is new unless its bit is set; one below it is too old.
// check() only looks; commit() records a sequence number and must be called only after the record
// was authenticated (RFC 9147 §4.5.1: the window is not updated before successful deprotection).
// The bitmap is allocated by the first commit (a key that never receives, such as an unused restart
// key, needs none) and grows with the highest sequence number until it spans the window: while
// the highest one is below the window size, only as many bits as sequence numbers so far (each at
// its own index) are kept, so a key that received a few records holds one word (issue #6). It
// doubles when it grows and never shrinks, so that is amortised O(1) per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sctps::protect {

class ReplayWindow {
 public:
  static constexpr std::size_t kDefaultSize = 1024;
  static constexpr std::size_t kMinSize = 64;
  static constexpr std::size_t kMaxSize = 65536;

  enum class Verdict : std::uint8_t { kNew, kDuplicate, kTooOld };

  // `size` is clamped to [kMinSize, kMaxSize].
  explicit ReplayWindow(std::size_t size = kDefaultSize);

  Verdict check(std::uint64_t sequence) const;
  void commit(std::uint64_t sequence);
  // Keeps what the old window knew about the sequence numbers the new one still covers; those
  // below the old window count as seen (they were refused before and stay refused).
  void resize(std::size_t size);

  std::size_t size() const { return size_; }
  std::optional<std::uint64_t> highest() const;
  // One more than the highest accepted sequence number; 0 before the first (RFC 9147 §4.2.2).
  std::uint64_t next_expected() const { return any_ ? top_ + 1 : 0; }

 private:
  std::size_t slot(std::uint64_t sequence) const;
  bool bit(std::uint64_t sequence) const;
  void set_bit(std::uint64_t sequence);
  void clear_bit(std::uint64_t sequence);
  std::size_t bit_count() const { return words_.size() * 64; }
  // Grows the bitmap, if it does not span the window yet, to hold `sequence` at its own index.
  void cover(std::uint64_t sequence);

  std::vector<std::uint64_t> words_;
  std::size_t size_ = kDefaultSize;
  std::uint64_t top_ = 0;
  bool any_ = false;
};

}  // namespace sctps::protect
