// A capture of the Runtime's packets as the network carries them, in the classic libpcap file
// format that tcpdump, tshark and Wireshark read (a 24-byte file header, then a 16-byte header per
// packet).
//
// Link type LINKTYPE_RAW (101): each record starts with an IP header, whose version nibble tells
// IPv4 from IPv6, so that one file holds both families (an endpoint bound to 127.0.0.1 and ::1
// talks both). LINKTYPE_IPV4 / LINKTYPE_IPV6 would need one file per family.
//
// The sockets hand over only the SCTP packet (the UDP payload, or for raw IPv4 the packet with its
// IP header removed), so the IP and UDP headers are made up here from the datagram's real
// addresses and ports, with valid checksums (IPv4 header checksum; UDP checksum over the
// pseudo-header, RFC 768 and RFC 8200 §8.1, computed for IPv4 as well so that tools checking it
// find it right). Fields the socket does not report take ordinary values: TTL / hop limit 64,
// DSCP 0, DF set (SCTP does its own path MTU discovery, RFC 9260 §7.3). The SCTP bytes are copied
// as they are: protected packets stay encrypted.
//
// Timestamps are the wall clock (CLOCK_REALTIME) when the packet is written, in microseconds; the
// event loop's clock is monotonic and says nothing about the date.
//
// Size limit: the file never grows past limit_bytes. The first packet that does not fit stops the
// capture (so that the file is an unbroken prefix of the traffic, not one with silent holes); it
// and every later one are counted in not_captured(). A write error stops it the same way.
//
// Records are buffered and written with flush(); the Runtime flushes after each round of work, so
// the file is current whenever the loop waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/net_error.h"
#include "net/socket_address.h"

namespace sctps::api {

constexpr std::size_t kPcapFileHeaderSize = 24;
constexpr std::size_t kPcapRecordHeaderSize = 16;
constexpr std::uint32_t kPcapLinkTypeRaw = 101;
// The snapshot length announced: more than any IP packet without jumbograms, so nothing is cut.
constexpr std::uint32_t kPcapSnapLength = 262144;
// The largest synthesized header: IPv6 (40) + UDP (8).
constexpr std::size_t kMaxSynthesizedHeaders = 48;

// How a captured SCTP packet travelled.
enum class CaptureEncapsulation : std::uint8_t {
  kUdp,  // IP + UDP + SCTP (RFC 6951)
  kIp,   // IP + SCTP, protocol 132 (RFC 9260)
};

// Writes the IP (and UDP) headers for `sctp` sent from `from` to `to` (ports: the UDP ports) into
// `out`; returns their length. 0 when the packet cannot be represented: no address family, or too
// large for the IP length fields. Mixed families are resolved towards the sender's (the other
// address becomes the family's unspecified address), and IPv4-mapped IPv6 addresses become IPv4,
// as they travelled.
std::size_t synthesize_headers(std::span<std::uint8_t, kMaxSynthesizedHeaders> out,
                               const net::SocketAddress& from, const net::SocketAddress& to,
                               CaptureEncapsulation encapsulation,
                               std::span<const std::uint8_t> sctp);

class PcapWriter {
 public:
  // Creates (or truncates) `path` with mode 0600 (a capture may hold unprotected user data) and
  // writes the file header. Errors: "cannot open pcap file X: <reason>", or a limit too small for
  // the file header.
  static net::NetResult<std::unique_ptr<PcapWriter>> open(const std::string& path,
                                                          std::size_t limit_bytes);
  ~PcapWriter();  // flushes
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // One packet, stamped with the wall clock now.
  void write(const net::SocketAddress& from, const net::SocketAddress& to,
             CaptureEncapsulation encapsulation, std::span<const std::uint8_t> sctp);
  // Writes the buffered records to the file.
  void flush();

  // Packets in the file (or buffered for it), and packets left out (limit, write error, or not
  // representable).
  std::uint64_t captured() const { return captured_; }
  std::uint64_t not_captured() const { return not_captured_; }
  bool stopped() const { return stopped_; }
  // Why writing stopped after an error ("" when it did not fail).
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  PcapWriter(int fd, std::string path, std::size_t limit_bytes);
  bool write_out(std::span<const std::uint8_t> bytes);

  int fd_;
  std::string path_;
  std::size_t limit_bytes_;
  std::size_t file_bytes_ = 0;  // written plus buffered
  std::vector<std::uint8_t> buffer_;
  std::uint64_t buffered_records_ = 0;
  std::uint64_t captured_ = 0;
  std::uint64_t not_captured_ = 0;
  bool stopped_ = false;
  std::string error_;
};

}  // namespace sctps::api
