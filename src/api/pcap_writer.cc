#include "api/pcap_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

namespace sctps::api {
namespace {

constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kProtocolSctp = 132;
constexpr std::size_t kIpv4HeaderSize = 20;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::uint8_t kHopLimit = 64;
// Records gather here and leave in one write(2); larger than any single record.
constexpr std::size_t kBufferSize = 256 * 1024;

void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// The pcap headers are little-endian; the magic number tells readers so.
void put32le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Internet checksum (RFC 1071): the ones' complement sum of 16-bit big-endian words, an odd last
// byte padded with zero. Sums are carried in 64 bits and folded at the end.
std::uint64_t sum_words(std::span<const std::uint8_t> bytes, std::uint64_t sum = 0) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += std::uint32_t{bytes[i]} << 8 | bytes[i + 1];
  if (i < bytes.size()) sum += std::uint32_t{bytes[i]} << 8;
  return sum;
}

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

// An address as it travelled: IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is IPv4.
struct WireAddress {
  net::SocketAddress::Family family = net::SocketAddress::Family::kUnspecified;
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  std::span<const std::uint8_t> bytes() const {
    return std::span<const std::uint8_t>(ip.data(), family == net::SocketAddress::Family::kV4 ? 4
                                                    : family == net::SocketAddress::Family::kV6
                                                        ? 16
                                                        : 0);
  }
};

WireAddress wire_address(const net::SocketAddress& a) {
  WireAddress w;
  w.port = a.port();
  const auto b = a.ip_bytes();
  constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (b.size() == 16 && std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), b.begin())) {
    w.family = net::SocketAddress::Family::kV4;
    std::copy(b.begin() + 12, b.end(), w.ip.begin());
  } else if (b.size() == 4 || b.size() == 16) {
    w.family = b.size() == 4 ? net::SocketAddress::Family::kV4 : net::SocketAddress::Family::kV6;
    std::copy(b.begin(), b.end(), w.ip.begin());
  }
  return w;
}

}  // namespace

std::size_t synthesize_headers(std::span<std::uint8_t, kMaxSynthesizedHeaders> out,
                               const net::SocketAddress& from, const net::SocketAddress& to,
                               CaptureEncapsulation encapsulation,
                               std::span<const std::uint8_t> sctp) {
  WireAddress source = wire_address(from);
  WireAddress destination = wire_address(to);
  if (source.family == net::SocketAddress::Family::kUnspecified) {
    source.family = destination.family;  // the unspecified address of that family
  }
  if (destination.family != source.family) {
    const std::uint16_t port = destination.port;
    destination = WireAddress{source.family, {}, port};
  }
  if (source.family == net::SocketAddress::Family::kUnspecified) return 0;
  const bool udp = encapsulation == CaptureEncapsulation::kUdp;
  const bool v4 = source.family == net::SocketAddress::Family::kV4;
  const std::size_t ip_size = v4 ? kIpv4HeaderSize : kIpv6HeaderSize;
  const std::size_t transport_size = (udp ? kUdpHeaderSize : 0) + sctp.size();
  // IPv4 Total Length counts the IP header; IPv6 Payload Length does not (RFC 8200 §3).
  if ((v4 ? ip_size + transport_size : transport_size) > 0xffff) return 0;
  std::uint8_t* p = out.data();
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  const std::uint8_t protocol = udp ? kProtocolUdp : kProtocolSctp;
  if (v4) {
    // RFC 791 §3.1.
    p[0] = 0x45;  // version 4, 5 words
    put16(p + 2, static_cast<std::uint32_t>(ip_size + transport_size));
    // Identification 0: an atomic datagram (DF set) needs no unique one (RFC 6864 §4.1).
    put16(p + 6, 0x4000);  // DF
    p[8] = kHopLimit;
    p[9] = protocol;
    std::copy_n(source.ip.begin(), 4, p + 12);
    std::copy_n(destination.ip.begin(), 4, p + 16);
    put16(p + 10, fold(sum_words(std::span<const std::uint8_t>(p, kIpv4HeaderSize))));
  } else {
    // RFC 8200 §3.
    p[0] = 0x60;
    put16(p + 4, static_cast<std::uint32_t>(transport_size));
    p[6] = protocol;
    p[7] = kHopLimit;
    std::copy_n(source.ip.begin(), 16, p + 8);
    std::copy_n(destination.ip.begin(), 16, p + 24);
  }
  if (!udp) return ip_size;
  std::uint8_t* u = p + ip_size;
  put16(u, source.port);
  put16(u + 2, destination.port);
  put16(u + 4, static_cast<std::uint32_t>(transport_size));
  // Pseudo-header (RFC 768; RFC 8200 §8.1): addresses, protocol, UDP length.
  std::uint64_t sum = sum_words(source.bytes());
  sum = sum_words(destination.bytes(), sum);
  sum += kProtocolUdp;
  sum += transport_size;
  sum = sum_words(std::span<const std::uint8_t>(u, kUdpHeaderSize), sum);
  sum = sum_words(sctp, sum);
  std::uint16_t checksum = fold(sum);
  if (checksum == 0) checksum = 0xffff;  // 0 means "none" (IPv4) or is invalid (IPv6)
  put16(u + 6, checksum);
  return ip_size + kUdpHeaderSize;
}

