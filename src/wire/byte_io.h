// Bounds-checked big-endian access to network bytes.
//
// Reading: a FixedReader<N> exists only for a buffer of at least N bytes, and its field accessors
// take the offset as a template argument checked against N at compile time, so a fixed-layout field
// can never be read out of bounds. Variable parts are reached through tail(), a span whose size is
// known.
//
// Writing: ByteWriter appends into a buffer the caller owns and never writes past its end; an
// append that does not fit sets overflowed() and writes nothing. Encoders compute their size first,
// so an overflow is a programming error that tests catch, never a memory error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace sctps::wire {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// SCTP chunks, parameters and error causes are padded to 4-byte multiples (RFC 9260 §3.2, §3.2.1).
constexpr std::size_t padded4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((unsigned{p[0]} << 8) | unsigned{p[1]});
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

template <std::size_t N>
class FixedReader {
 public:
  // The only way to make one: fails when `data` is shorter than the fixed part.
  static std::optional<FixedReader> make(Bytes data) {
    if (data.size() < N) return std::nullopt;
    return FixedReader(data);
  }

  template <std::size_t Off>
  std::uint8_t u8() const {
    static_assert(Off + 1 <= N, "field outside the fixed part");
    return data_[Off];
  }
  template <std::size_t Off>
  std::uint16_t u16() const {
    static_assert(Off + 2 <= N, "field outside the fixed part");
    return load_be16(data_.data() + Off);
  }
  template <std::size_t Off>
  std::uint32_t u32() const {
    static_assert(Off + 4 <= N, "field outside the fixed part");
    return load_be32(data_.data() + Off);
  }
  template <std::size_t Off, std::size_t Len>
  std::array<std::uint8_t, Len> array() const {
    static_assert(Off + Len <= N, "field outside the fixed part");
    std::array<std::uint8_t, Len> out{};
    std::memcpy(out.data(), data_.data() + Off, Len);
    return out;
  }

  // Everything after the fixed part.
  Bytes tail() const { return data_.subspan(N); }
  std::size_t size() const { return data_.size(); }

 private:
  explicit FixedReader(Bytes data) : data_(data) {}
  Bytes data_;
};

class ByteWriter {
 public:
  explicit ByteWriter(MutableBytes buffer) : buf_(buffer) {}

  std::size_t size() const { return pos_; }
  std::size_t remaining() const { return buf_.size() - pos_; }
  bool overflowed() const { return overflowed_; }
  Bytes written() const { return Bytes(buf_.data(), pos_); }
  MutableBytes written_mutable() { return MutableBytes(buf_.data(), pos_); }

  void u8(std::uint8_t v) {
    if (std::uint8_t* p = grab(1)) *p = v;
  }
  void u16(std::uint16_t v) {
    if (std::uint8_t* p = grab(2)) store_be16(p, v);
  }
  void u32(std::uint32_t v) {
    if (std::uint8_t* p = grab(4)) store_be32(p, v);
  }
  void bytes(Bytes b) {
    if (b.empty()) return;
    if (std::uint8_t* p = grab(b.size())) std::memcpy(p, b.data(), b.size());
  }
  void zeros(std::size_t n) {
    if (n == 0) return;
    if (std::uint8_t* p = grab(n)) std::memset(p, 0, n);
  }
  // Zero bytes up to the next 4-byte boundary measured from `start`.
  void pad_from(std::size_t start) { zeros(padded4(pos_ - start) - (pos_ - start)); }

  // Overwrite a 16-bit field already written (length back-patching).
  void patch_u16(std::size_t at, std::uint16_t v) {
    if (at + 2 <= pos_) store_be16(buf_.data() + at, v);
  }

 private:
  std::uint8_t* grab(std::size_t n) {
    if (overflowed_ || n > remaining()) {
      overflowed_ = true;
      return nullptr;
    }
    std::uint8_t* p = buf_.data() + pos_;
    pos_ += n;
    return p;
  }

  MutableBytes buf_;
  std::size_t pos_ = 0;
  bool overflowed_ = false;
};

// Writes a type-length-value header (chunk, parameter or error cause share the shape: 16 bits of
// type or type+flags, then a 16-bit length counting the header) and, on destruction, back-patches
// the length and pads to 4 bytes. `pad` is false where the caller must not pad (never needed so
// far).
class TlvScope {
 public:
  // For parameters and error causes: 16-bit type.
  TlvScope(ByteWriter& w, std::uint16_t type) : w_(w), start_(w.size()) {
    w_.u16(type);
    w_.u16(0);
  }
  // For chunks: 8-bit type and 8-bit flags.
  TlvScope(ByteWriter& w, std::uint8_t type, std::uint8_t flags) : w_(w), start_(w.size()) {
    w_.u8(type);
    w_.u8(flags);
    w_.u16(0);
  }
  TlvScope(const TlvScope&) = delete;
  TlvScope& operator=(const TlvScope&) = delete;
  ~TlvScope() {
    w_.patch_u16(start_ + 2, static_cast<std::uint16_t>(w_.size() - start_));
    w_.pad_from(start_);
  }

 private:
  ByteWriter& w_;
  std::size_t start_;
};

}  // namespace sctps::wire
