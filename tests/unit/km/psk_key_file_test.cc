// The pre-shared key file of method 0 (src/km/psk_key_file.h, docs/psk.md): good files for every
// suite and every way of naming it, comments, IPv4/IPv6/any peers and restart keys, with the key
// bytes checked against the hex written in the file; every error with its message; and which
// section find() picks.
#include "km/psk_key_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/hex.h"

namespace sctps::km {
namespace {

using protect::find_cipher_suite;

// `n` bytes of hex starting at byte value `first` and counting up (wrapping).
std::string hex_run(std::size_t n, unsigned first) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>((first + i) & 0xFF));
    out += b;
  }
  return out;
}

std::vector<std::uint8_t> bytes_of(wire::Bytes b) {
  return std::vector<std::uint8_t>(b.begin(), b.end());
}

// The six key lines of one direction pair, with the lengths of `suite`, bytes starting at `base`
// (client key, iv, sn key at base, base+0x20, base+0x40; server ones at base+0x60, ...).
std::string key_lines(std::uint16_t suite, unsigned base, std::string_view prefix = "") {
  const protect::CipherSuite* s = find_cipher_suite(suite);
  std::string out;
  unsigned b = base;
  for (std::string_view dir : {"client", "server"}) {
    out += std::string(prefix) + std::string(dir) + "_key = " + hex_run(s->key_length, b) + "\n";
    out +=
        std::string(prefix) + std::string(dir) + "_iv = " + hex_run(s->iv_length, b + 0x20) + "\n";
    out += std::string(prefix) + std::string(dir) +
           "_sn_key = " + hex_run(s->sn_key_length, b + 0x40) + "\n";
    b += 0x60;
  }
  return out;
}

void expect_material(const protect::KeyMaterial& m, std::uint16_t suite, unsigned base) {
  const protect::CipherSuite* s = find_cipher_suite(suite);
  ASSERT_NE(m.suite, nullptr);
  EXPECT_EQ(m.suite->id, suite);
  EXPECT_EQ(bytes_of(m.key.bytes()), test::from_hex(hex_run(s->key_length, base)));
  EXPECT_EQ(bytes_of(m.iv.bytes()), test::from_hex(hex_run(s->iv_length, base + 0x20)));
  EXPECT_EQ(bytes_of(m.sn_key.bytes()), test::from_hex(hex_run(s->sn_key_length, base + 0x40)));
}

std::optional<PskKeyFile> parse_ok(const std::string& text) {
  std::string error;
  auto f = PskKeyFile::parse(text, "keys.conf", error);
  EXPECT_TRUE(f.has_value()) << error;
  return f;
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto f = PskKeyFile::parse(text, "keys.conf", error);
  EXPECT_FALSE(f.has_value());
  return error;
}

IpAddress addr(const char* text) {
  return *IpAddress::parse(text);
}

// --- Good files ---

TEST(PskKeyFile, EverySuiteByNameAndByHexId) {
  struct Case {
    std::uint16_t suite;
    const char* spelling;
  };
  const Case cases[] = {
      {0x1301, "TLS_AES_128_GCM_SHA256"},
      {0x1302, "TLS_AES_256_GCM_SHA384"},
      {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
      {0x1301, "1301"},
      {0x1302, "0x1302"},
      {0x1303, "1303"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spelling);
    auto f = parse_ok(std::string("[peer 192.0.2.7]\nsuite = ") + c.spelling + "\n" +
                      key_lines(c.suite, 0x10));
    ASSERT_TRUE(f);
    ASSERT_EQ(f->peers().size(), 1u);
    const PskPeerKeys& p = f->peers()[0];
    ASSERT_TRUE(p.peer.has_value());
    EXPECT_EQ(*p.peer, addr("192.0.2.7"));
    ASSERT_NE(p.suite, nullptr);
    EXPECT_EQ(p.suite->id, c.suite);
    // client_* is the client -> server direction, server_* the other one.
    expect_material(p.primary.client_to_server, c.suite, 0x10);
    expect_material(p.primary.server_to_client, c.suite, 0x70);
    EXPECT_FALSE(p.restart.has_value());
  }
}

TEST(PskKeyFile, CommentsBlankLinesWhitespaceIpv6AnyPeerAndRestartKeys) {
  const std::string text =
      "# pre-shared keys for the test\n"
      "\n"
      "   [peer 2001:db8::1]   # an IPv6 peer\n"
      "suite=TLS_AES_256_GCM_SHA384\n" +
      key_lines(0x1302, 0x01) + key_lines(0x1302, 0x81, "restart_") +
      "\t\n"
      "[peer *]\r\n"
      "  suite   =   TLS_CHACHA20_POLY1305_SHA256   # any other peer\r\n" +
      key_lines(0x1303, 0x33);
  auto f = parse_ok(text);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->peers().size(), 2u);
  const PskPeerKeys& v6 = f->peers()[0];
  ASSERT_TRUE(v6.peer.has_value());
  EXPECT_EQ(*v6.peer, addr("2001:db8::1"));
  EXPECT_EQ(v6.suite->id, 0x1302);
  expect_material(v6.primary.client_to_server, 0x1302, 0x01);
  expect_material(v6.primary.server_to_client, 0x1302, 0x61);
  ASSERT_TRUE(v6.restart.has_value());
  expect_material(v6.restart->client_to_server, 0x1302, 0x81);
  expect_material(v6.restart->server_to_client, 0x1302, 0xE1);

  const PskPeerKeys& any = f->peers()[1];
  EXPECT_FALSE(any.peer.has_value());
  EXPECT_EQ(any.suite->id, 0x1303);
  expect_material(any.primary.client_to_server, 0x1303, 0x33);
  EXPECT_FALSE(any.restart.has_value());
}

