// Test certificates for trying mutual authentication in one step (issue #6, `sctps gen-certs`):
// a CA, a server certificate and a client certificate, each with an EC P-256 key, made with the
// OpenSSL API.
//
//   ca.pem                 self-signed CA (basicConstraints CA:TRUE, keyCertSign); its key is not
//                          kept, so nothing else can be issued under it
//   server.pem, server.key subject CN=<server name>; SAN DNS:localhost, IP:127.0.0.1 and the server
//                          name (as DNS or IP); extendedKeyUsage serverAuth, clientAuth
//   client.pem, client.key subject CN=<client name>; SAN DNS:<client name>; extendedKeyUsage
//                          clientAuth, serverAuth
// Both usages in both: the side that starts a rekey is the TLS client of that handshake (porfiri
// §6.2.2), so each certificate must serve either TLS role.
//
// Keys are PKCS#8 PEM, unencrypted, written with mode 0600. Validity starts an hour before the
// given time (clock skew between the machines that use them) and lasts `validity_days`. These are
// for tests and labs: a deployment uses certificates from its own PKI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "km/km_error.h"

namespace sctps::km {

// PEM text of a private key; wiped when destroyed. Move-only.
class SecretPem {
 public:
  SecretPem() = default;
  explicit SecretPem(std::string text) : text_(std::move(text)) {}
  SecretPem(SecretPem&& other) noexcept;
  SecretPem& operator=(SecretPem&& other) noexcept;
  SecretPem(const SecretPem&) = delete;
  SecretPem& operator=(const SecretPem&) = delete;
  ~SecretPem();
  const std::string& text() const { return text_; }

 private:
  void wipe();
  std::string text_;
};

struct TestCertificateOptions {
  // Server certificate subject CN, also added to its SAN (--cn). A DNS name or an IP address.
  std::string server_name = "localhost";
  // Client certificate subject CN and SAN DNS name.
  std::string client_name = "sctps-client";
  // Seconds since 1970: the caller's current time (km reads no clock).
  std::int64_t unix_time = 0;
  // Default one year: long enough for a lab, short enough to be replaced.
  std::uint32_t validity_days = 365;
};

struct TestCertificates {
  std::string ca_pem;
  std::string server_pem;
  SecretPem server_key_pem;
  std::string client_pem;
  SecretPem client_key_pem;
};

KmResult<TestCertificates> make_test_certificates(const TestCertificateOptions& options);

// Writes ca.pem, server.pem, server.key, client.pem, client.key into `directory` (created if
// missing). Existing files are an error unless `overwrite`; then nothing is written.
KmStatus write_test_certificates(const TestCertificates& certificates,
                                 const std::filesystem::path& directory, bool overwrite = false);

}  // namespace sctps::km
