#include "protection_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include <CLI/CLI.hpp>

#include "protect/cipher_suite.h"

namespace sctps::app {

void add_protection_options(CLI::App& cmd, ProtectionCliOptions& o) {
  const std::string group = "Protection (DTLS chunk)";
  cmd.add_option("--protect", o.protect,
                 "off (plain SCTP), loose (protect if the peer agrees, else plain) or strict "
                 "(protect or abort)")
      ->check(CLI::IsMember({"off", "loose", "strict"}))
      ->default_str("off")
      ->group(group);
  cmd.add_option("--km", o.km,
                 "key management: tls (TLS 1.3 handshake with certificates) or psk (pre-shared "
                 "keys); default psk when --psk-file is given, else tls")
      ->check(CLI::IsMember({"tls", "psk"}))
      ->group(group);
  cmd.add_option("--psk-file", o.psk_file, "pre-shared keys, format in docs/psk.md")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--cert", o.cert, "our certificate chain (PEM) for TLS")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--key", o.key, "our private key (PEM) for TLS")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--ca", o.ca, "CA certificates (PEM) the peer's certificate must chain to")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--peer-name", o.peer_name,
                 "name (DNS or IP) the peer's certificate must carry; default: a client expects "
                 "the address it connects to, a server any certificate from its CA")
      ->group(group);
  cmd.add_option("--peer-pin", o.peer_pin,
                 "SHA-256 of the peer's public key (hex) instead of a name")
      ->group(group);
  cmd.add_option("--keylog", o.keylog,
                 "append a key-log line per installed key (for Wireshark); default "
                 "$SCTPS_KEYLOGFILE if set, else none")
      ->group(group);
  cmd.add_option("--rekey-interval", o.rekey_interval_s,
                 "TLS: start a new handshake (fresh keys, epoch + 1) this many seconds after the "
                 "keys took over; 0: never by time")
      ->check(CLI::NonNegativeNumber)
      ->default_str("3600")
      ->group(group);
  cmd.add_option("--rekey-bytes", o.rekey_bytes,
                 "TLS: rekey after this many bytes protected under one key set, both ways "
                 "(suffixes KB, MB, GB = powers of 1000); 0: never by volume")
      ->transform(CLI::AsSizeValue(true))
      ->default_str("100GB")
      ->group(group);
  cmd.add_option("--pcap", o.pcap,
                 "write every packet sent and received to this pcap file (IP + UDP + SCTP as on "
                 "the network; protected packets stay encrypted: see decrypt-pcap and the key log)")
      ->group("Capture");
  cmd.add_option("--pcap-limit", o.pcap_limit_mb, "stop capturing at this many MB")
      ->check(CLI::PositiveNumber)
      ->default_str("1024")
      ->group("Capture");
}

void apply_capture(const ProtectionCliOptions& o, api::RuntimeOptions& out) {
  out.pcap_file = o.pcap;
  out.pcap_limit_bytes = static_cast<std::size_t>(o.pcap_limit_mb * 1024 * 1024);
}

std::string apply_protection(const ProtectionCliOptions& o, bool server,
                             api::ProtectionOptions& out) {
  out.roles = server ? core::DtlsRoles::kServer : core::DtlsRoles::kClient;
  out.mode = o.protect == "strict"  ? api::ProtectMode::kStrict
             : o.protect == "loose" ? api::ProtectMode::kLoose
                                    : api::ProtectMode::kOff;
  out.psk_file = o.psk_file;
  out.cert_file = o.cert;
  out.key_file = o.key;
  out.ca_file = o.ca;
  out.peer_name = o.peer_name;
  out.peer_pin = o.peer_pin;
  out.keylog_file = o.keylog;
  out.rekey_interval =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.rekey_interval_s));
  out.rekey_bytes = o.rekey_bytes;
  out.resumption = o.resume;
  const bool tls_given = !o.cert.empty() || !o.key.empty() || !o.ca.empty() ||
                         !o.peer_name.empty() || !o.peer_pin.empty();
  if (o.km == "psk") out.km = api::KeyManagement::kPsk;
  if (o.km == "tls") out.km = api::KeyManagement::kTls;
  if (out.mode == api::ProtectMode::kOff) {
    if (!o.psk_file.empty() || tls_given || !o.km.empty() || o.resume) {
      return "key-management options need --protect strict or --protect loose";
    }
    return {};
  }
  if (!o.peer_name.empty() && !o.peer_pin.empty())
    return "give --peer-name or --peer-pin, not both";
  const bool psk = o.km == "psk" || (o.km.empty() && !o.psk_file.empty());
  if (psk && o.psk_file.empty()) return "--km psk needs --psk-file FILE (docs/psk.md)";
  if (psk && tls_given) return "--psk-file does not go with the TLS options (--cert, --key, ...)";
  if (!psk && !o.psk_file.empty()) return "--psk-file needs --km psk";
  if (psk && o.resume) return "--resume is for TLS key management, not --km psk";
  if (!psk && (o.cert.empty() || o.key.empty())) {
    return "--protect " + o.protect +
           " needs key management: --cert and --key (and --ca or --peer-pin) for TLS, or "
           "--psk-file FILE for pre-shared keys";
  }
  return {};
}

void KeySummary::note(const core::Event& event) {
  if (const auto* p = std::get_if<core::ProtectionEstablished>(&event)) {
    first_epoch_ = p->epoch;
    last_epoch_ = p->epoch;
    resumed_ = p->resumed;
  } else if (const auto* r = std::get_if<core::KeysRotated>(&event)) {
    last_epoch_ = r->epoch;
    rekey_us_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(r->took).count());
  }
}

std::string KeySummary::text() const {
  if (!has_keys()) return {};
  const protect::CipherSuite* suite = protect::find_cipher_suite(suite_);
  std::string out =
      suite != nullptr ? std::string(suite->name) : fmt::format("suite {:04x}", suite_);
  if (resumed_) out += ", resumed TLS session";
  out += first_epoch_ == last_epoch_ ? fmt::format(", epoch {}", first_epoch_)
                                     : fmt::format(", epochs {}-{}", first_epoch_, last_epoch_);
  if (!rekey_us_.empty()) {
    std::vector<std::int64_t> sorted = rekey_us_;
    std::sort(sorted.begin(), sorted.end());
    out += fmt::format(", {} rekey{} (median {:.1f} ms, max {:.1f} ms)", sorted.size(),
                       sorted.size() == 1 ? "" : "s",
                       static_cast<double>(sorted[sorted.size() / 2]) / 1000,
                       static_cast<double>(sorted.back()) / 1000);
  } else {
    out += ", no rekey";
  }
  return out;
}

std::string KeySummary::json_fields() const {
  if (!has_keys()) return {};
  const protect::CipherSuite* suite = protect::find_cipher_suite(suite_);
  std::string durations;
  for (const std::int64_t us : rekey_us_) {
    if (!durations.empty()) durations += ',';
    durations += fmt::format("{:.3f}", static_cast<double>(us) / 1000);
  }
  return fmt::format(
      R"(,"cipher_suite":"{}","resumed":{},"epochs":[{},{}],"rekeys":{},"rekey_ms":[{}])",
      suite != nullptr ? suite->name : std::string_view("unknown"), resumed_, first_epoch_,
      last_epoch_, rekey_us_.size(), durations);
}

}  // namespace sctps::app
