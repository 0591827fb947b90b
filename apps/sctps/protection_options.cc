#include "protection_options.h"

#include <CLI/CLI.hpp>

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
  const bool tls_given = !o.cert.empty() || !o.key.empty() || !o.ca.empty() ||
                         !o.peer_name.empty() || !o.peer_pin.empty();
  if (o.km == "psk") out.km = api::KeyManagement::kPsk;
  if (o.km == "tls") out.km = api::KeyManagement::kTls;
  if (out.mode == api::ProtectMode::kOff) {
    if (!o.psk_file.empty() || tls_given || !o.km.empty()) {
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
  if (!psk && (o.cert.empty() || o.key.empty())) {
    return "--protect " + o.protect +
           " needs key management: --cert and --key (and --ca or --peer-pin) for TLS, or "
           "--psk-file FILE for pre-shared keys";
  }
  return {};
}

}  // namespace sctps::app
