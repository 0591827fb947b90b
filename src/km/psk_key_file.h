// Pre-shared keys for DTLS chunk key-management method 0 (specs README reading #5): per peer, a
// cipher suite and the key, IV and sequence-number key of each direction, directions named by
// key-management role, optionally also restart key material. The file format (docs/psk.md):
//
//   # comment; blank lines ignored; `key = value`, one per line
//   [peer 192.0.2.7]                 a section per peer: IPv4, IPv6, or * (any other peer)
//   suite = TLS_AES_128_GCM_SHA256   IANA name or hex id (1301, 1302, 1303)
//   client_key    = <hex>            client -> server direction (the key-management client sends)
//   client_iv     = <hex>
//   client_sn_key = <hex>
//   server_key    = <hex>            server -> client direction
//   server_iv     = <hex>
//   server_sn_key = <hex>
//   restart_client_key = <hex> ...   optional: all six restart_* keys, or none
//
// Both endpoints can use the same section: which direction is "send" follows from the role each
// takes in the negotiation (draft §5.1). Every problem (unreadable file, unknown key, bad hex,
// lengths that do not fit the suite, a missing key, a peer listed twice) is an error naming the
// file and line, so the endpoint stops before any association starts. The file's text is wiped
// from memory once parsed; keys are held as protect::KeyMaterial (zeroized on destruction).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "protect/key_material.h"

namespace sctps::km {

struct PskDirectionKeys {
  protect::KeyMaterial client_to_server;
  protect::KeyMaterial server_to_client;
};

struct PskPeerKeys {
  std::optional<IpAddress> peer;  // nullopt: any peer (`[peer *]`)
  const protect::CipherSuite* suite = nullptr;
  PskDirectionKeys primary;
  std::optional<PskDirectionKeys> restart;
};

class PskKeyFile {
 public:
  // `source` names the text in error messages (the path).
  static std::optional<PskKeyFile> parse(std::string_view text, std::string_view source,
                                         std::string& error);
  static std::optional<PskKeyFile> load(const std::string& path, std::string& error);

  // The section for `address`, else the `*` section, else nullptr.
  const PskPeerKeys* find(const IpAddress& address) const;
  const std::vector<PskPeerKeys>& peers() const { return peers_; }

 private:
  std::vector<PskPeerKeys> peers_;
};

}  // namespace sctps::km
