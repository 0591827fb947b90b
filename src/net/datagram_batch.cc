#include "net/datagram_batch.h"

namespace sctps::net {

RecvBatch::RecvBatch(std::size_t slots, std::size_t slot_size)
    : slot_count_(slots == 0 ? 1 : slots),
      slot_size_(slot_size == 0 ? 1 : slot_size),
      pool_(slot_count_ * slot_size_),
      names_(slot_count_),
      control_(slot_count_),
      iov_(slot_count_),
      headers_(slot_count_),
      slot_info_(slot_count_) {}

std::size_t RecvBatch::Iterator::length() const {
  const Slot& slot = batch_->slot_info_[slot_];
  if (slot.segment_size == 0) return slot.length;
  const std::size_t left = slot.length - offset_;
  return left < slot.segment_size ? left : slot.segment_size;
}

ReceivedDatagram RecvBatch::Iterator::operator*() const {
  const Slot& slot = batch_->slot_info_[slot_];
  // The pool is the caller's scratch space: handing out writable views (for in-place decryption)
  // is the point of the batch, so constness of the batch object does not extend to the bytes.
  std::uint8_t* base = const_cast<std::uint8_t*>(batch_->pool_.data());
  return ReceivedDatagram{std::span<std::uint8_t>(base + slot.offset + offset_, length()),
                          slot.from, slot.to, slot.interface_index};
}

RecvBatch::Iterator& RecvBatch::Iterator::operator++() {
  const Slot& slot = batch_->slot_info_[slot_];
  if (slot.segment_size != 0 && offset_ + slot.segment_size < slot.length) {
    offset_ += slot.segment_size;
  } else {
    ++slot_;
    offset_ = 0;
  }
  return *this;
}

}  // namespace sctps::net
