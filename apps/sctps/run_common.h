// Shared by `sctps server` and `sctps client`: address parsing, protocol tuning options, the
// payload pattern, JSON escaping, exit codes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/options.h"
#include "net/socket_address.h"

namespace CLI {
class App;
}

namespace sctps::app {

// Exit codes of server and client (the footer of their --help says the same).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // cannot bind, association failed, peer aborted, verification
constexpr int kExitUsage = 2;    // bad option, address, port or combination of options

std::string_view family_name(net::SocketAddress::Family family);

// "HOST:PORT" with an IP literal ("127.0.0.1:5000", "[::1]:5000") and an SCTP port 1-65535;
// nullopt with `why` set otherwise.
std::optional<net::SocketAddress> parse_host_port(std::string_view option, const std::string& text,
                                                  std::string& why);

// Every `--listen HOST:PORT` of a server: one SCTP port for all (an SCTP endpoint is a set of
// addresses and one port, RFC 9260 §2.4), no address twice, and a wildcard only alone in its
// family (it would take the port from the specific addresses).
std::optional<std::vector<net::SocketAddress>> parse_listen_addresses(
    const std::vector<std::string>& texts, std::string& why);

// Every `--bind HOST` of a client (an IP, no port; the SCTP port comes from --connect): no
// address twice, a wildcard only alone in its family, and at least one address of the family of
// `remote` (the one the INIT is sent from).
std::optional<std::vector<net::SocketAddress>> parse_bind_addresses(
    const std::vector<std::string>& texts, const net::SocketAddress& remote,
    const std::string& connect_text, std::string& why);

// Protocol parameters the user may change (RFC 9260 §16); unset ones keep the defaults of
// core::AssociationOptions.
struct TuningOptions {
  std::optional<int> rto_initial_ms;
  std::optional<int> rto_min_ms;
  std::optional<int> rto_max_ms;
  std::optional<double> hb_interval_s;  // 0: no heartbeats
  std::optional<int> path_max_retrans;
  std::optional<int> assoc_max_retrans;
  std::optional<int> mtu;
};
void add_tuning_options(CLI::App& cmd, TuningOptions& t);
// Applies `t` to `a`; returns the reason when the combination is inconsistent, else empty.
std::string apply_tuning(const TuningOptions& t, core::AssociationOptions& a);

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
