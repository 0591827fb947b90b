#include "km/tls_credentials.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <limits>
#include <system_error>
#include <utility>

#include "km/openssl_handles.h"

namespace sctps::km {

struct TlsCredentials::State {
  X509Ptr certificate;
  X509StackPtr intermediates;
  EvpPkeyPtr key;
  X509StorePtr trust;
};

X509* TlsCredentials::certificate() const {
  return state_->certificate.get();
}
STACK_OF(X509) * TlsCredentials::intermediates() const {
  return state_->intermediates.get();
}
EVP_PKEY* TlsCredentials::private_key() const {
  return state_->key.get();
}
X509_STORE* TlsCredentials::trust_store() const {
  return state_->trust.get();
}

namespace {

KmError error(KmErrorCode code, std::string message) {
  return KmError{code, std::move(message)};
}

// Passphrase callback: never prompt on a terminal (OpenSSL's default would); remember that a
// passphrase was wanted so the error can say the key is encrypted.
int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* asked) {
  *static_cast<bool*>(asked) = true;
  return 0;
}

// A source of PEM text: a file or a string; `what` names it in messages.
struct PemSource {
  BioPtr bio;
  std::string what;
};

KmResult<PemSource> open_file(const std::filesystem::path& path, std::string_view kind) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return error(KmErrorCode::kNotFound, std::string(kind) + " file not found: " + path.string());
  if (std::filesystem::is_directory(path, ec))
    return error(KmErrorCode::kInvalidInput,
                 std::string(kind) + " file is a directory: " + path.string());
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return error(KmErrorCode::kIo, "cannot read " + std::string(kind) + " file " + path.string() +
                                       ": " + drain_openssl_errors());
  }
  return PemSource{std::move(bio), std::string(kind) + " file " + path.string()};
}

KmResult<PemSource> open_text(std::string_view text, std::string_view kind) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return error(KmErrorCode::kInvalidInput, std::string(kind) + " PEM too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return error(KmErrorCode::kCryptoFailure, "out of memory reading " + std::string(kind));
  return PemSource{std::move(bio), std::string(kind) + " PEM"};
}

// Every certificate of a PEM source, in order; an error if there is none or one does not parse.
KmResult<std::vector<X509Ptr>> read_certificates(PemSource& source) {
  std::vector<X509Ptr> certs;
  ERR_clear_error();
  bool asked = false;
  while (X509* c = PEM_read_bio_X509(source.bio.get(), nullptr, refuse_passphrase, &asked)) {
    certs.emplace_back(c);
  }
  // The loop ends at the end of the input (no further BEGIN line) or at a block that fails.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (!clean_end && last != 0) {
    return error(KmErrorCode::kInvalidInput,
                 "cannot parse a certificate in " + source.what + ": " + drain_openssl_errors());
  }
  ERR_clear_error();
  if (certs.empty()) {
    return error(KmErrorCode::kInvalidInput,
                 "no certificate in " + source.what + " (expected -----BEGIN CERTIFICATE-----)");
  }
  return certs;
}

KmResult<EvpPkeyPtr> read_private_key(PemSource& source) {
  ERR_clear_error();
  bool asked = false;
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(source.bio.get(), nullptr, refuse_passphrase, &asked));
  if (!key) {
    if (asked) {
      ERR_clear_error();
      return error(KmErrorCode::kInvalidInput,
                   "private key in " + source.what +
                       " is encrypted; give an unencrypted key (openssl pkey -in KEY -out NEW)");
    }
    return error(KmErrorCode::kInvalidInput,
                 "no private key in " + source.what + ": " + drain_openssl_errors());
  }
  return key;
}

KmResult<TlsCredentials> assemble(PemSource chain_src, PemSource key_src,
                                  std::optional<PemSource> ca_src);

}  // namespace

// Built here rather than in the anonymous namespace: it needs the private constructor.
struct CredentialsBuilder {
  static KmResult<TlsCredentials> build(std::vector<X509Ptr> chain, EvpPkeyPtr key,
                                        std::vector<X509Ptr> cas, const std::string& chain_what,
                                        const std::string& key_what);
};

