// The batch shapes shared by the UDP and raw sockets: datagrams to send (views of the caller's
// buffers) and a receive batch (one buffer pool the caller creates once and reuses). Nothing here
// allocates per packet: a RecvBatch allocates its pool, names and control buffers when constructed.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <vector>

#include "net/control_messages.h"
#include "net/socket_address.h"

namespace sctps::net {

// One datagram to send, or with `segment_size` several (UDP GSO, one system call for a run of
// datagrams to the same destination).
struct OutgoingDatagram {
  std::span<const std::uint8_t> data;  // the caller's bytes; not copied, used during the call only
  SocketAddress to;                    // raw sockets ignore the port
  SocketAddress from;                  // source IP; unspecified: the kernel picks by route
  // 0: `data` is one datagram. Otherwise `data` is consecutive datagrams of this size (the last may
  // be shorter), at most kMaxGsoSegments of them. Sockets without GSO split it themselves, so the
  // caller may always use this form.
  std::uint16_t segment_size = 0;
};

constexpr std::size_t kMaxGsoSegments = 64;  // UDP_MAX_SEGMENTS of every kernel since 4.18
// Largest UDP payload in one IP packet without jumbograms.
constexpr std::size_t kMaxUdpPayloadV4 = 65535 - 20 - 8;
constexpr std::size_t kMaxUdpPayloadV6 = 65535 - 8;
// A receive slot that can hold any coalesced GRO buffer.
constexpr std::size_t kGroSlotSize = 65536;

struct SendResult {
  // Datagrams from the front of the span that are done with: sent, or refused for good (see
  // `dropped`). Resend the rest, from index `consumed`, when the socket is writable again.
  std::size_t consumed = 0;
  // Of the consumed, how many the kernel refused (too large for the path with DF set, no route,
  // source address not local, ...) or lost in part (a software-split GSO datagram whose tail met a
  // full socket buffer). For SCTP these are ordinary losses.
  std::size_t dropped = 0;
  bool would_block = false;  // the socket buffer is full: wait for writability
  int last_error = 0;        // errno of the last refusal; 0 when none
};

struct SocketStats {
  std::uint64_t datagrams_received = 0;  // after GRO buffers are split
  std::uint64_t bytes_received = 0;
  std::uint64_t gro_buffers_received = 0;  // receive slots that held more than one datagram
  std::uint64_t truncated_dropped = 0;     // larger than a receive slot: dropped
  std::uint64_t malformed_dropped = 0;     // raw IPv4 with an impossible IP header
  std::uint64_t datagrams_sent = 0;        // on the wire: a GSO buffer counts its segments
  std::uint64_t bytes_sent = 0;
  std::uint64_t gso_buffers_sent = 0;
  std::uint64_t gso_fallbacks = 0;  // GSO buffers the kernel refused, sent as single datagrams
  std::uint64_t send_dropped = 0;   // datagrams (segments) refused or lost on send
  std::uint64_t send_would_block = 0;
  std::uint64_t pending_errors_seen = 0;  // ICMP errors reported through a send or receive call
  // System calls made: recvmmsg (also those that found nothing or failed), and sendmmsg / sendmsg.
  std::uint64_t receive_calls = 0;
  std::uint64_t send_calls = 0;
};

// One datagram of a receive batch. Valid until the next receive into the same batch.
struct ReceivedDatagram {
  std::span<std::uint8_t> data;  // UDP payload (raw IPv4: the IP header already removed)
  SocketAddress from;            // sender; raw sockets: port 0
  SocketAddress to;  // the local address it was sent to (from IP_PKTINFO / IPV6_PKTINFO) with our
                     // port; unspecified when the kernel did not say
  std::uint32_t interface_index = 0;  // the interface it arrived on; 0 when unknown
};

class RecvBatch {
 public:
  // Up to `slots` datagrams per receive call, each up to `slot_size` bytes (longer ones are
  // dropped and counted). A socket with GRO on needs slot_size >= kGroSlotSize, since one slot then
  // holds a whole coalesced run.
  RecvBatch(std::size_t slots, std::size_t slot_size);
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;
  RecvBatch(RecvBatch&&) noexcept = default;
  RecvBatch& operator=(RecvBatch&&) noexcept = default;

  std::size_t slots() const { return slot_count_; }
  std::size_t slot_size() const { return slot_size_; }
  // Datagrams of the last receive (GRO buffers split into their datagrams).
  std::size_t size() const { return datagram_count_; }
  bool empty() const { return datagram_count_ == 0; }

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ReceivedDatagram;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = ReceivedDatagram;

    Iterator() = default;
    ReceivedDatagram operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.slot_ == b.slot_ && a.offset_ == b.offset_;
    }

   private:
    friend class RecvBatch;
    Iterator(const RecvBatch* batch, std::size_t slot) : batch_(batch), slot_(slot) {}
    std::size_t length() const;
    const RecvBatch* batch_ = nullptr;
    std::size_t slot_ = 0;
    std::size_t offset_ = 0;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, filled_); }

 private:
  friend class DatagramIo;
  struct Slot {
    std::size_t offset = 0;  // of the datagram in the pool (raw IPv4: past the IP header)
    std::size_t length = 0;
    std::uint16_t segment_size = 0;  // GRO: the datagrams' size, the last may be shorter
    std::uint32_t interface_index = 0;
    SocketAddress from;
    SocketAddress to;
  };
  struct alignas(cmsghdr) Control {
    std::array<std::uint8_t, kReceiveControlSize> bytes;
  };

  std::size_t slot_count_;
  std::size_t slot_size_;
  std::vector<std::uint8_t> pool_;
  std::vector<sockaddr_storage> names_;
  std::vector<Control> control_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> headers_;
  std::vector<Slot> slot_info_;
  std::size_t filled_ = 0;          // slots holding data after the last receive
  std::size_t datagram_count_ = 0;  // datagrams in them
};

}  // namespace sctps::net
