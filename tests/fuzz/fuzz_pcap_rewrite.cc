// Fuzz target: a record of a capture given to `sctps decrypt-pcap` (captures come from anywhere):
// the first byte picks the link type, the rest is the record. Whatever locate_sctp() finds must lie
// inside the record, and replace_sctp() with another SCTP packet must give a record whose IP and
// UDP lengths and checksums agree, so that locating it again finds that packet.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "api/pcap_rewrite.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::uint32_t kLinkTypes[] = {1, 101, 113, 228, 229, 276, 0};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint32_t link = kLinkTypes[data[0] % (sizeof(kLinkTypes) / sizeof(kLinkTypes[0]))];
  const std::span<const std::uint8_t> record(data + 1, size - 1);
  const auto at = sctps::api::locate_sctp(link, record);
  if (!at) return 0;
  check(at->sctp_offset + at->sctp_length <= record.size());
  check(at->sctp_length >= 12);
  check(at->ip_offset + at->ip_header_length <= at->sctp_offset);
  // A shorter SCTP packet in its place (a decrypted one is always shorter than the DTLS chunk).
  std::vector<std::uint8_t> sctp(
      record.begin() + static_cast<std::ptrdiff_t>(at->sctp_offset),
      record.begin() + static_cast<std::ptrdiff_t>(at->sctp_offset) + 12);
  sctp.insert(sctp.end(), 4, 0);
  const auto out = sctps::api::replace_sctp(record, *at, sctp);
  const auto again = sctps::api::locate_sctp(link, out);
  check(again.has_value());
  check(again->sctp_offset == at->sctp_offset && again->sctp_length == sctp.size());
  return 0;
}
