// What one endpoint proves and whom it trusts in the key-management TLS handshake
// (draft-porfiri-tsvwg-sctp-dtls-handshake §3.3: mutual authentication, certificates recommended,
// identity policy left to the application).
//
// TlsCredentials: our certificate chain, its private key, and the CA certificates a peer's chain
// must lead to, loaded once from PEM files or PEM text and then shared, immutable, by every
// handshake that uses them (copying a TlsCredentials shares the loaded objects).
//
// PeerIdentityPolicy: what the peer's certificate must show besides a valid chain:
//   - kChainOnly: nothing more (the server's default: any client certificate issued by our CA);
//   - kName: the expected name among its subjectAltName entries, a DNS name or an IP address
//     (RFC 9525 §6; the subject common name is never consulted);
//   - kPinnedKey: the SHA-256 of its SubjectPublicKeyInfo (DER) equals the pin. With a CA the chain
//     must verify as well; without one the pin alone authenticates the peer (self-signed peers).
//
// PeerIdentity: what a verified peer certificate says, so the key manager can refuse an identity
// that changes between the handshakes of one association (§3.3). The identity is the subject and
// the subjectAltName entries, not the key: a renewed certificate with a new key is the same peer.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "km/km_error.h"

namespace sctps::km {

using Sha256 = std::array<std::uint8_t, 32>;

class TlsCredentials {
 public:
  // `ca_file` empty: no trust anchors (then only a pinned peer key can authenticate the peer).
  static KmResult<TlsCredentials> load_files(const std::filesystem::path& chain_file,
                                             const std::filesystem::path& key_file,
                                             const std::filesystem::path& ca_file);
  // PEM text: the chain (our certificate first, then intermediates), an unencrypted private key,
  // and zero or more CA certificates (`ca_pem` empty: none).
  static KmResult<TlsCredentials> load_pem(std::string_view chain_pem, std::string_view key_pem,
                                           std::string_view ca_pem);

  X509* certificate() const;
  STACK_OF(X509) * intermediates() const;  // possibly empty, never null
  EVP_PKEY* private_key() const;
  X509_STORE* trust_store() const;  // null without CA certificates
  bool has_trust_anchors() const { return trust_store() != nullptr; }

 private:
  friend struct CredentialsBuilder;
  struct State;
  explicit TlsCredentials(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

struct PeerIdentityPolicy {
  enum class Kind : std::uint8_t { kChainOnly, kName, kPinnedKey };

  Kind kind = Kind::kChainOnly;
  std::string name;  // kName: DNS name or IP address literal
  Sha256 pin{};      // kPinnedKey: SHA-256 of the peer's SubjectPublicKeyInfo

  static PeerIdentityPolicy chain_only() { return {}; }
  static PeerIdentityPolicy expect_name(std::string expected);
  static PeerIdentityPolicy pinned_key(const Sha256& spki_sha256);
  std::string describe() const;  // "any certificate from the CA", "name localhost", "key sha256:…"
};

struct PeerIdentity {
  std::string subject;                    // RFC 2253 form, e.g. "CN=localhost"
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries, sorted
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries, text form, sorted
  Sha256 spki_sha256{};

  // Same subject and the same subjectAltName entries (the key may differ, see above).
  bool same_identity(const PeerIdentity& other) const;
  std::string describe() const;  // "CN=localhost (DNS:localhost, IP:127.0.0.1)"
};

PeerIdentity identity_of(X509* certificate);
Sha256 spki_sha256(X509* certificate);
// The pin of the first certificate of a PEM file (for configuring kPinnedKey).
KmResult<Sha256> spki_sha256_of_pem_file(const std::filesystem::path& file);
// 64 hex digits, optionally prefixed "sha256:", optionally with ':' between bytes.
KmResult<Sha256> parse_sha256_hex(std::string_view text);
std::string to_hex(const Sha256& digest);

// nullopt if the leaf certificate satisfies the policy's identity part (the chain is checked by the
// caller), otherwise why not, e.g. "peer certificate does not name localhost (it names DNS:other)".
std::optional<std::string> check_peer_identity(X509* leaf, const PeerIdentityPolicy& policy);

}  // namespace sctps::km