namespace {

KmResult<TlsCredentials> assemble(PemSource chain_src, PemSource key_src,
                                  std::optional<PemSource> ca_src) {
  auto chain = read_certificates(chain_src);
  if (!chain) return chain.error();
  auto key = read_private_key(key_src);
  if (!key) return key.error();
  std::vector<X509Ptr> cas;
  if (ca_src) {
    auto read = read_certificates(*ca_src);
    if (!read) return read.error();
    cas = std::move(read.value());
  }
  return CredentialsBuilder::build(std::move(chain.value()), std::move(key.value()), std::move(cas),
                                   chain_src.what, key_src.what);
}

}  // namespace

KmResult<TlsCredentials> CredentialsBuilder::build(std::vector<X509Ptr> chain, EvpPkeyPtr key,
                                                   std::vector<X509Ptr> cas,
                                                   const std::string& chain_what,
                                                   const std::string& key_what) {
  ERR_clear_error();
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return error(KmErrorCode::kKeyMismatch,
                 "private key in " + key_what + " does not match the certificate in " + chain_what);
  }
  auto state = std::make_shared<TlsCredentials::State>();
  state->certificate = std::move(chain.front());
  state->intermediates.reset(sk_X509_new_null());
  if (!state->intermediates) return error(KmErrorCode::kCryptoFailure, "out of memory");
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (sk_X509_push(state->intermediates.get(), chain[i].get()) <= 0)
      return error(KmErrorCode::kCryptoFailure, "out of memory");
    static_cast<void>(chain[i].release());  // now owned by the stack
  }
  state->key = std::move(key);
  if (!cas.empty()) {
    state->trust.reset(X509_STORE_new());
    if (!state->trust) return error(KmErrorCode::kCryptoFailure, "out of memory");
    for (auto& ca : cas) {
      // X509_STORE_add_cert takes its own reference.
      if (X509_STORE_add_cert(state->trust.get(), ca.get()) != 1) {
        return error(KmErrorCode::kInvalidInput,
                     "cannot add a CA certificate: " + drain_openssl_errors());
      }
    }
  }
  return TlsCredentials(std::move(state));
}

KmResult<TlsCredentials> TlsCredentials::load_files(const std::filesystem::path& chain_file,
                                                    const std::filesystem::path& key_file,
                                                    const std::filesystem::path& ca_file) {
  auto chain = open_file(chain_file, "certificate");
  if (!chain) return chain.error();
  auto key = open_file(key_file, "private key");
  if (!key) return key.error();
  std::optional<PemSource> ca;
  if (!ca_file.empty()) {
    auto opened = open_file(ca_file, "CA certificate");
    if (!opened) return opened.error();
    ca = std::move(opened.value());
  }
  return assemble(std::move(chain.value()), std::move(key.value()), std::move(ca));
}

KmResult<TlsCredentials> TlsCredentials::load_pem(std::string_view chain_pem,
                                                  std::string_view key_pem,
                                                  std::string_view ca_pem) {
  auto chain = open_text(chain_pem, "certificate");
  if (!chain) return chain.error();
  auto key = open_text(key_pem, "private key");
  if (!key) return key.error();
  std::optional<PemSource> ca;
  if (!ca_pem.empty()) {
    auto opened = open_text(ca_pem, "CA certificate");
    if (!opened) return opened.error();
    ca = std::move(opened.value());
  }
  return assemble(std::move(chain.value()), std::move(key.value()), std::move(ca));
}

// --- Identity ---

PeerIdentityPolicy PeerIdentityPolicy::expect_name(std::string expected) {
  PeerIdentityPolicy p;
  p.kind = Kind::kName;
  p.name = std::move(expected);
  return p;
}

PeerIdentityPolicy PeerIdentityPolicy::pinned_key(const Sha256& spki_sha256) {
  PeerIdentityPolicy p;
  p.kind = Kind::kPinnedKey;
  p.pin = spki_sha256;
  return p;
}

std::string PeerIdentityPolicy::describe() const {
  switch (kind) {
    case Kind::kChainOnly: return "any certificate from the trusted CA";
    case Kind::kName: return "name " + name;
    case Kind::kPinnedKey: return "key sha256:" + to_hex(pin);
  }
  return "unknown";
}

std::string to_hex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t b : digest) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

