// Errors of the network layer as values: the errno (when the OS said no) and a message a person can
// act on. No exceptions leave this layer.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace sctps::net {

struct NetError {
  int code = 0;         // errno value; 0 when the error is not the OS's
  std::string message;  // what failed, why, and what to do about it
};

// "what: strerror(code)".
NetError os_error(int code, std::string what);

template <typename T>
class [[nodiscard]] NetResult {
 public:
  NetResult(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  NetResult(NetError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Asking for the wrong alternative is a programming error: abort.
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
  const NetError& error() const {
    if (const auto* p = std::get_if<1>(&v_)) return *p;
    std::abort();
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, NetError> v_;
};

// Success or an error, for operations without a value.
class [[nodiscard]] NetStatus {
 public:
  NetStatus() = default;
  NetStatus(NetError error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const NetError& error() const {
    if (!failed_) std::abort();
    return error_;
  }

 private:
  NetError error_;
  bool failed_ = false;
};

}  // namespace sctps::net
