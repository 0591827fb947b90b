// Ancillary data (control messages) of recvmsg / sendmsg, read and written with bounds checks and
// without the C CMSG_* macros. The layout is the kernel's: a header {length, level, type} aligned
// to the word size, then the data, each message padded to the next word boundary.
//
// What the layer uses:
//   receive  IP_PKTINFO / IPV6_PKTINFO  the local address a datagram was sent to, and the interface
//            UDP_GRO                    the segment size of a coalesced (GRO) buffer
//   send     IP_PKTINFO / IPV6_PKTINFO  the source address to send from (multihoming)
//            UDP_SEGMENT                the segment size of a GSO buffer
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "net/socket_address.h"

namespace sctps::net {

constexpr std::size_t cmsg_align(std::size_t n) {
  return (n + sizeof(std::size_t) - 1) & ~(sizeof(std::size_t) - 1);
}
constexpr std::size_t cmsg_header_size() {
  return cmsg_align(sizeof(cmsghdr));
}
// Bytes a message with `data` bytes occupies, padding included (CMSG_SPACE).
constexpr std::size_t cmsg_space(std::size_t data) {
  return cmsg_header_size() + cmsg_align(data);
}
// The value of the header's length field (CMSG_LEN).
constexpr std::size_t cmsg_length(std::size_t data) {
  return cmsg_header_size() + data;
}

struct ControlMessage {
  int level = 0;
  int type = 0;
  std::span<const std::uint8_t> data;
};

// Walks a control buffer as the kernel returned it (msg_control, msg_controllen). Stops at the
// first header that is short or claims more bytes than the buffer holds.
class ControlMessageReader {
 public:
  explicit ControlMessageReader(std::span<const std::uint8_t> control) : control_(control) {}
  std::optional<ControlMessage> next();

 private:
  std::span<const std::uint8_t> control_;
  std::size_t offset_ = 0;
};

// Appends control messages to a caller's buffer; an add that does not fit writes nothing and
// returns false.
class ControlMessageWriter {
 public:
  explicit ControlMessageWriter(std::span<std::uint8_t> buffer) : buffer_(buffer) {}
  bool add(int level, int type, std::span<const std::uint8_t> data);
  template <typename T>
  bool add_value(int level, int type, const T& value) {
    std::uint8_t bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    return add(level, type, bytes);
  }
  std::size_t size() const { return size_; }

 private:
  std::span<std::uint8_t> buffer_;
  std::size_t size_ = 0;
};

// What the receive control messages said about one datagram.
struct ReceiveMetadata {
  std::optional<SocketAddress> local;  // IP only, port 0: IP_PKTINFO / IPV6_PKTINFO
  std::uint32_t interface_index = 0;
  std::uint16_t gro_segment_size = 0;  // UDP_GRO: >0 when the buffer holds several datagrams
};
ReceiveMetadata parse_receive_metadata(std::span<const std::uint8_t> control);

// Control buffer large enough for every send option at once (pktinfo v6 + UDP_SEGMENT).
constexpr std::size_t kSendControlSize = 64;
static_assert(kSendControlSize >= cmsg_space(20) + cmsg_space(sizeof(std::uint16_t)));
// Control buffer for received datagrams (pktinfo + GRO size, with room to spare).
constexpr std::size_t kReceiveControlSize = 128;

// Writes the send options: the source address (when not unspecified; its family must be the
// socket's) and the GSO segment size (when nonzero). Returns the bytes used, or nullopt when the
// buffer is too small.
std::optional<std::size_t> write_send_metadata(std::span<std::uint8_t> buffer,
                                               const SocketAddress& source,
                                               std::uint16_t gso_segment_size);

}  // namespace sctps::net
