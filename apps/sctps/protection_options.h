// `--protect`, `--psk-file` and `--keylog` of `sctps server` and `sctps client`: the DTLS chunk
// (draft-ietf-tsvwg-sctp-dtls-chunk) with pre-shared keys (method 0, docs/psk.md) and the key log.
#pragma once

#include <string>

#include "api/protection_setup.h"

namespace CLI {
class App;
}

namespace sctps::app {

struct ProtectionCliOptions {
  std::string protect = "off";
  std::string psk_file;
  std::string keylog;
};

void add_protection_options(CLI::App& cmd, ProtectionCliOptions& o);
// Fills `out`; returns the reason when the combination is inconsistent, else empty.
std::string apply_protection(const ProtectionCliOptions& o, api::ProtectionOptions& out);

}  // namespace sctps::app
