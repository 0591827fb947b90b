// Result of a parser: a value or a ParseError. No exceptions cross the codec boundary.
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "wire/parse_error.h"

namespace sctps::wire {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(ParseError error) : v_(error) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Asking for the wrong alternative is a programming error, never a reaction to input: abort.
  T& value() & {
    if (auto* p = std::get_if<0>(&v_)) return *p;
    std::abort();
  }
  const T& value() const& {
    if (const auto* p = std::get_if<0>(&v_)) return *p;
    std::abort();
  }
  T&& value() && {
    if (auto* p = std::get_if<0>(&v_)) return std::move(*p);
    std::abort();
  }
  const ParseError& error() const {
    if (const auto* p = std::get_if<1>(&v_)) return *p;
    std::abort();
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, ParseError> v_;
};

inline ParseError make_error(ParseErrorCode code, std::size_t offset, const char* detail) {
  return ParseError{code, static_cast<std::uint32_t>(offset), detail};
}

}  // namespace sctps::wire
