// Helpers shared by the real-socket tests: loopback only, ephemeral ports, bounded waits.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/datagram_batch.h"
#include "net/monotonic_clock.h"
#include "net/socket_address.h"
#include "net/udp_socket.h"

namespace sctps::net::testing {

using Family = SocketAddress::Family;

inline std::string family_name(Family f) {
  return f == Family::kV4 ? "IPv4" : "IPv6";
}

// Whether ::1 can be used here (some containers run without IPv6).
inline bool loopback_available(Family f) {
  return UdpSocket::open(SocketAddress::loopback(f, 0)).ok();
}

// A recognizable payload: the index in the first 4 bytes, then bytes derived from it.
inline std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t index) {
  std::vector<std::uint8_t> v(size);
  for (std::size_t i = 0; i < size; ++i) {
    v[i] = static_cast<std::uint8_t>(index * 31 + i * 7 + 1);
  }
  for (std::size_t i = 0; i < 4 && i < size; ++i) {
    v[i] = static_cast<std::uint8_t>(index >> (24 - 8 * i));
  }
  return v;
}

inline std::optional<std::uint32_t> index_of(std::span<const std::uint8_t> data) {
  if (data.size() < 4) return std::nullopt;
  return (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) |
         (std::uint32_t{data[2]} << 8) | data[3];
}

// Waits for POLLIN / POLLERR on fd at most `timeout`.
inline short wait_fd(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return 0;
  return p.revents;
}

// Receives into `batch` until `count` datagrams arrived or `timeout` passed; calls
// `on_datagram(const ReceivedDatagram&)` for each. Returns how many arrived.
template <typename Socket, typename F>
std::size_t receive_until(Socket& socket, RecvBatch& batch, std::size_t count,
                          std::chrono::milliseconds timeout, F&& on_datagram) {
  const Micros end = monotonic_now() + timeout;
  std::size_t got = 0;
  while (got < count) {
    const Micros now = monotonic_now();
    if (now >= end) break;
    auto n = socket.recv_batch(batch);
    if (!n) return got;
    if (*n == 0) {
      wait_fd(socket.fd(), std::chrono::duration_cast<std::chrono::milliseconds>(end - now) +
                               std::chrono::milliseconds(1));
      continue;
    }
    for (const ReceivedDatagram d : batch) {
      on_datagram(d);
      ++got;
    }
  }
  return got;
}

}  // namespace sctps::net::testing
