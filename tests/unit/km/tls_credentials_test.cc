#include "km/tls_credentials.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <fstream>
#include <memory>
#include <string>

#include "km/openssl_handles.h"
#include "km_test_util.h"

namespace sctps::km {
namespace {

using testing::make_pki;
using testing::PkiTest;
using testing::TempDir;

X509Ptr parse_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

class Credentials : public PkiTest {};

TEST_F(Credentials, LoadsFromMemory) {
  auto c = TlsCredentials::load_pem(pki_->server_pem, pki_->server_key_pem.text(), pki_->ca_pem);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NE(c->certificate(), nullptr);
  EXPECT_NE(c->private_key(), nullptr);
  EXPECT_TRUE(c->has_trust_anchors());
  EXPECT_EQ(sk_X509_num(c->intermediates()), 0);
  EXPECT_EQ(identity_of(c->certificate()).subject, "CN=localhost,O=sctps test");
}

TEST_F(Credentials, CaIsOptional) {
  auto c = TlsCredentials::load_pem(pki_->client_pem, pki_->client_key_pem.text(), "");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->has_trust_anchors());
  EXPECT_EQ(c->trust_store(), nullptr);
}

TEST_F(Credentials, ChainFileKeepsIntermediatesInOrder) {
  // Leaf followed by two more certificates: they become the intermediates sent with it.
  const std::string chain = pki_->server_pem + pki_->ca_pem + pki_->client_pem;
  auto c = TlsCredentials::load_pem(chain, pki_->server_key_pem.text(), pki_->ca_pem);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(sk_X509_num(c->intermediates()), 2);
  EXPECT_EQ(identity_of(sk_X509_value(c->intermediates(), 0)).subject,
            "CN=sctps test CA,O=sctps test");
  EXPECT_EQ(identity_of(sk_X509_value(c->intermediates(), 1)).subject,
            "CN=sctps-client,O=sctps test");
}

TEST_F(Credentials, LoadsFromFiles) {
  TempDir dir;
  write(dir.path() / "c.pem", pki_->client_pem);
  write(dir.path() / "c.key", pki_->client_key_pem.text());
  write(dir.path() / "ca.pem", pki_->ca_pem);
  auto c =
      TlsCredentials::load_files(dir.path() / "c.pem", dir.path() / "c.key", dir.path() / "ca.pem");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(identity_of(c->certificate()).dns_names, std::vector<std::string>{"sctps-client"});
  auto no_ca = TlsCredentials::load_files(dir.path() / "c.pem", dir.path() / "c.key", "");
  ASSERT_TRUE(no_ca.ok()) << no_ca.error().message;
  EXPECT_FALSE(no_ca->has_trust_anchors());
}

TEST_F(Credentials, MissingFilesAreNamed) {
  TempDir dir;
  write(dir.path() / "c.pem", pki_->client_pem);
  write(dir.path() / "c.key", pki_->client_key_pem.text());
  const auto missing = dir.path() / "nope.pem";

  auto a = TlsCredentials::load_files(missing, dir.path() / "c.key", "");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, KmErrorCode::kNotFound);
  EXPECT_EQ(a.error().message, "certificate file not found: " + missing.string());

  auto b = TlsCredentials::load_files(dir.path() / "c.pem", missing, "");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "private key file not found: " + missing.string());

  auto c = TlsCredentials::load_files(dir.path() / "c.pem", dir.path() / "c.key", missing);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "CA certificate file not found: " + missing.string());

  auto d = TlsCredentials::load_files(dir.path(), dir.path() / "c.key", "");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("is a directory"), std::string::npos) << d.error().message;
}

TEST_F(Credentials, KeyOfAnotherCertificateIsRefused) {
  TempDir dir;
  write(dir.path() / "s.pem", pki_->server_pem);
  write(dir.path() / "c.key", pki_->client_key_pem.text());
  auto c = TlsCredentials::load_files(dir.path() / "s.pem", dir.path() / "c.key", "");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, KmErrorCode::kKeyMismatch);
  EXPECT_NE(c.error().message.find("does not match the certificate"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("c.key"), std::string::npos) << c.error().message;
}

