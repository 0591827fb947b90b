// A double-ended queue in one growable ring buffer, for the queues of an association that are empty
// most of the time (issue #6). libstdc++'s std::deque allocates a 512-byte block and its map as
// soon as it is constructed, empty or not; this queue allocates nothing until the first element
// and frees its buffer whenever it becomes empty again, so an idle association holds no queue
// memory at all.
//
// The capacity is a power of two that doubles when full, so pushing at either end and indexing
// are amortised O(1); insert and erase away from the ends are linear. Differences from std::deque
// that callers must respect: a push that grows the buffer moves the elements, so it invalidates
// references and pointers to them, not only iterators; and the element type must be nothrow
// move constructible (the buffer is moved with no way back).
#pragma once

#include <algorithm>
#include <bit>
#include <compare>
#include <cstddef>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

namespace sctps::core {

template <typename T>
class RingQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>);

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;

  // Iterators are a position counted from the front, so they stay meaningful when the buffer
  // wraps or grows (as indices, not as the element they pointed to).
  template <bool kConst>
  class Iter {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<kConst, const T*, T*>;
    using reference = std::conditional_t<kConst, const T&, T&>;
    using Owner = std::conditional_t<kConst, const RingQueue, RingQueue>;

    Iter() = default;
    Iter(Owner* queue, std::size_t index) : queue_(queue), index_(index) {}
    // iterator -> const_iterator.
    template <bool kOther>
    requires(kConst && !kOther)
        Iter(const Iter<kOther>& other)  // NOLINT(google-explicit-constructor): as std iterators
        : queue_(other.queue_), index_(other.index_) {}

    reference operator*() const { return (*queue_)[index_]; }
    pointer operator->() const { return &(*queue_)[index_]; }
    reference operator[](difference_type n) const { return *(*this + n); }

    Iter& operator++() {
      ++index_;
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++index_;
      return old;
    }
    Iter& operator--() {
      --index_;
      return *this;
    }
    Iter operator--(int) {
      Iter old = *this;
      --index_;
      return old;
    }
    Iter& operator+=(difference_type n) {
      index_ = static_cast<std::size_t>(static_cast<difference_type>(index_) + n);
      return *this;
    }
    Iter& operator-=(difference_type n) { return *this += -n; }
    friend Iter operator+(Iter it, difference_type n) { return it += n; }
    friend Iter operator+(difference_type n, Iter it) { return it += n; }
    friend Iter operator-(Iter it, difference_type n) { return it -= n; }
    friend difference_type operator-(const Iter& a, const Iter& b) {
      return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.index_ == b.index_; }
    friend std::strong_ordering operator<=>(const Iter& a, const Iter& b) {
      return a.index_ <=> b.index_;
    }

   private:
    template <bool>
    friend class Iter;
    friend class RingQueue;
    Owner* queue_ = nullptr;
    std::size_t index_ = 0;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  RingQueue() = default;
  RingQueue(const RingQueue& other) {
    for (const T& v : other) emplace_back(v);
  }
  RingQueue(RingQueue&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  RingQueue& operator=(const RingQueue& other) {
    if (this != &other) {
      RingQueue copy(other);
      swap(copy);
    }
    return *this;
  }
  RingQueue& operator=(RingQueue&& other) noexcept {
    if (this != &other) {
      RingQueue taken(std::move(other));
      swap(taken);
    }
    return *this;
  }
  ~RingQueue() { clear(); }

  void swap(RingQueue& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(capacity_, other.capacity_);
    std::swap(head_, other.head_);
    std::swap(size_, other.size_);
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // Elements the buffer holds before it grows; 0 while empty.
  std::size_t capacity() const { return capacity_; }

  T& operator[](std::size_t i) { return data_[slot(i)]; }
  const T& operator[](std::size_t i) const { return data_[slot(i)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) return grow_and_emplace(size_, std::forward<Args>(args)...);
    T* p = data_ + slot(size_);
    std::construct_at(p, std::forward<Args>(args)...);
    ++size_;
    return *p;
  }
  template <typename... Args>
  T& emplace_front(Args&&... args) {
    if (size_ == capacity_) return grow_and_emplace(0, std::forward<Args>(args)...);
    const std::size_t at = (head_ + capacity_ - 1) & (capacity_ - 1);
    std::construct_at(data_ + at, std::forward<Args>(args)...);
    head_ = at;
    ++size_;
    return data_[at];
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void push_front(const T& v) { emplace_front(v); }
  void push_front(T&& v) { emplace_front(std::move(v)); }

  void pop_front() {
    std::destroy_at(data_ + head_);
    head_ = (head_ + 1) & (capacity_ - 1);
    if (--size_ == 0) release();
  }
  void pop_back() { truncate(size_ - 1); }
  void clear() { truncate(0); }

  // Linear in the distance to the end.
  iterator insert(const_iterator pos, T&& v) { return place(pos.index_, std::move(v)); }
  iterator insert(const_iterator pos, const T& v) { return place(pos.index_, v); }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const std::size_t from = first.index_;
    const std::size_t to = last.index_;
    if (from != to) {
      std::move(begin() + static_cast<difference_type>(to), end(),
                begin() + static_cast<difference_type>(from));
      truncate(size_ - (to - from));
    }
    return begin() + static_cast<difference_type>(from);
  }
  // Growing value-initialises the new elements.
  void resize(std::size_t n) {
    if (n < size_) truncate(n);
    while (size_ < n) emplace_back();
  }

 private:
  // At least 4 elements or 64 bytes at the first allocation.
  static constexpr std::size_t kInitialCapacity =
      std::bit_ceil(std::max<std::size_t>(4, 64 / sizeof(T)));

  std::size_t slot(std::size_t i) const { return (head_ + i) & (capacity_ - 1); }

  // Full: moves everything into a buffer twice as large, with the new element constructed at
  // position `at` (0 or size_) first, so that arguments referring to an element stay valid.
  template <typename... Args>
  T& grow_and_emplace(std::size_t at, Args&&... args) {
    const std::size_t capacity = capacity_ == 0 ? kInitialCapacity : capacity_ * 2;
    T* data = std::allocator<T>().allocate(capacity);
    try {
      std::construct_at(data + at, std::forward<Args>(args)...);
    } catch (...) {
      std::allocator<T>().deallocate(data, capacity);
      throw;
    }
    const std::size_t shift = at == 0 ? 1 : 0;
    for (std::size_t i = 0; i < size_; ++i) {
      T& old = (*this)[i];
      std::construct_at(data + i + shift, std::move(old));
      std::destroy_at(&old);
    }
    if (data_ != nullptr) std::allocator<T>().deallocate(data_, capacity_);
    data_ = data;
    capacity_ = capacity;
    head_ = 0;
    ++size_;
    return data_[at];
  }

  template <typename V>
  iterator place(std::size_t index, V&& v) {
    emplace_back(std::forward<V>(v));
    const auto first = begin() + static_cast<difference_type>(index);
    std::rotate(first, end() - 1, end());
    return first;
  }

  // Destroys the elements from position n on; frees the buffer when nothing is left.
  void truncate(std::size_t n) {
    while (size_ > n) std::destroy_at(&(*this)[--size_]);
    if (size_ == 0) release();
  }

  void release() {
    if (data_ != nullptr) std::allocator<T>().deallocate(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
    head_ = 0;
  }

  T* data_ = nullptr;
  std::size_t capacity_ = 0;  // 0 or a power of two
  std::size_t head_ = 0;      // slot of the front element
  std::size_t size_ = 0;
};

}  // namespace sctps::core
