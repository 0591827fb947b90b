// What an endpoint needs for the DTLS chunk, built from user options before anything starts:
// the negotiation configuration (draft-ietf-tsvwg-sctp-dtls-chunk §7.1), the key-management
// methods (method 0 from a pre-shared key file) and the key log. Every problem — an unreadable
// or malformed key file, keys of the wrong length, a key log that cannot be opened — is an error
// here, so that the endpoint stops with a clear message before any association starts (issue #5).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "km/psk_key_manager.h"
#include "km/tls_key_manager.h"
#include "net/net_error.h"

namespace sctps::api {

enum class ProtectMode : std::uint8_t {
  kOff,     // plain SCTP: no DTLS Key Management parameter sent, the peer's ignored
  kLoose,   // protect when the peer agrees, else run unprotected and say so (draft §5.1)
  kStrict,  // protect or abort (draft §5.1, causes 100-103)
};

// The key-management method (draft-ietf-tsvwg-sctp-dtls-chunk §4.1 identifiers).
enum class KeyManagement : std::uint8_t {
  kTls,  // 192: TLS 1.3 handshake in PPID 4242 messages (draft-porfiri), certificates
  kPsk,  // 0: pre-shared keys from a file (docs/psk.md)
};

struct ProtectionOptions {
  ProtectMode mode = ProtectMode::kOff;
  // Unset: pre-shared keys when a key file is given, else TLS.
  std::optional<KeyManagement> km;
  // Method 0: the pre-shared key file (docs/psk.md).
  std::string psk_file;
  // Method 192: our certificate chain and key (PEM), and the CA our peers' certificates must
  // chain to (empty: only a pinned key authenticates the peer).
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  // The peer's certificate must name this (SAN DNS or IP). Empty: a client expects the address
  // it connects to, as HTTPS does; a server accepts any certificate from its CA.
  std::string peer_name;
  // Or: the SHA-256 of the peer's public key (hex, "sha256:" prefix allowed), instead of a name.
  std::string peer_pin;
  // Method 192: time for the handshake until the association is given up.
  Duration handshake_timeout = sec(10);
  // Method 192 rekeying (porfiri §3.4, §6.2.1): a new handshake this long after the keys took
  // over, and after this many bytes protected under them (both ways). Zero: never by that trigger.
  Duration rekey_interval = sec(3600);
  std::uint64_t rekey_bytes = 100'000'000'000ULL;
  // How long old keys are kept after a rekey (unset: porfiri §6.2.3 defaults, 120 s or T_fail).
  std::optional<Duration> drain_time;
  // Method 192: TLS 1.3 resumption (psk_dhe_ke, single-use tickets): as a server, issue a
  // ticket with each handshake; as a client, keep the ticket of each server and offer it when
  // connecting to that server again. Rekeys always authenticate in full.
  bool resumption = false;
  // Key log file (specs README reading #6); empty: the SCTPS_KEYLOGFILE environment variable if
  // set, else none. Lines are appended and flushed as keys are installed.
  std::string keylog_file;
  // Key-management roles we offer and whether we announce restart support (draft §4.1).
  core::DtlsRoles roles = core::DtlsRoles::kBoth;
  bool restart_supported = true;
};

// Appends key-log lines to a file created with mode 0600; each line is flushed at once so that a
// capture tool reading the file sees keys before the packets they protect.
class KeyLogFile {
 public:
  static net::NetResult<std::unique_ptr<KeyLogFile>> open(const std::string& path);
  ~KeyLogFile();
  KeyLogFile(const KeyLogFile&) = delete;
  KeyLogFile& operator=(const KeyLogFile&) = delete;
  void write(std::string_view line);
  const std::string& path() const { return path_; }

 private:
  KeyLogFile(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_;
  std::string path_;
};

class ProtectionSetup {
 public:
  static net::NetResult<std::unique_ptr<ProtectionSetup>> create(const ProtectionOptions& options);
  // Sets key_log of `config`, and unless the mode is off association.dtls and key_managers. The
  // setup must outlive the endpoint made from it.
  void apply(core::EndpointConfig& config);
  const KeyLogFile* key_log() const { return key_log_.get(); }

 private:
  ProtectionOptions options_;
  std::unique_ptr<km::PskKeyManagerFactory> psk_;
  std::unique_ptr<core::KeyManagerFactory> tls_;
  std::unique_ptr<KeyLogFile> key_log_;
};

}  // namespace sctps::api
