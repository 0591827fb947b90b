#include "net/udp_encapsulation.h"

#include <cerrno>

namespace sctps::net {

std::uint16_t RemotePortMap::port_for(const SocketAddress& remote, std::uint16_t sctp_port) const {
  const auto it = ports_.find(key(remote, sctp_port));
  return it == ports_.end() ? default_port_ : it->second;
}

std::optional<std::uint16_t> RemotePortMap::learned(const SocketAddress& remote,
                                                    std::uint16_t sctp_port) const {
  const auto it = ports_.find(key(remote, sctp_port));
  if (it == ports_.end()) return std::nullopt;
  return it->second;
}

bool RemotePortMap::set(const SocketAddress& remote, std::uint16_t sctp_port,
                        std::uint16_t udp_port) {
  if (udp_port == 0 || remote.is_unspecified()) return false;
  const SocketAddress k = key(remote, sctp_port);
  const auto it = ports_.find(k);
  if (it != ports_.end()) {
    if (it->second == udp_port) return false;
    it->second = udp_port;
    return true;
  }
  if (ports_.size() >= capacity_) return false;
  ports_.emplace(k, udp_port);
  return true;
}

void RemotePortMap::forget(const SocketAddress& remote, std::uint16_t sctp_port) {
  ports_.erase(key(remote, sctp_port));
}

bool RemotePortMap::answer_to(const SocketAddress& source, std::uint16_t sctp_port) {
  if (source.port() == 0 || source.is_unspecified()) return false;
  const SocketAddress k = key(source, sctp_port);
  if (const auto it = answers_.find(k); it != answers_.end()) {
    it->second = source.port();
    return true;
  }
  // Bounded: a flood of INITs between two clear_answers() cannot grow it past the map's size.
  if (answers_.size() >= capacity_) return false;
  answers_.emplace(k, source.port());
  return true;
}

SocketAddress RemotePortMap::answer_destination(const SocketAddress& remote,
                                                std::uint16_t sctp_port) const {
  const auto it = answers_.find(key(remote, sctp_port));
  return remote.with_port(it != answers_.end() ? it->second : port_for(remote, sctp_port));
}

bool plausible_encapsulated_packet(std::span<const std::uint8_t> payload,
                                   const SocketAddress& source) {
  return payload.size() >= kSctpCommonHeaderSize && source.port() != 0;
}

bool icmp_concerns_encapsulation(const IcmpError& error, const RemotePortMap& ports) {
  if (error.destination.is_unspecified() || !error.sctp_destination_port) return false;
  return error.destination.port() ==
         ports.port_for(error.destination, *error.sctp_destination_port);
}

UdpSocket* UdpEncapsulationSockets::socket_for(SocketAddress::Family family,
                                               const SocketAddress& source) {
  UdpSocket* wildcard = nullptr;
  for (UdpSocket& socket : sockets) {
    const SocketAddress& local = socket.local_address();
    if (local.family() != family) continue;
    if (!source.is_unspecified() && local.same_ip(source)) return &socket;
    if (local.is_any() && wildcard == nullptr) wildcard = &socket;
  }
  if (wildcard == nullptr && source.is_unspecified()) {
    for (UdpSocket& socket : sockets) {
      if (socket.family() == family) return &socket;
    }
  }
  return wildcard;
}

NetResult<UdpEncapsulationSockets> open_udp_encapsulation(const UdpEncapsulationConfig& config) {
  if (config.local_addresses.empty()) {
    return NetError{EINVAL, "UDP encapsulation: no local address to listen on"};
  }
  UdpSocketOptions options = config.socket;
  options.udp_checksum = true;
  // With an ephemeral port the later sockets may find it taken in their family: start over.
  constexpr int kAttempts = 8;
  for (int attempt = 0;; ++attempt) {
    UdpEncapsulationSockets result;
    result.local_port = config.local_port;
    bool retry = false;
    for (const SocketAddress& address : config.local_addresses) {
      auto socket = UdpSocket::open(address.with_port(result.local_port), options);
      if (!socket) {
        const bool collision =
            config.local_port == 0 && !result.sockets.empty() && socket.error().code == EADDRINUSE;
        if (collision && attempt + 1 < kAttempts) {
          retry = true;
          break;
        }
        return NetError{socket.error().code, "UDP encapsulation: " + socket.error().message};
      }
      if (result.local_port == 0) result.local_port = socket->local_address().port();
      result.sockets.push_back(std::move(socket).value());
    }
    if (!retry) return result;
  }
}

}  // namespace sctps::net
