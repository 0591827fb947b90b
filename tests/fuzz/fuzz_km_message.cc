// Fuzz target: arbitrary bytes as a key-management user message (PPID 4242,
// draft-porfiri-tsvwg-sctp-dtls-handshake §4). A message that parses must encode back to the same
// bytes; an error must point inside the message.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "km/km_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sctps::wire::Bytes input(data, size);
  const auto r = sctps::km::parse_km_message(input);
  if (!r.ok()) {
    if (r.error_offset > size) std::abort();
    return 0;
  }
  std::vector<std::uint8_t> out;
  if (r.message.type == sctps::km::KmMessageType::kTlsRecords) {
    if (r.message.tls_records.empty()) std::abort();
    sctps::km::encode_tls_records(r.message.epoch, r.message.tls_records, out);
  } else {
    sctps::km::encode_protection_established(r.message.epoch, out);
  }
  if (out.size() != size || !std::equal(out.begin(), out.end(), data)) std::abort();
  return 0;
}
