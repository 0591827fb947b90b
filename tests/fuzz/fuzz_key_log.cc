// Fuzz target: arbitrary bytes as one key-log line (specs README reading #6), as sctps
// decrypt-pcap reads them from a file the user names. A line that parses formats back to a line
// that parses to the same key; nothing else may happen to any input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protect/key_log.h"
#include "wire/bytes_equal.h"

namespace {

bool same_material(const sctps::protect::KeyMaterial& a, const sctps::protect::KeyMaterial& b) {
  return a.suite == b.suite && sctps::wire::bytes_equal(a.key.bytes(), b.key.bytes()) &&
         sctps::wire::bytes_equal(a.iv.bytes(), b.iv.bytes()) &&
         sctps::wire::bytes_equal(a.sn_key.bytes(), b.sn_key.bytes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto entry = sctps::protect::parse_key_log_line(line);
  if (!entry) return 0;
  if (entry->material.suite == nullptr) std::abort();
  std::string again =
      sctps::protect::format_key_log_line(entry->verification_tag, entry->id, entry->material);
  const auto reparsed = sctps::protect::parse_key_log_line(again);
  sctps::protect::wipe_key_log_line(again);
  if (!reparsed || reparsed->verification_tag != entry->verification_tag ||
      !(reparsed->id == entry->id) || !same_material(reparsed->material, entry->material)) {
    std::abort();
  }
  return 0;
}