TEST(PskKeyFile, UpperCaseHexIsAccepted) {
  std::string lines = key_lines(0x1301, 0xA0);
  for (char& c : lines) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  // Names must stay lower case: undo for the part before '='.
  std::string fixed;
  std::size_t pos = 0;
  while (pos < lines.size()) {
    const std::size_t nl = lines.find('\n', pos);
    std::string line = lines.substr(pos, nl - pos);
    const std::size_t eq = line.find('=');
    for (std::size_t i = 0; i < eq; ++i)
      line[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i])));
    fixed += line + "\n";
    pos = nl + 1;
  }
  auto f = parse_ok("[peer 10.1.1.1]\nsuite = TLS_AES_128_GCM_SHA256\n" + fixed);
  ASSERT_TRUE(f);
  expect_material(f->peers()[0].primary.client_to_server, 0x1301, 0xA0);
}

TEST(PskKeyFile, FindPrefersTheExactPeerOverTheWildcardWhateverTheOrder) {
  // The wildcard first, then two specific peers.
  const std::string text = "[peer *]\nsuite = 1301\n" + key_lines(0x1301, 0x01) +
                           "[peer 10.0.0.1]\nsuite = 1302\n" + key_lines(0x1302, 0x02) +
                           "[peer fe80::2]\nsuite = 1303\n" + key_lines(0x1303, 0x03);
  auto f = parse_ok(text);
  ASSERT_TRUE(f);
  const PskPeerKeys* a = f->find(addr("10.0.0.1"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->suite->id, 0x1302);
  const PskPeerKeys* b = f->find(addr("fe80::2"));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->suite->id, 0x1303);
  const PskPeerKeys* other = f->find(addr("10.0.0.9"));
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(other->peer.has_value());
  EXPECT_EQ(other->suite->id, 0x1301);
}

TEST(PskKeyFile, FindWithoutWildcardReturnsNullForUnlistedPeers) {
  auto f = parse_ok("[peer 10.0.0.1]\nsuite = 1301\n" + key_lines(0x1301, 0x01) +
                    "[peer 10.0.0.2]\nsuite = 1301\n" + key_lines(0x1301, 0x02));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->find(addr("10.0.0.3")), nullptr);
  EXPECT_EQ(f->find(addr("::ffff:10.0.0.3")), nullptr);
  ASSERT_NE(f->find(addr("10.0.0.2")), nullptr);
  expect_material(f->find(addr("10.0.0.2"))->primary.client_to_server, 0x1301, 0x02);
}

// --- Errors, each with the file name, line and what is wrong ---

TEST(PskKeyFile, UnknownNameNamesTheLine) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\nclient_secret = 00\n"),
            "keys.conf line 3: unknown name 'client_secret'");
}

TEST(PskKeyFile, OddNumberOfHexDigits) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\nclient_key = 0011223\n"),
            "keys.conf line 3: client_key: expected an even number of hex digits");
}

TEST(PskKeyFile, EmptyValue) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\nserver_iv =\n"),
            "keys.conf line 3: server_iv: expected an even number of hex digits");
}

TEST(PskKeyFile, BadHexDigit) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n\nclient_sn_key = 00112g33\n"),
            "keys.conf line 4: client_sn_key: not a hex digit");
}

TEST(PskKeyFile, ValueLongerThanAnyKey) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\nclient_key = " + hex_run(33, 0) + "\n"),
            "keys.conf line 3: client_key: longer than any supported key (32 bytes)");
}

TEST(PskKeyFile, WrongLengthsForTheSuite) {
  // AES-128 lengths (16/12/16) under AES-256 (32/12/32): the section's line is named.
  EXPECT_EQ(
      parse_error("# header\n[peer *]\nsuite = TLS_AES_256_GCM_SHA384\n" + key_lines(0x1301, 0x10)),
      "keys.conf line 2: client_key/client_iv/client_sn_key must be 32, 12 and 32 bytes "
      "for TLS_AES_256_GCM_SHA384");
  // A wrong IV length alone on the server side.
  std::string lines = key_lines(0x1301, 0x10);
  const std::size_t at = lines.find("server_iv = ");
  lines.insert(lines.find('\n', at), "00");
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n" + lines),
            "keys.conf line 1: server_key/server_iv/server_sn_key must be 16, 12 and 16 bytes "
            "for TLS_AES_128_GCM_SHA256");
}

