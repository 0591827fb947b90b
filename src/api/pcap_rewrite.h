// Classic libpcap files for `sctps decrypt-pcap` (the writer of captures is pcap_writer.h): reading
// records (either byte order, microsecond or nanosecond timestamps), finding the SCTP packet inside
// a record (link types raw IP, IPv4, IPv6, Ethernet with or without one VLAN tag, Linux cooked v1
// and v2; IP protocol 132, or UDP carrying SCTP per RFC 6951), and writing a record whose SCTP
// packet was replaced, with the IP and UDP lengths and checksums made right again. pcapng is not
// read (tshark / editcap convert it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sctps::api {

struct PcapHeader {
  bool swapped = false;      // written on a machine of the other byte order
  bool nanoseconds = false;  // magic a1b23c4d
  std::uint32_t link_type = 0;
  std::vector<std::uint8_t> raw;  // the 24 bytes as read, to write the output's header
};

struct PcapRecord {
  std::uint32_t seconds = 0;
  std::uint32_t fraction = 0;  // micro- or nanoseconds, as the file says
  std::uint32_t original_length = 0;
  std::vector<std::uint8_t> data;  // the captured bytes
};

// Where the SCTP packet sits in a record, and what holds it.
struct SctpLocation {
  std::size_t ip_offset = 0;
  bool ipv6 = false;
  std::size_t ip_header_length = 0;
  bool udp = false;  // RFC 6951 encapsulation: a UDP header between IP and SCTP
  std::size_t sctp_offset = 0;
  std::size_t sctp_length = 0;
};

class PcapReader {
 public:
  // nullopt with `error` set when the file cannot be read or is not a classic pcap file.
  static std::optional<PcapReader> open(const std::string& path, std::string& error);
  PcapReader(PcapReader&& other) noexcept;
  PcapReader& operator=(PcapReader&&) = delete;
  PcapReader(const PcapReader&) = delete;
  ~PcapReader();

  const PcapHeader& header() const { return header_; }
  // The next record; nullopt at the end, or with `error` set for a truncated or lying record.
  std::optional<PcapRecord> next(std::string& error);

 private:
  PcapReader(std::FILE* file, PcapHeader header) : file_(file), header_(std::move(header)) {}
  std::FILE* file_;
  PcapHeader header_;
};

// The SCTP packet of a record of `link_type`, if it carries one (IPv6 without extension headers).
std::optional<SctpLocation> locate_sctp(std::uint32_t link_type,
                                        std::span<const std::uint8_t> data);

// The record with its SCTP packet replaced by `sctp`: the bytes before it are copied, and the IP
// total / payload length, the IPv4 header checksum and the UDP length and checksum recomputed.
std::vector<std::uint8_t> replace_sctp(std::span<const std::uint8_t> data, const SctpLocation& at,
                                       std::span<const std::uint8_t> sctp);

// Writes the file header (as read) and records, in the byte order of the input file.
class PcapWriterFile {
 public:
  static std::optional<PcapWriterFile> create(const std::string& path, const PcapHeader& header,
                                              std::string& error);
  PcapWriterFile(PcapWriterFile&& other) noexcept;
  PcapWriterFile& operator=(PcapWriterFile&&) = delete;
  PcapWriterFile(const PcapWriterFile&) = delete;
  ~PcapWriterFile();
  bool write(const PcapRecord& record, std::span<const std::uint8_t> data);

 private:
  PcapWriterFile(std::FILE* file, bool swapped) : file_(file), swapped_(swapped) {}
  std::FILE* file_;
  bool swapped_;
};

}  // namespace sctps::api
