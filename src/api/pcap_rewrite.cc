#include "api/pcap_rewrite.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sctps::api {

namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kMagicPcapng = 0x0a0d0d0a;
constexpr std::uint32_t kMaxRecord = 262144;  // more than any snapshot length in use

// Link types (tcpdump.org/linktypes.html).
constexpr std::uint32_t kLinkEthernet = 1;
constexpr std::uint32_t kLinkRaw = 101;
constexpr std::uint32_t kLinkLinuxSll = 113;
constexpr std::uint32_t kLinkIpv4 = 228;
constexpr std::uint32_t kLinkIpv6 = 229;
constexpr std::uint32_t kLinkLinuxSll2 = 276;

constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoSctp = 132;

std::uint32_t bswap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
}

std::uint32_t load_le_or_be(const std::uint8_t* p, bool swapped) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return swapped ? bswap32(v) : v;
}

std::uint16_t be16(std::span<const std::uint8_t> d, std::size_t at) {
  return static_cast<std::uint16_t>(d[at] << 8 | d[at + 1]);
}

void put_be16(std::vector<std::uint8_t>& d, std::size_t at, std::size_t v) {
  d[at] = static_cast<std::uint8_t>(v >> 8);
  d[at + 1] = static_cast<std::uint8_t>(v);
}

