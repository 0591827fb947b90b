// Errors of key management as values: a class the caller can react to and a message a person can
// act on ("certificate file not found: /etc/sctps/server.pem"). No exceptions leave this layer.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sctps::km {

enum class KmErrorCode : std::uint8_t {
  kNotFound,       // a file or directory that does not exist
  kIo,             // reading or writing a file failed
  kInvalidInput,   // PEM or DER that does not parse, an empty chain, a bad option value
  kKeyMismatch,    // the private key does not belong to the certificate
  kAlreadyExists,  // a file that would be overwritten
  kInvalidState,   // an operation the object's state does not allow (export before handshake)
  kUnsupported,    // a cipher suite or algorithm outside what this method allows
  kCryptoFailure,  // OpenSSL refused an operation it should have done
};
std::string_view to_string(KmErrorCode code);

struct KmError {
  KmErrorCode code = KmErrorCode::kInvalidInput;
  std::string message;  // what failed, why, and what to do about it
};

template <typename T>
class [[nodiscard]] KmResult {
 public:
  KmResult(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  KmResult(KmError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

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
  const KmError& error() const {
    if (const auto* p = std::get_if<1>(&v_)) return *p;
    std::abort();
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, KmError> v_;
};

// Success or an error, for operations without a value.
class [[nodiscard]] KmStatus {
 public:
  KmStatus() = default;
  KmStatus(KmError error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const KmError& error() const {
    if (!failed_) std::abort();
    return error_;
  }

 private:
  KmError error_;
  bool failed_ = false;
};

// The reasons OpenSSL queued on this thread's error stack, joined by "; " (and the stack cleared),
// or "no detail from OpenSSL". For messages after a failed OpenSSL call.
std::string drain_openssl_errors();

}  // namespace sctps::km
