// The DTLS chunk options of `sctps server` and `sctps client` (draft-ietf-tsvwg-sctp-dtls-chunk):
// --protect, --km with TLS 1.3 certificates (method 192) or a pre-shared key file (method 0,
// docs/psk.md), the peer's expected identity, and the key log.
#pragma once

#include <string>

#include "api/protection_setup.h"
#include "api/runtime.h"

namespace CLI {
class App;
}

namespace sctps::app {

struct ProtectionCliOptions {
  std::string protect = "off";
  std::string km;  // "", "tls", "psk"
  std::string psk_file;
  std::string cert;
  std::string key;
  std::string ca;
  std::string peer_name;
  std::string peer_pin;
  std::string keylog;
  std::string pcap;
  double pcap_limit_mb = 1024;
};

void add_protection_options(CLI::App& cmd, ProtectionCliOptions& o);
// Also --pcap / --pcap-limit (api::RuntimeOptions::pcap_file): a capture to read with the key log.
void apply_capture(const ProtectionCliOptions& o, api::RuntimeOptions& out);
// Fills `out`; returns the reason when the combination is inconsistent, else empty. `server`: the
// command is `sctps server`, which offers only the key-management server role (and a client only
// the client role), so that each side presents the certificate made for its role (gen-certs gives
// the server certificate serverAuth and the client certificate clientAuth).
std::string apply_protection(const ProtectionCliOptions& o, bool server,
                             api::ProtectionOptions& out);

}  // namespace sctps::app
