// Key-log lines (specs README reading #6): format and parse agree; anything else is refused.
#include "protect/key_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sctps::protect {
namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + i);
  return v;
}

TEST(KeyLog, ParseReadsWhatFormatWrites) {
  for (const CipherSuite& suite : supported_cipher_suites()) {
    const auto key = bytes(suite.key_length, 1);
    const auto iv = bytes(suite.iv_length, 100);
    const auto sn = bytes(suite.sn_key_length, 200);
    const auto material = KeyMaterial::make(suite.id, key, iv, sn);
    ASSERT_TRUE(material);
    std::string line = format_key_log_line(0x0a0b0c0d, KeyId{true, 42}, *material);
    const auto entry = parse_key_log_line(line);
    ASSERT_TRUE(entry) << line;
    EXPECT_EQ(entry->verification_tag, 0x0a0b0c0du);
    EXPECT_TRUE(entry->id.restart);
    EXPECT_EQ(entry->id.epoch, 42u);
    EXPECT_EQ(entry->material.suite, &suite);
    EXPECT_TRUE(std::equal(key.begin(), key.end(), entry->material.key.bytes().begin(),
                           entry->material.key.bytes().end()));
    EXPECT_TRUE(std::equal(sn.begin(), sn.end(), entry->material.sn_key.bytes().begin(),
                           entry->material.sn_key.bytes().end()));
    wipe_key_log_line(line);
    EXPECT_TRUE(line.empty());
  }
}

TEST(KeyLog, RefusesWhatIsNotAWellFormedLine) {
  const std::string k16(32, 'a');
  const std::string iv(24, 'b');
  const std::string good = "SCTP_DTLS 0000abcd 0 3 1301 " + k16 + " " + iv + " " + k16;
  ASSERT_TRUE(parse_key_log_line(good));
  ASSERT_TRUE(parse_key_log_line(good + "\r"));  // a file written on another system
  for (const std::string& bad : {
           std::string(""),
           std::string("# comment"),
           std::string("CLIENT_RANDOM 00 11"),
           "SCTP_DTLS abcd 0 3 1301 " + k16 + " " + iv + " " + k16,       // short tag
           "SCTP_DTLS 0000abcd 2 3 1301 " + k16 + " " + iv + " " + k16,   // R not 0/1
           "SCTP_DTLS 0000abcd 0 x 1301 " + k16 + " " + iv + " " + k16,   // epoch
           "SCTP_DTLS 0000abcd 0 3 9999 " + k16 + " " + iv + " " + k16,   // suite
           "SCTP_DTLS 0000abcd 0 3 1302 " + k16 + " " + iv + " " + k16,   // lengths vs suite
           "SCTP_DTLS 0000abcd 0 3 1301 " + k16 + " " + iv,               // missing sn key
           "SCTP_DTLS 0000abcd 0 3 1301 " + k16 + "g " + iv + " " + k16,  // odd / bad hex
           "SCTP_DTLS 0000abcd 0 3 1301 " + k16 + " " + iv + " " + k16 + " extra",
       }) {
    EXPECT_FALSE(parse_key_log_line(bad)) << bad;
  }
}

}  // namespace
}  // namespace sctps::protect