net::NetResult<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path,
                                                             std::size_t limit_bytes) {
  if (limit_bytes < kPcapFileHeaderSize) {
    return net::NetError{EINVAL, "pcap size limit must be at least " +
                                     std::to_string(kPcapFileHeaderSize) +
                                     " bytes (the file header)"};
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return net::os_error(errno, "cannot open pcap file " + path);
  std::unique_ptr<PcapWriter> writer(new PcapWriter(fd, path, limit_bytes));
  // File header: magic (microsecond timestamps), version 2.4, GMT offset 0, accuracy 0, snapshot
  // length, link type.
  std::array<std::uint8_t, kPcapFileHeaderSize> header{};
  put32le(header.data(), 0xa1b2c3d4);
  header[4] = 2;
  header[6] = 4;
  put32le(header.data() + 16, kPcapSnapLength);
  put32le(header.data() + 20, kPcapLinkTypeRaw);
  if (!writer->write_out(header)) {
    return net::NetError{EIO, "cannot write pcap file " + path + ": " + writer->error_};
  }
  writer->file_bytes_ = kPcapFileHeaderSize;
  return writer;
}

PcapWriter::PcapWriter(int fd, std::string path, std::size_t limit_bytes)
    : fd_(fd), path_(std::move(path)), limit_bytes_(limit_bytes) {
  buffer_.reserve(kBufferSize);
}

PcapWriter::~PcapWriter() {
  flush();
  ::close(fd_);
}

void PcapWriter::write(const net::SocketAddress& from, const net::SocketAddress& to,
                       CaptureEncapsulation encapsulation, std::span<const std::uint8_t> sctp) {
  if (stopped_) {
    ++not_captured_;
    return;
  }
  std::array<std::uint8_t, kMaxSynthesizedHeaders> headers{};
  const std::size_t header_size = synthesize_headers(headers, from, to, encapsulation, sctp);
  if (header_size == 0) {
    ++not_captured_;
    return;
  }
  const std::size_t packet_size = header_size + sctp.size();
  const std::size_t record_size = kPcapRecordHeaderSize + packet_size;
  if (record_size > limit_bytes_ - file_bytes_) {
    stopped_ = true;
    ++not_captured_;
    return;
  }
  if (buffer_.size() + record_size > kBufferSize) flush();
  if (stopped_) {  // the flush failed
    ++not_captured_;
    return;
  }
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::array<std::uint8_t, kPcapRecordHeaderSize> record{};
  put32le(record.data(), static_cast<std::uint32_t>(now.tv_sec));
  put32le(record.data() + 4, static_cast<std::uint32_t>(now.tv_nsec / 1000));
  put32le(record.data() + 8, static_cast<std::uint32_t>(packet_size));
  put32le(record.data() + 12, static_cast<std::uint32_t>(packet_size));
  buffer_.insert(buffer_.end(), record.begin(), record.end());
  buffer_.insert(buffer_.end(), headers.begin(),
                 headers.begin() + static_cast<std::ptrdiff_t>(header_size));
  buffer_.insert(buffer_.end(), sctp.begin(), sctp.end());
  file_bytes_ += record_size;
  ++buffered_records_;
  ++captured_;
}

void PcapWriter::flush() {
  if (buffer_.empty()) return;
  if (!write_out(buffer_)) {
    // What was buffered never reached the file.
    captured_ -= buffered_records_;
    not_captured_ += buffered_records_;
    stopped_ = true;
  }
  buffer_.clear();
  buffered_records_ = 0;
}

bool PcapWriter::write_out(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? std::strerror(errno) : "nothing written";
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace sctps::api
