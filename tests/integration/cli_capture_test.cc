// Capture and decryption end to end (issue #8): `sctps server` and `sctps client` with pre-shared
// keys, the server writing --pcap and --keylog; `sctps decrypt-pcap` opens every protected packet;
// stock tshark shows the inner chunks of the decrypted file without a malformed packet; tshark with
// the Lua dissector and the key log decrypts the original capture, and without the key log shows
// the packets undecrypted. The tshark parts are skipped where tshark is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_runner.h"

namespace sctps::test {
namespace {

std::string to_server(const CliServer& server) {
  return " --remote-udp-port " + std::to_string(server.udp_port) + " ";
}

bool have_tshark() {
  return std::system("tshark --version > /dev/null 2>&1") == 0;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class CliCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/sctps_capture_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ + "/keys.psk")
        << "[peer *]\nsuite = TLS_CHACHA20_POLY1305_SHA256\n"
        << "client_key = " << std::string(64, '1') << "\nclient_iv = " << std::string(24, '2')
        << "\nclient_sn_key = " << std::string(64, '3') << "\nserver_key = " << std::string(64, '4')
        << "\nserver_iv = " << std::string(24, '5') << "\nserver_sn_key = " << std::string(64, '6')
        << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A protected echo of `count` messages, captured by the server with its key log.
  void capture(int count) {
    const std::string keys = " --protect strict --psk-file " + dir_ + "/keys.psk ";
    CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo" + keys + "--keylog " + dir_ +
                     "/keys.log --pcap " + dir_ + "/capture.pcap");
    ASSERT_GT(server.udp_port, 0);
    udp_port_ = server.udp_port;
    const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                           "--echo-check --size 700 --count " + std::to_string(count) + keys);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    server.stop();
  }

  RunResult tshark(const std::string& args) {
    return run_program(
        split_args("tshark -n -d udp.port==" + std::to_string(udp_port_) + ",sctp " + args),
        std::chrono::seconds(120));
  }

  std::string dir_;
  int udp_port_ = 0;
};

TEST_F(CliCapture, DecryptPcapOpensEveryProtectedPacket) {
  ASSERT_NO_FATAL_FAILURE(capture(100));
  const auto r = run_cli("decrypt-pcap " + dir_ + "/capture.pcap " + dir_ + "/keys.log " + dir_ +
                         "/plain.pcap --json");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto protected_packets = json_number(r.out, "protected");
  ASSERT_TRUE(protected_packets) << r.out;
  EXPECT_GT(*protected_packets, 100);
  EXPECT_EQ(json_number(r.out, "decrypted"), protected_packets) << r.out;
  EXPECT_EQ(json_number(r.out, "kept"), 0) << r.out;

  if (!have_tshark()) GTEST_SKIP() << "tshark not installed: decrypted file not checked with it";
  // Stock tshark, no plugin: the inner chunks, 100 DATA each way, nothing malformed.
  const auto types = tshark("-r " + dir_ + "/plain.pcap -T fields -e sctp.chunk_type");
  ASSERT_EQ(types.exit_code, 0) << types.all();
  std::size_t data = 0;
  for (std::size_t at = 0; at < types.out.size();) {
    const auto end = types.out.find('\n', at);
    const std::string line = types.out.substr(at, end - at);
    for (std::size_t p = 0; p <= line.size();) {
      const auto comma = line.find(',', p);
      if (line.substr(p, comma - p) == "0") ++data;
      p = comma == std::string::npos ? line.size() + 1 : comma + 1;
    }
    at = end == std::string::npos ? types.out.size() : end + 1;
  }
  EXPECT_GE(data, 200u);
  const auto verbose = tshark("-r " + dir_ + "/plain.pcap -V");
  EXPECT_EQ(count(verbose.out, "Malformed"), 0u);
}

TEST_F(CliCapture, LuaDissectorDecryptsWithTheKeyLogOnly) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  ASSERT_NO_FATAL_FAILURE(capture(50));
  const std::string lua = std::string(" -X lua_script:") + SCTPS_LUA_DISSECTOR + " ";
  const auto with_keys =
      tshark("-r " + dir_ + "/capture.pcap" + lua + "-o sctps_dtls.keylog_file:" + dir_ +
             "/keys.log -T fields -e sctps_dtls.decrypted -e sctps_dtls.inner_chunk_type");
  ASSERT_EQ(with_keys.exit_code, 0) << with_keys.all();
  // One line per packet: "1<TAB>inner chunk types" for a decrypted DTLS chunk, "0" for one that
  // was not, nothing for packets without a DTLS chunk.
  const std::string lines = "\n" + with_keys.out;
  EXPECT_GT(count(lines, "\n1\t"), 50u) << with_keys.out;
  EXPECT_EQ(count(lines, "\n0"), 0u) << with_keys.out;
  const auto verbose = tshark("-r " + dir_ + "/capture.pcap" + lua +
                              "-o sctps_dtls.keylog_file:" + dir_ + "/keys.log -V");
  EXPECT_EQ(count(verbose.out, "Malformed"), 0u);

  const auto without =
      tshark("-r " + dir_ + "/capture.pcap" + lua + "-T fields -e sctps_dtls.decrypted");
  ASSERT_EQ(without.exit_code, 0) << without.all();
  EXPECT_EQ(count("\n" + without.out, "\n1"), 0u) << without.out;
  EXPECT_GT(count("\n" + without.out, "\n0"), 50u) << without.out;
}

}  // namespace
}  // namespace sctps::test
