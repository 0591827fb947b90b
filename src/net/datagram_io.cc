#include "net/datagram_io.h"

#include <sys/socket.h>

#include <cerrno>
#include <limits>

#include "wire/byte_io.h"

namespace sctps::net {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
constexpr int kMaxRetries = 16;
static_assert(EAGAIN == EWOULDBLOCK, "Linux: one errno for a full or empty socket buffer");

// Errors that an ICMP message left pending on the socket (sk_err); the call that reports one did
// nothing else and can be repeated.
bool is_pending_icmp_error(int e) {
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN ||
         e == ENETDOWN || e == EPROTO || e == ENOPROTOOPT || e == ETIMEDOUT || e == ECONNRESET ||
         e == EMSGSIZE;
}

struct Ipv4Header {
  std::size_t header_length = 0;
  std::size_t total_length = 0;
  std::array<std::uint8_t, 4> source{};
  std::array<std::uint8_t, 4> destination{};
};

// RFC 791 §3.1. Only what is needed to find the payload and the addresses; the kernel has already
// verified the header checksum and reassembled fragments.
std::optional<Ipv4Header> parse_ipv4_header(std::span<const std::uint8_t> packet) {
  const auto reader = wire::FixedReader<20>::make(packet);
  if (!reader) return std::nullopt;
  const std::uint8_t version_ihl = reader->u8<0>();
  Ipv4Header h;
  h.header_length = std::size_t{version_ihl & 0x0fu} * 4;
  h.total_length = reader->u16<2>();
  if ((version_ihl >> 4) != 4 || h.header_length < 20 || h.header_length > packet.size() ||
      h.total_length < h.header_length) {
    return std::nullopt;
  }
  h.source = reader->array<12, 4>();
  h.destination = reader->array<16, 4>();
  return h;
}

}  // namespace

DatagramIo::DatagramIo(int fd, SocketAddress::Family family, Kind kind, std::uint16_t local_port,
                       bool gso_enabled)
    : fd_(fd),
      family_(family),
      kind_(kind),
      local_port_(local_port),
      gso_enabled_(gso_enabled && kind == Kind::kUdp),
      headers_(kMaxSendBatch),
      iov_(kMaxSendBatch),
      names_(kMaxSendBatch),
      control_(kMaxSendBatch),
      entries_(kMaxSendBatch) {}

std::size_t DatagramIo::max_payload() const {
  switch (kind_) {
    case Kind::kUdp:
      return family_ == SocketAddress::Family::kV4 ? kMaxUdpPayloadV4 : kMaxUdpPayloadV6;
    case Kind::kRawV4: return 65535 - 20;
    case Kind::kRawV6: return 65535;
  }
  return 0;
}

NetResult<std::size_t> DatagramIo::receive(RecvBatch& b) {
  b.filled_ = 0;
  b.datagram_count_ = 0;
  const auto prepare = [&b] {
    for (std::size_t i = 0; i < b.slot_count_; ++i) {
      b.iov_[i] = iovec{b.pool_.data() + i * b.slot_size_, b.slot_size_};
      msghdr& m = b.headers_[i].msg_hdr;
      m = msghdr{};
      m.msg_name = &b.names_[i];
      m.msg_namelen = sizeof(sockaddr_storage);
      m.msg_iov = &b.iov_[i];
      m.msg_iovlen = 1;
      m.msg_control = b.control_[i].bytes.data();
      m.msg_controllen = b.control_[i].bytes.size();
      b.headers_[i].msg_len = 0;
    }
  };
  const unsigned slots = static_cast<unsigned>(
      b.slot_count_ > 1024 ? 1024 : b.slot_count_);  // UIO_MAXIOV bounds a batch
  int n = -1;
  for (int attempt = 0;; ++attempt) {
    prepare();
    n = ::recvmmsg(fd_, b.headers_.data(), slots, MSG_DONTWAIT, nullptr);
    ++stats_.receive_calls;
    if (n >= 0) break;
    const int e = errno;
    if (e == EAGAIN) return std::size_t{0};
    if (attempt < kMaxRetries && e == EINTR) continue;
    if (attempt < kMaxRetries && is_pending_icmp_error(e)) {
      ++stats_.pending_errors_seen;  // the error itself waits in the error queue
      continue;
    }
    return os_error(e, "recvmmsg");
  }

  for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) {
    const msghdr& m = b.headers_[k].msg_hdr;
    if ((m.msg_flags & MSG_TRUNC) != 0) {
      ++stats_.truncated_dropped;
      continue;
    }
    const std::size_t slot_start = k * b.slot_size_;
    std::size_t length = b.headers_[k].msg_len;
    if (length > b.slot_size_) length = b.slot_size_;
    const std::size_t namelen =
        m.msg_namelen < sizeof(sockaddr_storage) ? m.msg_namelen : sizeof(sockaddr_storage);
    const std::size_t controllen = m.msg_controllen < b.control_[k].bytes.size()
                                       ? m.msg_controllen
                                       : b.control_[k].bytes.size();
    const ReceiveMetadata meta = parse_receive_metadata(
        std::span<const std::uint8_t>(b.control_[k].bytes.data(), controllen));

    RecvBatch::Slot& slot = b.slot_info_[b.filled_];
    slot = RecvBatch::Slot{};
    slot.offset = slot_start;
    slot.length = length;
    slot.interface_index = meta.interface_index;
    if (const auto from = SocketAddress::from_sockaddr(&b.names_[k], namelen)) slot.from = *from;
    if (meta.local) slot.to = meta.local->with_port(kind_ == Kind::kUdp ? local_port_ : 0);

    if (kind_ == Kind::kRawV4) {
      const auto ip =
          parse_ipv4_header(std::span<const std::uint8_t>(b.pool_.data() + slot_start, length));
      if (!ip) {
        ++stats_.malformed_dropped;
        continue;
      }
      const std::size_t end = ip->total_length < length ? ip->total_length : length;
      slot.offset = slot_start + ip->header_length;
      slot.length = end - ip->header_length;
      slot.from = SocketAddress::v4(ip->source, 0);
      if (!meta.local) slot.to = SocketAddress::v4(ip->destination, 0);
    } else if (kind_ == Kind::kRawV6) {
      slot.from.set_port(0);  // the kernel puts the protocol number there
    }

    std::size_t datagrams = 1;
    if (kind_ == Kind::kUdp && meta.gro_segment_size != 0 && slot.length > meta.gro_segment_size) {
      slot.segment_size = meta.gro_segment_size;
      datagrams = (slot.length + meta.gro_segment_size - 1) / meta.gro_segment_size;
      ++stats_.gro_buffers_received;
    }
    stats_.datagrams_received += datagrams;
    stats_.bytes_received += slot.length;
    b.datagram_count_ += datagrams;
    ++b.filled_;
  }
  return b.datagram_count_;
}

