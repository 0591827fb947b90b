#include "net/net_error.h"

#include <cstring>

namespace sctps::net {

NetError os_error(int code, std::string what) {
  // strerror_r (GNU variant) may or may not use the buffer; either way the result is a C string.
  char buffer[128] = {};
  const char* text = strerror_r(code, buffer, sizeof(buffer));
  what += ": ";
  what += text;
  return NetError{code, std::move(what)};
}

}  // namespace sctps::net
