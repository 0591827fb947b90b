// Shared by `sctps server` and `sctps client`: address parsing, payload pattern, JSON escaping.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/socket_address.h"

namespace sctps::app {

// "HOST:PORT" with an IP literal ("127.0.0.1:5000", "[::1]:5000") and an SCTP port 1-65535;
// nullopt with `why` set otherwise.
inline std::optional<net::SocketAddress> parse_host_port(std::string_view option,
                                                         const std::string& text,
                                                         std::string& why) {
  auto a = net::SocketAddress::parse(text);
  if (!a) {
    why = std::string(option) +
          ": expected HOST:PORT with an IP address (127.0.0.1:5000, [::1]:5000), got '" + text +
          "'";
    return std::nullopt;
  }
  if (a->port() == 0) {
    why = std::string(option) + ": SCTP port must be 1-65535, got 0";
    return std::nullopt;
  }
  return a;
}

// The test pattern: the message index in the first 8 bytes (big endian), then bytes derived from
// the index and the position.
inline void fill_pattern(std::vector<std::uint8_t>& out, std::size_t size, std::uint64_t index) {
  out.resize(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>(index * 31 + i * 7 + 1);
  }
  for (std::size_t i = 0; i < 8 && i < size; ++i) {
    out[i] = static_cast<std::uint8_t>(index >> (56 - 8 * i));
  }
}

inline std::uint64_t pattern_index(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i) v = (v << 8) | bytes[i];
  return v;
}

inline bool pattern_matches(const std::vector<std::uint8_t>& bytes, std::size_t size) {
  if (bytes.size() != size) return false;
  const std::uint64_t index = pattern_index(bytes);
  for (std::size_t i = 8; i < size; ++i) {
    if (bytes[i] != static_cast<std::uint8_t>(index * 31 + i * 7 + 1)) return false;
  }
  return true;
}

inline std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace sctps::app
