// One socket of the Runtime's transport: a UDP socket (RFC 6951 encapsulation) or a raw socket of
// IP protocol 132 (SCTP natively over IP, RFC 9260). Both share the batch interface of net; this
// only dispatches, so that the Runtime's I/O paths are written once.
#pragma once

#include <span>
#include <utility>
#include <variant>

#include "net/raw_socket.h"
#include "net/udp_socket.h"

namespace sctps::api {

class TransportSocket {
 public:
  explicit TransportSocket(net::UdpSocket socket) : socket_(std::move(socket)) {}
  explicit TransportSocket(net::RawSocket socket) : socket_(std::move(socket)) {}

  bool raw() const { return std::holds_alternative<net::RawSocket>(socket_); }
  int fd() const {
    return std::visit([](const auto& s) { return s.fd(); }, socket_);
  }
  const net::SocketAddress& local_address() const {
    return std::visit([](const auto& s) -> const net::SocketAddress& { return s.local_address(); },
                      socket_);
  }
  net::SocketAddress::Family family() const { return local_address().family(); }
  // Raw sockets never segment (the kernel has no GSO for them).
  bool gso_enabled() const {
    const auto* udp = std::get_if<net::UdpSocket>(&socket_);
    return udp != nullptr && udp->gso_enabled();
  }
  bool gro_enabled() const {
    const auto* udp = std::get_if<net::UdpSocket>(&socket_);
    return udp != nullptr && udp->gro_enabled();
  }

  net::NetResult<std::size_t> recv_batch(net::RecvBatch& batch) {
    return std::visit([&batch](auto& s) { return s.recv_batch(batch); }, socket_);
  }
  net::SendResult send_batch(std::span<const net::OutgoingDatagram> datagrams) {
    return std::visit([datagrams](auto& s) { return s.send_batch(datagrams); }, socket_);
  }
  std::size_t read_errors(std::span<net::IcmpError> out) {
    return std::visit([out](auto& s) { return s.read_errors(out); }, socket_);
  }
  const net::SocketStats& stats() const {
    return std::visit([](const auto& s) -> const net::SocketStats& { return s.stats(); }, socket_);
  }

 private:
  std::variant<net::UdpSocket, net::RawSocket> socket_;
};

}  // namespace sctps::api
