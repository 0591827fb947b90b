#include "km/cert_gen.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "km/openssl_handles.h"
#include "km_test_util.h"

namespace sctps::km {
namespace {

using namespace sctps::km::testing;

X509Ptr parse_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

EvpPkeyPtr parse_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string group_of(EVP_PKEY* key) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return {};
  return name;
}

// The error code of verifying `leaf` against `ca` at time `at`, as a TLS peer would.
int verify(X509* leaf, X509* ca, std::int64_t at, int purpose) {
  X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(CertGen, CaServerAndClientCertificates) {
  const TestCertificates pki = make_pki();
  auto ca = parse_cert(pki.ca_pem);
  auto server = parse_cert(pki.server_pem);
  auto client = parse_cert(pki.client_pem);
  ASSERT_TRUE(ca && server && client);

  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
  EXPECT_EQ(X509_check_ca(client.get()), 0);
  EXPECT_EQ(X509_check_issued(ca.get(), ca.get()), X509_V_OK);  // self-signed

  // Each chains to the CA for both TLS purposes (either side may start a rekey and be its TLS
  // client, porfiri §6.2.2), and for nothing else.
  for (X509* leaf : {server.get(), client.get()}) {
    EXPECT_EQ(verify(leaf, ca.get(), kNow, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    EXPECT_EQ(verify(leaf, ca.get(), kNow, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    EXPECT_EQ(verify(leaf, ca.get(), kNow, X509_PURPOSE_SMIME_SIGN), X509_V_ERR_INVALID_PURPOSE);
  }

  // Validity: from an hour before the given time, for 365 days.
  EXPECT_EQ(verify(server.get(), ca.get(), kNow - 3599, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(verify(server.get(), ca.get(), kNow - 3601, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(verify(server.get(), ca.get(), kNow + 365 * 86400 - 1, X509_PURPOSE_SSL_SERVER),
            X509_V_OK);
  EXPECT_EQ(verify(server.get(), ca.get(), kNow + 365 * 86400 + 1, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_CERT_HAS_EXPIRED);

  const PeerIdentity sid = identity_of(server.get());
  EXPECT_EQ(sid.subject, "CN=localhost,O=sctps test");
  EXPECT_EQ(sid.dns_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(sid.ip_addresses, std::vector<std::string>{"127.0.0.1"});
  const PeerIdentity cid = identity_of(client.get());
  EXPECT_EQ(cid.subject, "CN=sctps-client,O=sctps test");
  EXPECT_EQ(cid.dns_names, std::vector<std::string>{"sctps-client"});
  EXPECT_TRUE(cid.ip_addresses.empty());

  // EC P-256 keys that belong to their certificates.
  auto server_key = parse_key(pki.server_key_pem.text());
  auto client_key = parse_key(pki.client_key_pem.text());
  ASSERT_TRUE(server_key && client_key);
  EXPECT_EQ(group_of(server_key.get()), "prime256v1");
  EXPECT_EQ(group_of(client_key.get()), "prime256v1");
  EXPECT_EQ(group_of(X509_get0_pubkey(ca.get())), "prime256v1");
  EXPECT_EQ(X509_check_private_key(server.get(), server_key.get()), 1);
  EXPECT_EQ(X509_check_private_key(client.get(), client_key.get()), 1);
  EXPECT_NE(pki.server_key_pem.text().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST(CertGen, ServerNameIsAddedToSan) {
  TestCertificateOptions o;
  o.unix_time = kNow;
  o.server_name = "sctp.example.net";
  auto dns = make_test_certificates(o);
  ASSERT_TRUE(dns.ok()) << dns.error().message;
  const PeerIdentity a = identity_of(parse_cert(dns->server_pem).get());
  EXPECT_EQ(a.subject, "CN=sctp.example.net,O=sctps test");
  EXPECT_EQ(a.dns_names, (std::vector<std::string>{"localhost", "sctp.example.net"}));
  EXPECT_EQ(a.ip_addresses, std::vector<std::string>{"127.0.0.1"});

  o.server_name = "10.1.2.3";
  auto ip = make_test_certificates(o);
  ASSERT_TRUE(ip.ok()) << ip.error().message;
  const PeerIdentity b = identity_of(parse_cert(ip->server_pem).get());
  EXPECT_EQ(b.dns_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(b.ip_addresses, (std::vector<std::string>{"10.1.2.3", "127.0.0.1"}));

  o.server_name = "fd00::7";
  auto ip6 = make_test_certificates(o);
  ASSERT_TRUE(ip6.ok()) << ip6.error().message;
  EXPECT_EQ(identity_of(parse_cert(ip6->server_pem).get()).ip_addresses,
            (std::vector<std::string>{"127.0.0.1", "fd00::7"}));
}

TEST(CertGen, InvalidOptionsAreNamed) {
  TestCertificateOptions o;
  o.unix_time = kNow;
  for (const char* bad : {"", "a,DNS:evil.example", "has space", "x:y", ".lead", "trail."}) {
    o.server_name = bad;
    auto r = make_test_certificates(o);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, KmErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("invalid server name \"" + std::string(bad) + "\""),
              std::string::npos)
        << r.error().message;
  }
  o.server_name = "localhost";
  o.client_name = "bad name";
  EXPECT_FALSE(make_test_certificates(o).ok());
  o.client_name = "ok";
  o.validity_days = 0;
  EXPECT_FALSE(make_test_certificates(o).ok());
}

TEST(CertGen, EveryRunMakesANewPki) {
  const TestCertificates a = make_pki();
  const TestCertificates b = make_pki();
  EXPECT_NE(a.ca_pem, b.ca_pem);
  EXPECT_NE(a.server_key_pem.text(), b.server_key_pem.text());
  auto ca_a = parse_cert(a.ca_pem);
  auto server_b = parse_cert(b.server_pem);
  EXPECT_NE(verify(server_b.get(), ca_a.get(), kNow, X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST(CertGen, WritesFilesWithPrivateKeysOwnerOnly) {
  TempDir tmp;
  const auto dir = tmp.path() / "certs" / "nested";  // created on the way
  const TestCertificates pki = make_pki();
  const KmStatus w = write_test_certificates(pki, dir);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(read_file(dir / "ca.pem"), pki.ca_pem);
  EXPECT_EQ(read_file(dir / "server.pem"), pki.server_pem);
  EXPECT_EQ(read_file(dir / "server.key"), pki.server_key_pem.text());
  EXPECT_EQ(read_file(dir / "client.pem"), pki.client_pem);
  EXPECT_EQ(read_file(dir / "client.key"), pki.client_key_pem.text());
  EXPECT_EQ(mode_of(dir / "server.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "client.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "ca.pem"), 0644u);  // set explicitly, whatever the umask

  // A second run refuses to overwrite and changes nothing.
  const TestCertificates other = make_pki();
  const KmStatus again = write_test_certificates(other, dir);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, KmErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "refusing to overwrite " + (dir / "ca.pem").string());
  EXPECT_EQ(read_file(dir / "ca.pem"), pki.ca_pem);

  // With overwrite, a key file someone made readable is written 0600 again.
  ASSERT_EQ(::chmod((dir / "server.key").c_str(), 0644), 0);
  const KmStatus forced = write_test_certificates(other, dir, true);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ(read_file(dir / "server.key"), other.server_key_pem.text());
  EXPECT_EQ(mode_of(dir / "server.key"), 0600u);

  // An output path that is a file.
  const KmStatus onto_file = write_test_certificates(pki, dir / "ca.pem");
  ASSERT_FALSE(onto_file.ok());
  EXPECT_NE(onto_file.error().message.find("not a directory"), std::string::npos);
}

TEST(SecretPem, MoveLeavesSourceEmpty) {
  SecretPem a(std::string(300, 'k'));
  SecretPem b(std::move(a));
  EXPECT_TRUE(a.text().empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.text(), std::string(300, 'k'));
  SecretPem c;
  c = std::move(b);
  EXPECT_TRUE(b.text().empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.text().size(), 300u);
}

// The brief's end-to-end check: files written by gen-certs, loaded back, complete a mutual TLS
// handshake with the server's name checked; a wrong name fails.
TEST(CertGen, GeneratedFilesCompleteAMutualHandshakeWithNameChecking) {
  TempDir tmp;
  ASSERT_TRUE(write_test_certificates(make_pki(), tmp.path()).ok());
  const auto& d = tmp.path();
  auto server_creds = TlsCredentials::load_files(d / "server.pem", d / "server.key", d / "ca.pem");
  auto client_creds = TlsCredentials::load_files(d / "client.pem", d / "client.key", d / "ca.pem");
  ASSERT_TRUE(server_creds.ok()) << server_creds.error().message;
  ASSERT_TRUE(client_creds.ok()) << client_creds.error().message;
  auto server_ctx = context(TlsRole::kServer, server_creds.value());
  auto client_ctx = context(TlsRole::kClient, client_creds.value());

  for (const char* name : {"localhost", "127.0.0.1"}) {
    TlsSession client = session(client_ctx, PeerIdentityPolicy::expect_name(name));
    TlsSession server = session(server_ctx, PeerIdentityPolicy::chain_only());
    pump(client, server);
    EXPECT_TRUE(client.complete()) << name << ": " << client.error();
    EXPECT_TRUE(server.complete()) << name << ": " << server.error();
  }
  {
    // The server checks the client's name too.
    TlsSession client = session(client_ctx, PeerIdentityPolicy::expect_name("localhost"));
    TlsSession server = session(server_ctx, PeerIdentityPolicy::expect_name("sctps-client"));
    pump(client, server);
    EXPECT_TRUE(server.complete()) << server.error();
  }
  for (const char* wrong : {"otherhost", "127.0.0.2"}) {
    TlsSession client = session(client_ctx, PeerIdentityPolicy::expect_name(wrong));
    TlsSession server = session(server_ctx, PeerIdentityPolicy::chain_only());
    pump(client, server);
    EXPECT_TRUE(client.failed()) << wrong;
    EXPECT_NE(client.error().find(std::string("does not name ") + wrong), std::string::npos)
        << client.error();
    EXPECT_TRUE(server.failed());
  }
}

}  // namespace
}  // namespace sctps::km
