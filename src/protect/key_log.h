// Key log lines (our reading #6 of the specs README): one line per installed key direction,
//   SCTP_DTLS <vtag> <R> <epoch> <suite> <key> <iv> <sn_key>
// with the verification tag of the packets the key protects as 8 hex digits, R as 0 or 1, the
// epoch in decimal, the suite as 4 hex digits and the secrets in lowercase hex. For tools such as
// the Wireshark dissector; written only when the user installs a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "protect/key_context.h"
#include "protect/key_material.h"

namespace sctps::protect {

using KeyLogCallback = std::function<void(std::string_view line)>;

// The line without a trailing newline. The caller wipes it (wipe_key_log_line) after use.
std::string format_key_log_line(std::uint32_t verification_tag, KeyId id,
                                const KeyMaterial& material);
void wipe_key_log_line(std::string& line);

// One parsed line: what a tool reading the key log (sctps decrypt-pcap) needs to open the packets.
struct KeyLogEntry {
  std::uint32_t verification_tag = 0;
  KeyId id;
  KeyMaterial material;
};
// nullopt for anything that is not a well-formed SCTP_DTLS line of a supported suite (comments,
// other tools' lines, wrong lengths).
std::optional<KeyLogEntry> parse_key_log_line(std::string_view line);

}  // namespace sctps::protect