TEST(PskKeyFile, MissingKey) {
  std::string lines = key_lines(0x1303, 0x10);
  const std::size_t at = lines.find("server_sn_key");
  lines.erase(at, lines.find('\n', at) + 1 - at);
  EXPECT_EQ(parse_error("[peer 10.0.0.1]\nsuite = 1303\n" + lines),
            "keys.conf line 1: the section lacks server_sn_key");
}

TEST(PskKeyFile, PartialRestartKeys) {
  std::string restart = key_lines(0x1301, 0x90, "restart_");
  const std::size_t at = restart.find("restart_server_iv");
  restart.erase(at, restart.find('\n', at) + 1 - at);
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n" + key_lines(0x1301, 0x10) + restart),
            "keys.conf line 1: the section lacks restart_server_iv");
  // A single restart key is as wrong as five.
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n" + key_lines(0x1301, 0x10) +
                        "restart_client_key = " + hex_run(16, 0) + "\n"),
            "keys.conf line 1: the section lacks restart_client_iv");
}

TEST(PskKeyFile, DuplicatePeer) {
  EXPECT_EQ(parse_error("[peer 10.0.0.1]\nsuite = 1301\n" + key_lines(0x1301, 0x10) +
                        "[peer 10.0.0.1]\n"),
            "keys.conf line 9: peer 10.0.0.1 is already listed at line 1");
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n" + key_lines(0x1301, 0x10) + "[peer *]\n"),
            "keys.conf line 9: peer * is already listed at line 1");
}

TEST(PskKeyFile, KeyGivenTwice) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = 1301\n" + key_lines(0x1301, 0x10) +
                        "client_iv = " + hex_run(12, 0) + "\n"),
            "keys.conf line 9: client_iv is given twice");
}

TEST(PskKeyFile, NoSection) {
  EXPECT_EQ(parse_error(""), "keys.conf: no [peer ...] section");
  EXPECT_EQ(parse_error("# only a comment\n\n"), "keys.conf: no [peer ...] section");
}

TEST(PskKeyFile, KeyBeforeTheFirstSection) {
  EXPECT_EQ(parse_error("suite = 1301\n[peer *]\n"),
            "keys.conf line 1: 'suite' before the first [peer ...]");
}

TEST(PskKeyFile, UnknownSuite) {
  EXPECT_EQ(parse_error("[peer *]\nsuite = TLS_AES_128_CCM_SHA256\n"),
            "keys.conf line 2: unknown cipher suite 'TLS_AES_128_CCM_SHA256' "
            "(TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)");
}

TEST(PskKeyFile, SectionWithoutSuite) {
  EXPECT_EQ(parse_error("\n[peer *]\n" + key_lines(0x1301, 0x10)),
            "keys.conf line 2: the section has no 'suite ='");
}

TEST(PskKeyFile, MalformedSectionHeadersAndLines) {
  EXPECT_EQ(parse_error("[peer 10.0.0.1\n"), "keys.conf line 1: a section header ends with ']'");
  EXPECT_EQ(parse_error("[host 10.0.0.1]\n"),
            "keys.conf line 1: expected a section header like [peer 192.0.2.7] or [peer *]");
  EXPECT_EQ(parse_error("[peer 10.0.0.300]\n"),
            "keys.conf line 1: '10.0.0.300' is not an IPv4 or IPv6 address or *");
  EXPECT_EQ(parse_error("[peer *]\nsuite 1301\n"), "keys.conf line 2: expected 'name = value'");
}

// --- load() ---

struct TempFile {
  explicit TempFile(const std::string& content) {
    path = (std::filesystem::temp_directory_path() /
            ("sctps_psk_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
               .string();
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::string path;
  static inline int counter = 0;
};

TEST(PskKeyFile, LoadReadsAFileAndNamesItInErrors) {
  TempFile good("[peer 192.0.2.1]\nsuite = 1301\n" + key_lines(0x1301, 0x42));
  std::string error;
  auto f = PskKeyFile::load(good.path, error);
  ASSERT_TRUE(f.has_value()) << error;
  ASSERT_NE(f->find(addr("192.0.2.1")), nullptr);
  expect_material(f->find(addr("192.0.2.1"))->primary.server_to_client, 0x1301, 0xA2);

  TempFile bad("[peer *]\nsuite = 1301\nclient_key = zz\n");
  EXPECT_FALSE(PskKeyFile::load(bad.path, error).has_value());
  EXPECT_EQ(error, bad.path + " line 3: client_key: not a hex digit");
}

TEST(PskKeyFile, MissingFile) {
  const std::string path = "/nonexistent-sctps-dir/keys.conf";
  std::string error;
  EXPECT_FALSE(PskKeyFile::load(path, error).has_value());
  EXPECT_EQ(error, "cannot read pre-shared key file " + path + ": No such file or directory");
}

}  // namespace
}  // namespace sctps::km