bool DatagramIo::add_entry(const OutgoingDatagram& d, std::span<const std::uint8_t> bytes,
                           std::uint16_t gso_size, std::size_t index, std::size_t entry) {
  names_[entry] = kind_ == Kind::kUdp ? d.to : d.to.with_port(0);
  const auto control_size = write_send_metadata(control_[entry].bytes, d.from, gso_size);
  if (!control_size) return false;
  // iovec and msghdr take non-const pointers; the kernel only reads them on send.
  iov_[entry] = iovec{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
  msghdr& m = headers_[entry].msg_hdr;
  m = msghdr{};
  m.msg_name = const_cast<sockaddr*>(names_[entry].sockaddr_ptr());
  m.msg_namelen = names_[entry].sockaddr_length();
  m.msg_iov = &iov_[entry];
  m.msg_iovlen = 1;
  m.msg_control = *control_size > 0 ? control_[entry].bytes.data() : nullptr;
  m.msg_controllen = *control_size;
  headers_[entry].msg_len = 0;
  Entry& e = entries_[entry];
  e.input = index;
  e.last_of_input = true;
  e.gso = gso_size != 0;
  e.bytes = bytes.size();
  e.datagrams = gso_size != 0 ? (bytes.size() + gso_size - 1) / gso_size : 1;
  return true;
}

std::size_t DatagramIo::build(std::span<const OutgoingDatagram> inputs, std::size_t first,
                              std::size_t& entries, SendResult& result) {
  entries = 0;
  const std::size_t max_data = max_payload();
  std::size_t i = first;
  for (; i < inputs.size(); ++i) {
    const OutgoingDatagram& d = inputs[i];
    const auto refuse = [&](int error) {
      ++result.dropped;
      ++stats_.send_dropped;
      result.last_error = error;
    };
    if (d.to.family() != family_ || (!d.from.is_unspecified() && d.from.family() != family_)) {
      refuse(EAFNOSUPPORT);
      continue;
    }
    const bool several = d.segment_size != 0 && d.data.size() > d.segment_size;
    const std::size_t segment = several ? d.segment_size : d.data.size();
    const std::size_t segments = several ? (d.data.size() + segment - 1) / segment : 1;
    if (segment > max_data || segments > kMaxGsoSegments) {
      refuse(EMSGSIZE);
      continue;
    }
    // GSO buffers of as many segments as one IP packet holds; or single datagrams.
    const std::size_t per_entry =
        gso_enabled_ && several ? std::min(kMaxGsoSegments, max_data / segment) : 1;
    const std::size_t needed = (segments + per_entry - 1) / per_entry;
    if (entries + needed > kMaxSendBatch) break;  // the next round takes it
    for (std::size_t s = 0; s < segments; s += per_entry) {
      const std::size_t begin = s * segment;
      const std::size_t end = std::min(d.data.size(), begin + per_entry * segment);
      const bool gso = end - begin > segment;
      if (!add_entry(d, d.data.subspan(begin, end - begin),
                     gso ? static_cast<std::uint16_t>(segment) : std::uint16_t{0}, i, entries)) {
        refuse(EINVAL);
        break;
      }
      entries_[entries].last_of_input = end == d.data.size();
      ++entries;
    }
  }
  return i;
}

bool DatagramIo::send_split(std::size_t entry, const OutgoingDatagram& d, SendResult& result) {
  const Entry& e = entries_[entry];
  const std::uint8_t* base = static_cast<const std::uint8_t*>(iov_[entry].iov_base);
  const std::size_t segment = d.segment_size;
  Control control{};
  const auto control_size = write_send_metadata(control.bytes, d.from, 0);
  for (std::size_t offset = 0; offset < e.bytes; offset += segment) {
    const std::size_t length = std::min(segment, e.bytes - offset);
    iovec iov{const_cast<std::uint8_t*>(base + offset), length};
    msghdr m{};
    m.msg_name = const_cast<sockaddr*>(names_[entry].sockaddr_ptr());
    m.msg_namelen = names_[entry].sockaddr_length();
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control_size.value_or(0) > 0 ? control.bytes.data() : nullptr;
    m.msg_controllen = control_size.value_or(0);
    bool retried = false;
    for (;;) {
      ++stats_.send_calls;
      if (::sendmsg(fd_, &m, MSG_DONTWAIT) >= 0) {
        ++stats_.datagrams_sent;
        stats_.bytes_sent += length;
        break;
      }
      const int err = errno;
      if (err == EINTR) continue;
      if (!retried && is_pending_icmp_error(err)) {
        retried = true;
        ++stats_.pending_errors_seen;
        continue;
      }
      if (err == EAGAIN) {
        // The rest of this buffer is lost: the caller cannot resume in the middle of a datagram.
        stats_.send_dropped += (e.bytes - offset + segment - 1) / segment;
        ++stats_.send_would_block;
        result.would_block = true;
        return false;
      }
      ++stats_.send_dropped;
      result.last_error = err;
      break;
    }
  }
  return true;
}

SendResult DatagramIo::send(std::span<const OutgoingDatagram> inputs) {
  SendResult result;
  std::size_t next = 0;
  std::size_t last_dropped_input = kNone;
  const auto drop_input = [&](std::size_t input) {
    if (last_dropped_input != input) {
      ++result.dropped;
      last_dropped_input = input;
    }
  };
  while (next < inputs.size()) {
    std::size_t count = 0;
    const std::size_t after = build(inputs, next, count, result);
    if (count == 0 && after == next) {  // unreachable: an input needs at most 64 entries
      result.consumed = next;
      return result;
    }
    std::size_t e = 0;
    std::size_t retried = kNone;
    while (e < count) {
      const int n =
          ::sendmmsg(fd_, headers_.data() + e, static_cast<unsigned>(count - e), MSG_DONTWAIT);
      ++stats_.send_calls;
      if (n > 0) {
        for (std::size_t k = e; k < e + static_cast<std::size_t>(n); ++k) {
          stats_.datagrams_sent += entries_[k].datagrams;
          stats_.bytes_sent += entries_[k].bytes;
          if (entries_[k].gso) ++stats_.gso_buffers_sent;
        }
        e += static_cast<std::size_t>(n);
        continue;
      }
      const int err = n == 0 ? EAGAIN : errno;
      if (err == EINTR) continue;
      const Entry& bad = entries_[e];
      const bool started = e > 0 && entries_[e - 1].input == bad.input;
      if (err == EAGAIN) {
        ++stats_.send_would_block;
        result.would_block = true;
        // An input of several entries sent in part cannot be resumed: the rest of it is lost.
        if (started) {
          for (std::size_t k = e; k < count && entries_[k].input == bad.input; ++k) {
            stats_.send_dropped += entries_[k].datagrams;
          }
          drop_input(bad.input);
          result.consumed = bad.input + 1;
        } else {
          result.consumed = bad.input;
        }
        return result;
      }
      if (bad.gso && (err == EIO || err == EINVAL)) {
        // The route or device cannot segment (EIO: the socket stops trying), or not this buffer
        // (EINVAL): send its datagrams one by one.
        ++stats_.gso_fallbacks;
        if (err == EIO) gso_enabled_ = false;
        if (!send_split(e, inputs[bad.input], result)) {
          drop_input(bad.input);
          result.consumed = bad.input + 1;
          return result;
        }
        ++e;
        continue;
      }
      if (retried != e && is_pending_icmp_error(err)) {
        retried = e;
        ++stats_.pending_errors_seen;
        continue;
      }
      stats_.send_dropped += bad.datagrams;
      result.last_error = err;
      drop_input(bad.input);
      ++e;
    }
    next = after;
  }
  result.consumed = inputs.size();
  return result;
}

}  // namespace sctps::net
