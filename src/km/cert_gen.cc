#include "km/cert_gen.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <utility>

#include "km/openssl_handles.h"

namespace sctps::km {

SecretPem::SecretPem(SecretPem&& other) noexcept : text_(std::move(other.text_)) {
  other.wipe();
}

SecretPem& SecretPem::operator=(SecretPem&& other) noexcept {
  if (this != &other) {
    wipe();
    text_ = std::move(other.text_);
    other.wipe();
  }
  return *this;
}

SecretPem::~SecretPem() {
  wipe();
}

void SecretPem::wipe() {
  OPENSSL_cleanse(text_.data(), text_.size());
  text_.clear();
}

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kClockSkew = 3600;

KmError crypto_error(std::string_view what) {
  return KmError{KmErrorCode::kCryptoFailure,
                 "cannot " + std::string(what) + ": " + drain_openssl_errors()};
}

bool is_ip_literal(const std::string& name) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
  ERR_clear_error();
  if (ip == nullptr) return false;
  ASN1_OCTET_STRING_free(ip);
  return true;
}

// A host name we can put into a SAN: letters, digits, '-' and '.', at most 253 characters
// (RFC 1035 §2.3.4). This also keeps ',' and ':' out of the extension text we build.
bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

KmResult<EvpPkeyPtr> make_p256_key() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1) {
    return crypto_error("generate a P-256 key");
  }
  return EvpPkeyPtr(key);
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const int r = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return r == 1;
}

struct CertSpec {
  std::string common_name;
  bool ca = false;
  std::string extended_key_usage;  // leaf only
  std::string subject_alt_name;    // leaf only
};

// One certificate for `key`, signed by `issuer_key` (`issuer` null: self-signed).
KmResult<X509Ptr> make_certificate(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                                   EVP_PKEY* issuer_key, const TestCertificateOptions& options) {
  X509Ptr cert(X509_new());
  if (!cert) return crypto_error("allocate a certificate");

  // A random positive 127-bit serial (RFC 5280 §4.1.2.2 allows up to 20 octets).
  std::array<unsigned char, 16> serial_bytes{};
  if (RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) != 1)
    return crypto_error("draw a serial number");
  serial_bytes[0] &= 0x7F;
  serial_bytes[0] |= 0x01;  // never zero
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr), BN_free);

  // time_t is 64-bit on every platform we build for, as is the caller's time.
  const std::time_t not_before = options.unix_time - kClockSkew;
  const std::time_t not_after =
      options.unix_time + static_cast<std::int64_t>(options.validity_days) * kSecondsPerDay;

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
  const auto* org = reinterpret_cast<const unsigned char*>("sctps test");
  const bool basics =
      serial && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) != nullptr &&
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org, -1, -1, 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) ==
          1 &&
      X509_set_pubkey(cert.get(), key) == 1;
  if (!basics) return crypto_error("fill in the certificate " + spec.common_name);

  X509* signer = issuer != nullptr ? issuer : cert.get();
  bool ext = add_extension(cert.get(), signer, NID_subject_key_identifier, "hash") &&
             add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) {
    ext = ext &&
          add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
          add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ext = ext && add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
          add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
          add_extension(cert.get(), signer, NID_ext_key_usage, spec.extended_key_usage) &&
          add_extension(cert.get(), signer, NID_subject_alt_name, spec.subject_alt_name);
  }
  if (!ext) return crypto_error("add the extensions of " + spec.common_name);
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0)
    return crypto_error("sign the certificate " + spec.common_name);
  return cert;
}

KmResult<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return crypto_error("write PEM");
  return std::string(data, static_cast<std::size_t>(len));
}

KmResult<std::string> certificate_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return crypto_error("write PEM");
  return bio_text(bio.get());
}

KmResult<SecretPem> key_pem(EVP_PKEY* key) {
  // The memory BIO's buffer is wiped when it is freed (BUF_MEM_free clears it).
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return crypto_error("write PEM");
  auto text = bio_text(bio.get());
  if (!text) return text.error();
  return SecretPem(std::move(text.value()));
}

}  // namespace