TEST_F(Credentials, MalformedPemIsRefused) {
  auto no_cert = TlsCredentials::load_pem("hello", pki_->server_key_pem.text(), "");
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.error().code, KmErrorCode::kInvalidInput);
  EXPECT_NE(no_cert.error().message.find("no certificate in certificate PEM"), std::string::npos)
      << no_cert.error().message;

  // A certificate block with a damaged body.
  std::string broken = pki_->server_pem;
  broken[broken.size() / 2] = '!';
  auto bad_cert = TlsCredentials::load_pem(broken, pki_->server_key_pem.text(), "");
  ASSERT_FALSE(bad_cert.ok());
  EXPECT_NE(bad_cert.error().message.find("cannot parse a certificate"), std::string::npos)
      << bad_cert.error().message;

  auto no_key = TlsCredentials::load_pem(pki_->server_pem, pki_->server_pem, "");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("no private key in private key PEM"), std::string::npos)
      << no_key.error().message;

  auto no_ca = TlsCredentials::load_pem(pki_->server_pem, pki_->server_key_pem.text(), "junk");
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.error().message.find("no certificate in CA certificate PEM"), std::string::npos)
      << no_ca.error().message;
}

TEST_F(Credentials, EncryptedKeyIsRefusedWithoutPrompting) {
  const std::string& plain = pki_->server_key_pem.text();
  BioPtr in(BIO_new_mem_buf(plain.data(), static_cast<int>(plain.size())));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(key);
  BioPtr out(BIO_new(BIO_s_mem()));
  char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_128_cbc(), pass, 6, nullptr,
                                          nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  const std::string encrypted(data, static_cast<std::size_t>(len));
  auto c = TlsCredentials::load_pem(pki_->server_pem, encrypted, "");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("is encrypted"), std::string::npos) << c.error().message;
}

TEST_F(Credentials, IdentityOfServerCertificate) {
  auto cert = parse_cert(pki_->server_pem);
  const PeerIdentity id = identity_of(cert.get());
  EXPECT_EQ(id.subject, "CN=localhost,O=sctps test");
  EXPECT_EQ(id.dns_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(id.ip_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(id.describe(), "CN=localhost,O=sctps test (DNS:localhost, IP:127.0.0.1)");
}

TEST_F(Credentials, SpkiPinIsSha256OfSubjectPublicKeyInfo) {
  auto cert = parse_cert(pki_->server_pem);
  // Computed another way: re-encode the public key as SubjectPublicKeyInfo and hash it.
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &der);
  ASSERT_GT(len, 0);
  Sha256 expected{};
  SHA256(der, static_cast<std::size_t>(len), expected.data());
  OPENSSL_free(der);
  EXPECT_EQ(spki_sha256(cert.get()), expected);
  EXPECT_EQ(identity_of(cert.get()).spki_sha256, expected);

  TempDir dir;
  write(dir.path() / "s.pem", pki_->server_pem);
  auto from_file = spki_sha256_of_pem_file(dir.path() / "s.pem");
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  EXPECT_EQ(*from_file, expected);
}

TEST(PinText, ParsesHexWithOrWithoutPrefixAndColons) {
  Sha256 want{};
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = static_cast<std::uint8_t>(i * 9 + 1);
  const std::string hex = to_hex(want);
  EXPECT_EQ(hex.substr(0, 6), "010a13");
  EXPECT_EQ(*parse_sha256_hex(hex), want);
  EXPECT_EQ(*parse_sha256_hex("sha256:" + hex), want);
  std::string upper_colons;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) upper_colons += ':';
    upper_colons += static_cast<char>(std::toupper(hex[i]));
    upper_colons += static_cast<char>(std::toupper(hex[i + 1]));
  }
  EXPECT_EQ(*parse_sha256_hex(upper_colons), want);
  EXPECT_FALSE(parse_sha256_hex(hex.substr(2)).ok());
  EXPECT_FALSE(parse_sha256_hex(hex + "00").ok());
  EXPECT_FALSE(parse_sha256_hex("zz" + hex.substr(2)).ok());
  EXPECT_FALSE(parse_sha256_hex("").ok());
}

