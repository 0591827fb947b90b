// The DTLS chunk options of `sctps server` and `sctps client` (draft-ietf-tsvwg-sctp-dtls-chunk):
// --protect, --km with TLS 1.3 certificates (method 192) or a pre-shared key file (method 0,
// docs/psk.md), the peer's expected identity, and the key log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  double rekey_interval_s = 3600;
  std::uint64_t rekey_bytes = 100'000'000'000ULL;
  bool resume = false;  // server: --resume (TLS tickets)
};

// What the summary says about the keys (issue #6): the suite, the epochs used, each rekey and how
// long it took. Fed with every event of the association.
class KeySummary {
 public:
  void note(const core::Event& event);
  bool has_keys() const { return suite_ != 0 || first_epoch_ != 0; }
  // "TLS_AES_128_GCM_SHA256, epochs 3-7, 4 rekeys (median 1.2 ms, max 2.0 ms)"; empty if none.
  std::string text() const;
  // `,"cipher_suite":"…","epochs":[3,7],"rekeys":4,"rekey_ms":[…]` (leading comma), or "".
  std::string json_fields() const;
  // The suite is known from the association's stats once protected.
  void set_suite(std::uint16_t suite) { suite_ = suite; }
  std::uint64_t rekeys() const { return rekey_us_.size(); }
  bool resumed() const { return resumed_; }

 private:
  bool resumed_ = false;
  std::uint16_t suite_ = 0;
  std::uint64_t first_epoch_ = 0;
  std::uint64_t last_epoch_ = 0;
  std::vector<std::int64_t> rekey_us_;
};

void add_protection_options(CLI::App& cmd, ProtectionCliOptions& o);
// Also --pcap / --pcap-limit (api::RuntimeOptions::pcap_file): a capture to read with the key log.
void apply_capture(const ProtectionCliOptions& o, api::RuntimeOptions& out);
// Fills `out`; returns the reason when the combination is inconsistent, else empty. `server`: the
// command is `sctps server`, which offers only the key-management server role (and a client only
// the client role), so that each side presents the certificate made for its role for the first
// handshake. Rekeys are started by either side, whose certificate then serves as a TLS client's
// or server's (porfiri §6.2.2): gen-certs gives both certificates both extended key usages.
std::string apply_protection(const ProtectionCliOptions& o, bool server,
                             api::ProtectionOptions& out);

}  // namespace sctps::app