KmResult<TestCertificates> make_test_certificates(const TestCertificateOptions& options) {
  const bool server_ip = is_ip_literal(options.server_name);
  if (!server_ip && !is_dns_name(options.server_name)) {
    return KmError{KmErrorCode::kInvalidInput,
                   "invalid server name \"" + options.server_name +
                       "\": give a host name (letters, digits, '-', '.') or an IP address"};
  }
  if (!is_dns_name(options.client_name)) {
    return KmError{KmErrorCode::kInvalidInput,
                   "invalid client name \"" + options.client_name +
                       "\": give a host name (letters, digits, '-', '.')"};
  }
  if (options.validity_days == 0) {
    return KmError{KmErrorCode::kInvalidInput, "validity must be at least one day"};
  }
  ERR_clear_error();

  auto ca_key = make_p256_key();
  auto server_key = make_p256_key();
  auto client_key = make_p256_key();
  if (!ca_key) return ca_key.error();
  if (!server_key) return server_key.error();
  if (!client_key) return client_key.error();

  CertSpec ca_spec{"sctps test CA", true, {}, {}};
  auto ca = make_certificate(ca_spec, ca_key->get(), nullptr, ca_key->get(), options);
  if (!ca) return ca.error();

  std::string server_san = "DNS:localhost,IP:127.0.0.1";
  if (options.server_name != "localhost" && options.server_name != "127.0.0.1")
    server_san += (server_ip ? ",IP:" : ",DNS:") + options.server_name;
  // Both certificates serve both TLS roles: whichever side starts a rekey is its TLS client
  // (porfiri §6.2.2 step 1), so a server's certificate also authenticates a client and vice versa.
  CertSpec server_spec{options.server_name, false, "serverAuth,clientAuth", server_san};
  auto server = make_certificate(server_spec, server_key->get(), ca->get(), ca_key->get(), options);
  if (!server) return server.error();

  CertSpec client_spec{options.client_name, false, "clientAuth,serverAuth",
                       "DNS:" + options.client_name};
  auto client = make_certificate(client_spec, client_key->get(), ca->get(), ca_key->get(), options);
  if (!client) return client.error();

  auto ca_pem = certificate_pem(ca->get());
  auto server_pem = certificate_pem(server->get());
  auto client_pem = certificate_pem(client->get());
  auto server_key_pem = key_pem(server_key->get());
  auto client_key_pem = key_pem(client_key->get());
  if (!ca_pem) return ca_pem.error();
  if (!server_pem) return server_pem.error();
  if (!client_pem) return client_pem.error();
  if (!server_key_pem) return server_key_pem.error();
  if (!client_key_pem) return client_key_pem.error();
  return TestCertificates{std::move(ca_pem.value()), std::move(server_pem.value()),
                          std::move(server_key_pem.value()), std::move(client_pem.value()),
                          std::move(client_key_pem.value())};
}

namespace {

KmStatus write_file(const std::filesystem::path& path, const std::string& text, mode_t mode,
                    bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    const int e = errno;
    return KmError{e == EEXIST ? KmErrorCode::kAlreadyExists : KmErrorCode::kIo,
                   "cannot write " + path.string() + ": " + std::strerror(e)};
  }
  // An existing file keeps its mode through O_TRUNC: set it, so a key is never left readable.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  const int e = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok)
    return KmError{KmErrorCode::kIo, "cannot write " + path.string() + ": " + std::strerror(e)};
  return {};
}

}  // namespace

KmStatus write_test_certificates(const TestCertificates& certificates,
                                 const std::filesystem::path& directory, bool overwrite) {
  std::error_code ec;
  if (std::filesystem::exists(directory, ec) && !std::filesystem::is_directory(directory, ec)) {
    return KmError{KmErrorCode::kInvalidInput,
                   "output path exists and is not a directory: " + directory.string()};
  }
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return KmError{KmErrorCode::kIo,
                   "cannot create directory " + directory.string() + ": " + ec.message()};
  }
  struct Out {
    const char* name;
    const std::string* text;
    mode_t mode;
  };
  const std::array<Out, 5> files{{
      {"ca.pem", &certificates.ca_pem, 0644},
      {"server.pem", &certificates.server_pem, 0644},
      {"server.key", &certificates.server_key_pem.text(), 0600},
      {"client.pem", &certificates.client_pem, 0644},
      {"client.key", &certificates.client_key_pem.text(), 0600},
  }};
  if (!overwrite) {
    // Check all first, so that a refusal leaves nothing half-written.
    for (const auto& f : files) {
      if (std::filesystem::exists(directory / f.name, ec)) {
        return KmError{KmErrorCode::kAlreadyExists,
                       "refusing to overwrite " + (directory / f.name).string()};
      }
    }
  }
  for (const auto& f : files) {
    KmStatus s = write_file(directory / f.name, *f.text, f.mode, overwrite);
    if (!s) return s;
  }
  return {};
}

}  // namespace sctps::km
