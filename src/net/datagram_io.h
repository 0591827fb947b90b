// The batched send and receive engine behind UdpSocket and RawSocket: recvmmsg with the receive
// metadata (pktinfo, GRO segment size), sendmmsg with the send metadata (source address, GSO
// segment size), and the kernel's error conventions:
//
//   - an ICMP error pending on the socket (IP_RECVERR) makes the next send or receive call fail
//     once with its errno (ECONNREFUSED, EHOSTUNREACH, ...); that call is retried and the error is
//     left for the error queue, which the caller reads on EPOLLERR;
//   - a datagram the kernel refuses (EMSGSIZE, no route, bad source) is dropped and counted, and
//     the rest of the batch goes on;
//   - GSO refused by the route or device (EIO) turns GSO off for the socket; the datagram and all
//     later ones are split into single datagrams here.
//
// Scratch space for a batch of kMaxSendBatch datagrams is allocated once, at construction.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "net/datagram_batch.h"
#include "net/net_error.h"
#include "net/socket_address.h"

namespace sctps::net {

class DatagramIo {
 public:
  enum class Kind : std::uint8_t {
    kUdp,    // payload as is; `to` carries our UDP port
    kRawV4,  // IPv4 raw: received data starts with the IP header, which is removed
    kRawV6,  // IPv6 raw: data is the IP payload; destination ports must be 0
  };
  static constexpr std::size_t kMaxSendBatch = 64;

  DatagramIo(int fd, SocketAddress::Family family, Kind kind, std::uint16_t local_port,
             bool gso_enabled);

  // Receives what is queued, up to the batch's slots, without blocking. 0 when nothing is there.
  NetResult<std::size_t> receive(RecvBatch& batch);
  SendResult send(std::span<const OutgoingDatagram> datagrams);

  bool gso_enabled() const { return gso_enabled_; }
  const SocketStats& stats() const { return stats_; }
  void set_fd(int fd) { fd_ = fd; }

 private:
  struct Entry {
    std::size_t input = 0;      // index into the caller's span
    bool last_of_input = true;  // the input's last entry (inputs split in software have several)
    bool gso = false;           // sent as one GSO buffer
    std::size_t datagrams = 1;  // on the wire
    std::size_t bytes = 0;
  };
  struct alignas(cmsghdr) Control {
    std::array<std::uint8_t, kSendControlSize> bytes;
  };

  // Fills entries from inputs[first..] until the scratch is full; returns the next input index.
  std::size_t build(std::span<const OutgoingDatagram> inputs, std::size_t first,
                    std::size_t& entries, SendResult& result);
  // Sends the GSO entry `entry` (of input `d`) as single datagrams; false when the socket buffer
  // filled up on the way (the rest is dropped and counted).
  bool send_split(std::size_t entry, const OutgoingDatagram& d, SendResult& result);
  bool add_entry(const OutgoingDatagram& d, std::span<const std::uint8_t> bytes,
                 std::uint16_t gso_size, std::size_t index, std::size_t entry);
  std::size_t max_payload() const;

  int fd_;
  SocketAddress::Family family_;
  Kind kind_;
  std::uint16_t local_port_;
  bool gso_enabled_;
  SocketStats stats_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> iov_;
  std::vector<SocketAddress> names_;
  std::vector<Control> control_;
  std::vector<Entry> entries_;
};

}  // namespace sctps::net
