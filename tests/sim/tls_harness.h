// Shared by the TLS key-management tests: one test PKI per binary (key generation is slow) and
// credentials made from it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

#include "core/options.h"
#include "km/cert_gen.h"
#include "km/tls_credentials.h"
#include "wire/dtls_km_parameter.h"

namespace sctps::sim {

// 2027-01-15: the time the certificates are made at and judged at.
inline constexpr std::int64_t kUnixNow = 1'800'000'000;

inline km::TestCertificates make_pki() {
  km::TestCertificateOptions options;
  options.unix_time = kUnixNow;
  auto made = km::make_test_certificates(options);
  if (!made.ok()) {
    ADD_FAILURE() << made.error().message;
    std::abort();
  }
  return std::move(made.value());
}

inline const km::TestCertificates& pki() {
  static const km::TestCertificates certs = make_pki();
  return certs;
}

// A second PKI: a CA the first one's peers do not trust.
inline const km::TestCertificates& other_pki() {
  static const km::TestCertificates certs = make_pki();
  return certs;
}

// The server's or the client's certificate and key of `p`, trusting `ca_pem`.
inline km::TlsCredentials credentials_from(const km::TestCertificates& p, bool server,
                                           const std::string& ca_pem) {
  auto c = server ? km::TlsCredentials::load_pem(p.server_pem, p.server_key_pem.text(), ca_pem)
                  : km::TlsCredentials::load_pem(p.client_pem, p.client_key_pem.text(), ca_pem);
  if (!c.ok()) {
    ADD_FAILURE() << c.error().message;
    std::abort();
  }
  return std::move(c.value());
}

inline km::TlsCredentials credentials(bool server) {
  return credentials_from(pki(), server, pki().ca_pem);
}

// The DTLS chunk offering method 192 only, strict, in the given roles.
inline core::DtlsChunkConfig tls_dtls(core::DtlsRoles roles) {
  core::DtlsChunkConfig c;
  c.enabled = true;
  c.methods = {wire::dtls_km_method::kTls13};
  c.roles = roles;
  c.mode = core::DtlsMode::kStrict;
  return c;
}

}  // namespace sctps::sim