TEST_F(Credentials, NamePolicyMatchesSanDnsAndIpOnly) {
  auto cert = parse_cert(pki_->server_pem);
  EXPECT_FALSE(check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("localhost")));
  EXPECT_FALSE(check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("LOCALHOST")));
  EXPECT_FALSE(check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("127.0.0.1")));
  const auto other =
      check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("example.org"));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other,
            "peer certificate does not name example.org (it names DNS:localhost, IP:127.0.0.1)");
  EXPECT_TRUE(check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("127.0.0.2")));
  EXPECT_TRUE(check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("::1")));
  // A name only in an IP entry's text form is not a DNS match, and the reverse.
  auto client = parse_cert(pki_->client_pem);
  EXPECT_FALSE(check_peer_identity(client.get(), PeerIdentityPolicy::expect_name("sctps-client")));
  EXPECT_TRUE(check_peer_identity(client.get(), PeerIdentityPolicy::expect_name("localhost")));
}

// A self-signed certificate naming `cn` in its subject only, without subjectAltName.
X509Ptr cn_only_certificate(const char* cn) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), testing::kNow - 60);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), testing::kNow + 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return cert;
}

TEST(NamePolicy, IgnoresCommonName) {
  auto cert = cn_only_certificate("cn-only.example");
  ASSERT_TRUE(cert);
  EXPECT_EQ(identity_of(cert.get()).subject, "CN=cn-only.example");
  const auto r =
      check_peer_identity(cert.get(), PeerIdentityPolicy::expect_name("cn-only.example"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "peer certificate does not name cn-only.example (it has no subjectAltName)");
}

TEST_F(Credentials, PinnedKeyPolicy) {
  auto cert = parse_cert(pki_->server_pem);
  const Sha256 pin = spki_sha256(cert.get());
  EXPECT_FALSE(check_peer_identity(cert.get(), PeerIdentityPolicy::pinned_key(pin)));
  Sha256 wrong = pin;
  wrong[31] ^= 1;
  const auto r = check_peer_identity(cert.get(), PeerIdentityPolicy::pinned_key(wrong));
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->find("does not match the pinned sha256:" + to_hex(wrong)), std::string::npos) << *r;
  EXPECT_FALSE(check_peer_identity(cert.get(), PeerIdentityPolicy::chain_only()));
}

TEST_F(Credentials, SameIdentitySurvivesANewKeyButNotANewName) {
  const TestCertificates again = make_pki();  // same names, new keys and CA
  auto a = parse_cert(pki_->server_pem);
  auto b = parse_cert(again.server_pem);
  const PeerIdentity ia = identity_of(a.get());
  const PeerIdentity ib = identity_of(b.get());
  EXPECT_NE(ia.spki_sha256, ib.spki_sha256);
  EXPECT_TRUE(ia.same_identity(ib));
  const TestCertificates renamed = make_pki("other.example");
  auto c = parse_cert(renamed.server_pem);
  EXPECT_FALSE(ia.same_identity(identity_of(c.get())));
  auto d = parse_cert(pki_->client_pem);
  EXPECT_FALSE(ia.same_identity(identity_of(d.get())));
}

TEST(PolicyText, Describes) {
  EXPECT_EQ(PeerIdentityPolicy::chain_only().describe(), "any certificate from the trusted CA");
  EXPECT_EQ(PeerIdentityPolicy::expect_name("a.example").describe(), "name a.example");
  EXPECT_EQ(PeerIdentityPolicy::pinned_key(Sha256{}).describe(),
            "key sha256:" + std::string(64, '0'));
}

}  // namespace
}  // namespace sctps::km