// RFC 1071 one's-complement sum, continued from `sum`.
std::uint32_t sum16(std::span<const std::uint8_t> d, std::uint32_t sum = 0) {
  std::size_t i = 0;
  for (; i + 1 < d.size(); i += 2) sum += static_cast<std::uint32_t>(d[i] << 8 | d[i + 1]);
  if (i < d.size()) sum += static_cast<std::uint32_t>(d[i] << 8);
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Offset of the IP header for a link type; nullopt when the frame holds no IPv4 / IPv6.
std::optional<std::size_t> ip_offset(std::uint32_t link, std::span<const std::uint8_t> d) {
  switch (link) {
    case kLinkRaw:
    case kLinkIpv4:
    case kLinkIpv6: return 0;
    case kLinkEthernet: {
      if (d.size() < 14) return std::nullopt;
      std::size_t at = 12;
      std::uint16_t type = be16(d, at);
      if (type == 0x8100 && d.size() >= 18) {  // one 802.1Q tag
        at += 4;
        type = be16(d, at);
      }
      if (type != 0x0800 && type != 0x86DD) return std::nullopt;
      return at + 2;
    }
    case kLinkLinuxSll: {
      if (d.size() < 16) return std::nullopt;
      const std::uint16_t type = be16(d, 14);
      if (type != 0x0800 && type != 0x86DD) return std::nullopt;
      return 16;
    }
    case kLinkLinuxSll2: {
      if (d.size() < 20) return std::nullopt;
      const std::uint16_t type = be16(d, 0);
      if (type != 0x0800 && type != 0x86DD) return std::nullopt;
      return 20;
    }
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<PcapReader> PcapReader::open(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  PcapHeader h;
  h.raw.resize(24);
  if (std::fread(h.raw.data(), 1, 24, f) != 24) {
    std::fclose(f);
    error = fmt::format("{}: too short for a pcap file header", path);
    return std::nullopt;
  }
  std::uint32_t magic;
  std::memcpy(&magic, h.raw.data(), 4);
  if (magic == kMagicPcapng) {
    std::fclose(f);
    error = fmt::format("{} is pcapng; convert it first: editcap -F pcap {} out.pcap", path, path);
    return std::nullopt;
  }
  if (magic == kMagicMicro || magic == kMagicNano) {
    h.nanoseconds = magic == kMagicNano;
  } else if (bswap32(magic) == kMagicMicro || bswap32(magic) == kMagicNano) {
    h.swapped = true;
    h.nanoseconds = bswap32(magic) == kMagicNano;
  } else {
    std::fclose(f);
    error = fmt::format("{} is not a pcap file (magic {:08x})", path, magic);
    return std::nullopt;
  }
  h.link_type = load_le_or_be(h.raw.data() + 20, h.swapped) & 0x0FFFFFFF;  // low 28 bits
  return PcapReader(f, std::move(h));
}

PcapReader::PcapReader(PcapReader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), header_(std::move(other.header_)) {}

PcapReader::~PcapReader() {
  if (file_ != nullptr) std::fclose(file_);
}

std::optional<PcapRecord> PcapReader::next(std::string& error) {
  std::uint8_t rh[16];
  const std::size_t got = std::fread(rh, 1, sizeof(rh), file_);
  if (got == 0) return std::nullopt;
  if (got != sizeof(rh)) {
    error = "truncated record header at the end of the file";
    return std::nullopt;
  }
  PcapRecord r;
  r.seconds = load_le_or_be(rh, header_.swapped);
  r.fraction = load_le_or_be(rh + 4, header_.swapped);
  const std::uint32_t captured = load_le_or_be(rh + 8, header_.swapped);
  r.original_length = load_le_or_be(rh + 12, header_.swapped);
  if (captured > kMaxRecord) {
    error = fmt::format("record of {} bytes: not a sane pcap file", captured);
    return std::nullopt;
  }
  r.data.resize(captured);
  if (std::fread(r.data.data(), 1, captured, file_) != captured) {
    error = "truncated record at the end of the file";
    return std::nullopt;
  }
  return r;
}

std::optional<SctpLocation> locate_sctp(std::uint32_t link_type, std::span<const std::uint8_t> d) {
  const auto at = ip_offset(link_type, d);
  if (!at || *at >= d.size()) return std::nullopt;
  SctpLocation loc;
  loc.ip_offset = *at;
  const std::span<const std::uint8_t> ip = d.subspan(*at);
  std::uint8_t protocol = 0;
  std::size_t ip_total = 0;
  if ((ip[0] >> 4) == 4) {
    if (ip.size() < 20) return std::nullopt;
    loc.ip_header_length = std::size_t{ip[0] & 0x0Fu} * 4;
    ip_total = be16(ip, 2);
    protocol = ip[9];
    const bool fragment = (be16(ip, 6) & 0x3FFF) != 0;  // MF or an offset: not a whole packet
    if (loc.ip_header_length < 20 || fragment) return std::nullopt;
  } else if ((ip[0] >> 4) == 6) {
    if (ip.size() < 40) return std::nullopt;
    loc.ipv6 = true;
    loc.ip_header_length = 40;
    ip_total = 40 + std::size_t{be16(ip, 4)};
    protocol = ip[6];
  } else {
    return std::nullopt;
  }
  if (ip_total > ip.size() || ip_total < loc.ip_header_length) return std::nullopt;
  std::size_t payload = loc.ip_offset + loc.ip_header_length;
  std::size_t length = ip_total - loc.ip_header_length;
  if (protocol == kProtoUdp) {
    if (length < 8) return std::nullopt;
    loc.udp = true;
    payload += 8;
    length -= 8;
  } else if (protocol != kProtoSctp) {
    return std::nullopt;
  }
  if (length < 12) return std::nullopt;  // no SCTP common header
  loc.sctp_offset = payload;
  loc.sctp_length = length;
  return loc;
}

std::vector<std::uint8_t> replace_sctp(std::span<const std::uint8_t> d, const SctpLocation& at,
                                       std::span<const std::uint8_t> sctp) {
  std::vector<std::uint8_t> out(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(at.sctp_offset));
  out.insert(out.end(), sctp.begin(), sctp.end());
  const std::size_t ip = at.ip_offset;
  const std::size_t transport = ip + at.ip_header_length;
  const std::size_t l4_length = out.size() - transport;
  if (at.ipv6) {
    put_be16(out, ip + 4, l4_length);
  } else {
    put_be16(out, ip + 2, at.ip_header_length + l4_length);
    out[ip + 10] = 0;
    out[ip + 11] = 0;
    put_be16(out, ip + 10, fold(sum16(std::span(out).subspan(ip, at.ip_header_length))));
  }
  if (at.udp) {
    put_be16(out, transport + 4, l4_length);
    out[transport + 6] = 0;
    out[transport + 7] = 0;
    // Pseudo-header (RFC 768; RFC 8200 §8.1), then the UDP header and payload.
    std::uint32_t sum = at.ipv6 ? sum16(std::span(out).subspan(ip + 8, 32))
                                : sum16(std::span(out).subspan(ip + 12, 8));
    sum += kProtoUdp + static_cast<std::uint32_t>(l4_length);
    sum = sum16(std::span(out).subspan(transport, l4_length), sum);
    std::uint16_t checksum = fold(sum);
    if (checksum == 0) checksum = 0xFFFF;
    put_be16(out, transport + 6, checksum);
  }
  return out;
}

std::optional<PcapWriterFile> PcapWriterFile::create(const std::string& path,
                                                     const PcapHeader& header, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(header.raw.data(), 1, header.raw.size(), f) != header.raw.size()) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    if (f != nullptr) std::fclose(f);
    return std::nullopt;
  }
  return PcapWriterFile(f, header.swapped);
}

PcapWriterFile::PcapWriterFile(PcapWriterFile&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), swapped_(other.swapped_) {}

PcapWriterFile::~PcapWriterFile() {
  if (file_ != nullptr) std::fclose(file_);
}

bool PcapWriterFile::write(const PcapRecord& record, std::span<const std::uint8_t> data) {
  const std::uint32_t original =
      record.original_length > record.data.size()
          ? static_cast<std::uint32_t>(data.size() + (record.original_length - record.data.size()))
          : static_cast<std::uint32_t>(data.size());
  const std::uint32_t fields[4] = {record.seconds, record.fraction,
                                   static_cast<std::uint32_t>(data.size()), original};
  for (std::uint32_t v : fields) {
    if (swapped_) v = bswap32(v);
    if (std::fwrite(&v, 1, 4, file_) != 4) return false;
  }
  return std::fwrite(data.data(), 1, data.size(), file_) == data.size();
}

}  // namespace sctps::api
