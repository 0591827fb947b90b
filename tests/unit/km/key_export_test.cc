#include "km/key_export.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "km_test_util.h"
#include "protect/chunk_protector.h"
#include "wire/crc32c.h"

namespace sctps::km {
namespace {

using namespace sctps::km::testing;
using Vec = std::vector<std::uint8_t>;
namespace suite_id = protect::cipher_suite_id;

template <std::size_t N>
Vec bytes_of(const protect::BasicSecretBytes<N>& s) {
  return Vec(s.bytes().begin(), s.bytes().end());
}

bool same(const protect::KeyMaterial& a, const protect::KeyMaterial& b) {
  return a.suite == b.suite && bytes_of(a.key) == bytes_of(b.key) &&
         bytes_of(a.iv) == bytes_of(b.iv) && bytes_of(a.sn_key) == bytes_of(b.sn_key);
}

// Two DTLS Key Management parameters as they could appear in INIT and INIT ACK (chunk draft
// §4.1: type 0x8006, length 9 + N, tie breaker, flags, method ids).
const Vec kClientParam = {0x80, 0x06, 0x00, 0x0A, 0x11, 0x22, 0x33, 0x44, 0x05, 192};
const Vec kServerParam = {0x80, 0x06, 0x00, 0x0B, 0x55, 0x66, 0x77, 0x88, 0x06, 192, 0};

class Export : public PkiTest {};

TEST(ExporterContext, IsDirectionRoleTypeThenDowngradeData) {
  const Vec dg = downgrade_data(kClientParam, kServerParam);
  // Client's parameter first, then the server's, each exactly as given (reading #3).
  Vec want_dg = kClientParam;
  want_dg.insert(want_dg.end(), kServerParam.begin(), kServerParam.end());
  EXPECT_EQ(dg, want_dg);

  Vec want = {0x01, 0x00, 0x02};  // server, primary, IV
  want.insert(want.end(), dg.begin(), dg.end());
  EXPECT_EQ(exporter_context(KeyDirection::kServer, KeyRole::kPrimary, KeyType::kIv, dg), want);
  EXPECT_EQ(exporter_context(KeyDirection::kClient, KeyRole::kRestart, KeyType::kSnKey, {}),
            (Vec{0x00, 0x01, 0x01}));
  EXPECT_EQ(exporter_context(KeyDirection::kClient, KeyRole::kPrimary, KeyType::kKey, {}),
            (Vec{0x00, 0x00, 0x00}));
  EXPECT_EQ(kExporterLabel, "EXPORTER_TLS_FOR_DTLS_IN_SCTP");
}

TEST_F(Export, BothSidesDeriveTheSameTwelveValuesWithSuiteLengths) {
  const Vec dg = downgrade_data(kClientParam, kServerParam);
  for (const auto& suite : protect::supported_cipher_suites()) {
    SCOPED_TRACE(std::string(suite.name));
    Handshake h = handshake(*pki_, {suite.id});
    ASSERT_TRUE(h.client.complete() && h.server.complete());
    auto c = export_keys(h.client, dg, true);
    auto s = export_keys(h.server, dg, true);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(c->client_restart && c->server_restart && s->client_restart && s->server_restart);

    EXPECT_TRUE(same(c->client_primary, s->client_primary));
    EXPECT_TRUE(same(c->server_primary, s->server_primary));
    EXPECT_TRUE(same(*c->client_restart, *s->client_restart));
    EXPECT_TRUE(same(*c->server_restart, *s->server_restart));

    // Twelve distinct values.
    std::vector<Vec> all;
    for (const auto* m :
         {&c->client_primary, &c->server_primary, &*c->client_restart, &*c->server_restart}) {
      EXPECT_EQ(m->suite, &suite);
      EXPECT_TRUE(m->valid());
      EXPECT_EQ(m->key.size(), suite.key_length);
      EXPECT_EQ(m->sn_key.size(), suite.key_length);  // RFC 9147 §4.2.3: as long as the key
      EXPECT_EQ(m->iv.size(), 12u);
      all.push_back(bytes_of(m->key));
      all.push_back(bytes_of(m->sn_key));
      all.push_back(bytes_of(m->iv));
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  }
  EXPECT_EQ(protect::find_cipher_suite(suite_id::kAes128GcmSha256)->key_length, 16u);
  EXPECT_EQ(protect::find_cipher_suite(suite_id::kAes256GcmSha384)->key_length, 32u);
  EXPECT_EQ(protect::find_cipher_suite(suite_id::kChacha20Poly1305Sha256)->key_length, 32u);
}

TEST_F(Export, EachFieldIsTheExportOfItsOwnContext) {
  const Vec dg = downgrade_data(kClientParam, kServerParam);
  Handshake h = handshake(*pki_, {suite_id::kAes256GcmSha384});
  auto m = export_key_material(h.server, KeyDirection::kServer, KeyRole::kRestart, dg);
  ASSERT_TRUE(m.ok());
  const auto raw = [&](KeyType type, std::size_t n) {
    Vec out(n);
    EXPECT_TRUE(h.client.export_keying_material(
        "EXPORTER_TLS_FOR_DTLS_IN_SCTP",
        exporter_context(KeyDirection::kServer, KeyRole::kRestart, type, dg), out));
    return out;
  };
  EXPECT_EQ(bytes_of(m->key), raw(KeyType::kKey, 32));
  EXPECT_EQ(bytes_of(m->sn_key), raw(KeyType::kSnKey, 32));
  EXPECT_EQ(bytes_of(m->iv), raw(KeyType::kIv, 12));
}

TEST_F(Export, DifferentDowngradeDataGivesDifferentKeys) {
  Handshake h = handshake(*pki_);
  const Vec dg = downgrade_data(kClientParam, kServerParam);
  Vec tampered_param = kServerParam;
  tampered_param[9] = 0;  // an attacker rewrote the method list
  const Vec tampered = downgrade_data(kClientParam, tampered_param);
  const Vec swapped = downgrade_data(kServerParam, kClientParam);
  auto a = export_keys(h.client, dg, false);
  auto b = export_keys(h.server, tampered, false);
  auto c = export_keys(h.server, swapped, false);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_FALSE(a->client_restart.has_value());
  for (const auto* other : {&b.value(), &c.value()}) {
    EXPECT_NE(bytes_of(a->client_primary.key), bytes_of(other->client_primary.key));
    EXPECT_NE(bytes_of(a->client_primary.iv), bytes_of(other->client_primary.iv));
    EXPECT_NE(bytes_of(a->client_primary.sn_key), bytes_of(other->client_primary.sn_key));
    EXPECT_NE(bytes_of(a->server_primary.key), bytes_of(other->server_primary.key));
  }
}

TEST_F(Export, TwoHandshakesGiveDifferentKeys) {
  Handshake h1 = handshake(*pki_);
  Handshake h2 = handshake(*pki_);
  auto a = export_keys(h1.client, {}, false);
  auto b = export_keys(h2.client, {}, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(bytes_of(a->client_primary.key), bytes_of(b->client_primary.key));
}

TEST_F(Export, RefusedBeforeCompletionAndAfterFailure) {
  TlsSession client = session(context(TlsRole::kClient, client_credentials(*pki_)),
                              PeerIdentityPolicy::expect_name("localhost"));
  auto before = export_keys(client, {}, true);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, KmErrorCode::kInvalidState);
  EXPECT_EQ(before.error().message, "cannot export keys: the TLS handshake has not completed");

  Handshake failed = handshake(*pki_, {}, {}, "wrong.example");
  ASSERT_TRUE(failed.client.failed());
  EXPECT_FALSE(export_keys(failed.client, {}, false).ok());
  EXPECT_FALSE(export_keys(failed.server, {}, false).ok());
}

TEST_F(Export, StillAvailableAfterClose) {
  Handshake h = handshake(*pki_);
  auto before = export_keys(h.client, {}, false);
  h.client.close();
  auto after = export_keys(h.client, {}, false);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_TRUE(same(before->client_primary, after->client_primary));
}

// The exported material protects real packets: each side installs it in a ChunkProtector as §5.3
// says (client sends with client keys, receives with server keys) and a packet crosses both ways.
TEST_F(Export, KeysInstallIntoProtectorsThatTalkToEachOther) {
  const Vec dg = downgrade_data(kClientParam, kServerParam);
  for (const auto& suite : protect::supported_cipher_suites()) {
    SCOPED_TRACE(std::string(suite.name));
    Handshake h = handshake(*pki_, {suite.id});
    auto ck = export_keys(h.client, dg, true);
    auto sk = export_keys(h.server, dg, true);
    ASSERT_TRUE(ck.ok() && sk.ok());
    protect::ChunkProtector client_p, server_p;
    using protect::KeyStatus;
    ASSERT_EQ(client_p.establish_send_key(false, 3, ck->send_primary(TlsRole::kClient)),
              KeyStatus::kOk);
    ASSERT_EQ(client_p.establish_receive_key(false, 3, ck->receive_primary(TlsRole::kClient)),
              KeyStatus::kOk);
    ASSERT_EQ(server_p.establish_send_key(false, 3, sk->send_primary(TlsRole::kServer)),
              KeyStatus::kOk);
    ASSERT_EQ(server_p.establish_receive_key(false, 3, sk->receive_primary(TlsRole::kServer)),
              KeyStatus::kOk);

    for (auto dir : {std::pair{&client_p, &server_p}, std::pair{&server_p, &client_p}}) {
      // Common header and one 8-byte DATA-like chunk.
      Vec packet = {0x13, 0x88, 0x13, 0x89, 1,    2,    3,    4,    0,    0,
                    0,    0,    0x00, 0x03, 0x00, 0x08, 0xDE, 0xAD, 0xBE, 0xEF};
      const Vec plain_chunks(packet.begin() + 12, packet.end());
      const std::size_t len = packet.size();
      packet.resize(len + protect::ChunkProtector::kOverhead);
      const auto sealed = dir.first->seal(packet, len, packet.size());
      ASSERT_TRUE(sealed.ok()) << protect::to_string(sealed.error);
      packet.resize(sealed.length);
      const auto opened = dir.second->open(packet);
      ASSERT_TRUE(opened.ok());
      EXPECT_EQ(opened.key.epoch, 3u);
      const wire::Bytes chunks = opened.chunks.bytes;
      EXPECT_EQ(Vec(chunks.begin(), chunks.end()), plain_chunks);
    }
    // A receiver with the wrong direction's keys cannot open the client's packets.
    protect::ChunkProtector wrong;
    ASSERT_EQ(wrong.establish_receive_key(false, 3, ck->send_primary(TlsRole::kServer)),
              KeyStatus::kOk);
    Vec packet = {0x13, 0x88, 0x13, 0x89, 1, 2, 3, 4, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x04};
    const std::size_t len = packet.size();
    packet.resize(len + protect::ChunkProtector::kOverhead);
    const auto sealed = client_p.seal(packet, len, packet.size());
    ASSERT_TRUE(sealed.ok());
    packet.resize(sealed.length);
    EXPECT_FALSE(wrong.open(packet).ok());
  }
}

}  // namespace
}  // namespace sctps::km
