#include "km/km_error.h"

#include <openssl/err.h>

#include <array>

namespace sctps::km {

std::string_view to_string(KmErrorCode code) {
  switch (code) {
    case KmErrorCode::kNotFound: return "not found";
    case KmErrorCode::kIo: return "i/o error";
    case KmErrorCode::kInvalidInput: return "invalid input";
    case KmErrorCode::kKeyMismatch: return "key mismatch";
    case KmErrorCode::kAlreadyExists: return "already exists";
    case KmErrorCode::kInvalidState: return "invalid state";
    case KmErrorCode::kUnsupported: return "unsupported";
    case KmErrorCode::kCryptoFailure: return "crypto failure";
  }
  return "unknown";
}

std::string drain_openssl_errors() {
  std::string out;
  std::array<char, 256> buf{};
  while (const unsigned long e = ERR_get_error()) {
    if (!out.empty()) out += "; ";
    // The reason alone reads best ("certificate verify failed"); the packed code only when
    // OpenSSL has no text for it.
    if (const char* reason = ERR_reason_error_string(e)) {
      out += reason;
    } else {
      ERR_error_string_n(e, buf.data(), buf.size());
      out += buf.data();
    }
  }
  if (out.empty()) out = "no detail from OpenSSL";
  return out;
}

}  // namespace sctps::km