KmResult<Sha256> parse_sha256_hex(std::string_view text) {
  if (text.starts_with("sha256:")) text.remove_prefix(7);
  Sha256 out{};
  std::size_t nibbles = 0;
  for (const char c : text) {
    if (c == ':') continue;
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0 || nibbles >= 64) {
      return error(KmErrorCode::kInvalidInput,
                   "a SHA-256 pin is 64 hex digits (optionally sha256:…), got \"" +
                       std::string(text) + "\"");
    }
    auto& byte = out[nibbles / 2];
    byte = static_cast<std::uint8_t>(nibbles % 2 == 0 ? v << 4 : byte | v);
    ++nibbles;
  }
  if (nibbles != 64) {
    return error(
        KmErrorCode::kInvalidInput,
        "a SHA-256 pin is 64 hex digits (optionally sha256:…), got \"" + std::string(text) + "\"");
  }
  return out;
}

Sha256 spki_sha256(X509* certificate) {
  Sha256 out{};
  // The SubjectPublicKeyInfo exactly as encoded in the certificate (the "pin-sha256" of RFC 7469).
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
  if (len > 0) {
    unsigned int md_len = 0;
    if (EVP_Digest(der, static_cast<std::size_t>(len), out.data(), &md_len, EVP_sha256(),
                   nullptr) != 1)
      out = {};
  }
  OPENSSL_free(der);
  return out;
}

KmResult<Sha256> spki_sha256_of_pem_file(const std::filesystem::path& file) {
  auto source = open_file(file, "certificate");
  if (!source) return source.error();
  auto certs = read_certificates(source.value());
  if (!certs) return certs.error();
  return spki_sha256(certs->front().get());
}

namespace {

std::string subject_of(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const int len = ASN1_STRING_length(ip);
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (len == 4 && inet_ntop(AF_INET, bytes, buf.data(), buf.size()) != nullptr) return buf.data();
  if (len == 16 && inet_ntop(AF_INET6, bytes, buf.data(), buf.size()) != nullptr) return buf.data();
  return "<malformed address>";
}

struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};

std::string alt_names_text(const PeerIdentity& id) {
  std::string out;
  for (const auto& n : id.dns_names) out += (out.empty() ? "" : ", ") + ("DNS:" + n);
  for (const auto& n : id.ip_addresses) out += (out.empty() ? "" : ", ") + ("IP:" + n);
  return out;
}

}  // namespace

PeerIdentity identity_of(X509* certificate) {
  PeerIdentity id;
  id.subject = subject_of(certificate);
  id.spki_sha256 = spki_sha256(certificate);
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
      if (n->type == GEN_DNS) {
        const ASN1_IA5STRING* s = n->d.dNSName;
        id.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(ASN1_STRING_length(s)));
      } else if (n->type == GEN_IPADD) {
        id.ip_addresses.push_back(ip_text(n->d.iPAddress));
      }
    }
  }
  std::sort(id.dns_names.begin(), id.dns_names.end());
  std::sort(id.ip_addresses.begin(), id.ip_addresses.end());
  return id;
}

bool PeerIdentity::same_identity(const PeerIdentity& other) const {
  return subject == other.subject && dns_names == other.dns_names &&
         ip_addresses == other.ip_addresses;
}

std::string PeerIdentity::describe() const {
  const std::string alt = alt_names_text(*this);
  return subject + (alt.empty() ? std::string() : " (" + alt + ")");
}

std::optional<std::string> check_peer_identity(X509* leaf, const PeerIdentityPolicy& policy) {
  switch (policy.kind) {
    case PeerIdentityPolicy::Kind::kChainOnly: return std::nullopt;
    case PeerIdentityPolicy::Kind::kName: {
      int match = 0;
      if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(policy.name.c_str())) {
        ASN1_OCTET_STRING_free(ip);
        match = X509_check_ip_asc(leaf, policy.name.c_str(), 0);
      } else {
        // Only subjectAltName counts (RFC 9525 §6.3); no partial wildcards such as "w*.example".
        match = X509_check_host(
            leaf, policy.name.data(), policy.name.size(),
            X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
      }
      ERR_clear_error();
      if (match == 1) return std::nullopt;
      const std::string alt = alt_names_text(identity_of(leaf));
      return "peer certificate does not name " + policy.name +
             (alt.empty() ? std::string(" (it has no subjectAltName)") : " (it names " + alt + ")");
    }
    case PeerIdentityPolicy::Kind::kPinnedKey: {
      const Sha256 actual = spki_sha256(leaf);
      if (actual == policy.pin) return std::nullopt;
      return "peer public key sha256:" + to_hex(actual) +
             " does not match the pinned sha256:" + to_hex(policy.pin);
    }
  }
  return std::string("unknown identity policy");
}

}  // namespace sctps::km
