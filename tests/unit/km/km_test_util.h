// Helpers shared by the key-management tests: a test PKI from cert_gen, credentials, and a pump
// that carries TLS records between two sessions in memory (no sockets).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "km/cert_gen.h"
#include "km/key_export.h"
#include "km/km_message.h"
#include "km/tls_credentials.h"
#include "km/tls_session.h"

namespace sctps::km::testing {

// 2027-01-15: the time the test certificates are made at and the handshakes judge them at.
inline constexpr std::int64_t kNow = 1'800'000'000;

inline TestCertificates make_pki(std::string server_name = "localhost") {
  TestCertificateOptions options;
  options.server_name = std::move(server_name);
  options.unix_time = kNow;
  auto certs = make_test_certificates(options);
  EXPECT_TRUE(certs.ok()) << (certs.ok() ? "" : certs.error().message);
  return std::move(certs.value());
}

inline TlsCredentials server_credentials(const TestCertificates& pki, bool with_ca = true) {
  auto c = TlsCredentials::load_pem(pki.server_pem, pki.server_key_pem.text(),
                                    with_ca ? pki.ca_pem : std::string());
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return std::move(c.value());
}

inline TlsCredentials client_credentials(const TestCertificates& pki, bool with_ca = true) {
  auto c = TlsCredentials::load_pem(pki.client_pem, pki.client_key_pem.text(),
                                    with_ca ? pki.ca_pem : std::string());
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return std::move(c.value());
}

inline std::shared_ptr<const TlsContext> context(TlsRole role, const TlsCredentials& credentials,
                                                 std::vector<std::uint16_t> suites = {}) {
  auto c = TlsContext::create(role, credentials, suites);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.value();
}

inline TlsSession session(std::shared_ptr<const TlsContext> ctx, PeerIdentityPolicy peer,
                          std::int64_t now = kNow) {
  auto s =
      TlsSession::create(std::move(ctx), TlsSessionOptions{std::move(peer), now, std::nullopt, {}});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s.value());
}

// Moves every pending byte of `from` into `to`; returns how many moved.
inline std::size_t transfer(TlsSession& from, TlsSession& to) {
  std::vector<std::uint8_t> bytes;
  from.append_output(bytes);
  if (!bytes.empty()) to.handle_input(bytes);
  return bytes.size();
}

// Carries flights back and forth until neither side has anything to send; returns the number of
// non-empty flights.
inline int pump(TlsSession& client, TlsSession& server) {
  int flights = 0;
  for (int round = 0; round < 10; ++round) {
    const std::size_t a = transfer(client, server);
    const std::size_t b = transfer(server, client);
    flights += (a != 0) + (b != 0);
    if (a == 0 && b == 0) break;
  }
  return flights;
}

// A handshake between the server and client of one PKI, the client checking `server_name`.
struct Handshake {
  TlsSession client;
  TlsSession server;
};
inline Handshake handshake(const TestCertificates& pki,
                           std::vector<std::uint16_t> client_suites = {},
                           std::vector<std::uint16_t> server_suites = {},
                           std::string server_name = "localhost") {
  Handshake h{session(context(TlsRole::kClient, client_credentials(pki), client_suites),
                      PeerIdentityPolicy::expect_name(std::move(server_name))),
              session(context(TlsRole::kServer, server_credentials(pki), server_suites),
                      PeerIdentityPolicy::chain_only())};
  pump(h.client, h.server);
  return h;
}

// A fresh directory under the system's temporary directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sctps-km-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A test suite sharing one test PKI (made once: key generation is the slow part).
class PkiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestCertificates(make_pki()); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static inline TestCertificates* pki_ = nullptr;
};

}  // namespace sctps::km::testing
