// `sctps demo` (issue #7): it runs alone on loopback, every message comes back intact, the rekey
// moves both sides from epoch 3 to 4, the numbers of its JSON summary agree with each other
// (TSNs acknowledged against DATA chunks sent), --pcap and --keylog produce files that
// `sctps decrypt-pcap` opens completely, the timeline names the handshake, and bad options end
// with one line and exit code 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "cli_runner.h"
#include "support/json.h"

namespace sctps::test {
namespace {

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::set<long long> numbers(const Json& array) {
  std::set<long long> out;
  for (const Json& v : array.array()) out.insert(v.integer());
  return out;
}

class CliDemo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/sctps_demo_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// The side's TSNs: every DATA chunk it sent was acknowledged, so the highest cumulative TSN ack
// its peer sent is the initial TSN plus the DATA chunks sent, less one (serial arithmetic).
void expect_all_acknowledged(const Json& side, const std::string& name) {
  SCOPED_TRACE(name);
  const auto initial = static_cast<std::uint32_t>(side["initial_tsn"].integer());
  const auto acked = static_cast<std::uint32_t>(side["cum_tsn_acked_by_peer"].integer());
  const auto sent = static_cast<std::uint32_t>(side["data_chunks_sent"].integer());
  EXPECT_GT(sent, 0u);
  EXPECT_EQ(static_cast<std::uint32_t>(acked - initial + 1), sent);
  // The client's observer saw every DATA chunk of this side at least once (each was acknowledged)
  // and at most once per transmission (a datagram lost on loopback is not seen by it).
  EXPECT_GE(side["data_chunks_seen_on_wire"].integer(), side["data_chunks_sent"].integer());
  EXPECT_LE(side["data_chunks_seen_on_wire"].integer(),
            side["data_chunks_sent"].integer() + side["retransmissions"].integer());
}

TEST_F(CliDemo, EveryMessageIntactAndRekeyedWithCaptureAndKeyLog) {
  const std::string pcap = dir_ + "/demo.pcap";
  const std::string keylog = dir_ + "/demo.keys";
  const auto r =
      run_cli("demo --duration 1 --rekeys 1 --json --pcap " + pcap + " --keylog " + keylog,
              std::chrono::seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  ASSERT_EQ(lines(r.out), 1u) << r.out;  // stdout: the summary alone
  // Every TSN was seen on the wire (the timeline opened the INIT, INIT ACK and the SACKs).
  ASSERT_EQ(r.out.find(":null"), std::string::npos) << r.out;
  const Json j = Json::parse(r.out);
  EXPECT_TRUE(j["ok"].boolean()) << r.out;
  EXPECT_EQ(j["failure"].str(), "");
  EXPECT_TRUE(j["all_verified"].boolean()) << r.out;
  EXPECT_GT(j["messages_sent"].integer(), 100);
  EXPECT_EQ(j["messages_verified"].integer(), j["messages_sent"].integer());
  EXPECT_TRUE(j["shutdown_graceful"].boolean());
  EXPECT_EQ(j["rekeys_requested"].integer(), 1);
  EXPECT_EQ(j["rekeys_completed"].integer(), 1);
  // Packets of epoch 3 and epoch 4 travelled, and the timeline opened every protected packet.
  EXPECT_EQ(numbers(j["wire_epochs"]), (std::set<long long>{3, 4})) << r.out;
  EXPECT_EQ(j["unopened_packets"].integer(), 0);
  for (const char* name : {"client", "server"}) {
    const Json& side = j[name];
    SCOPED_TRACE(name);
    EXPECT_GT(side["messages_sent"].integer(), 0);
    EXPECT_EQ(side["messages_verified"].integer(), side["messages_sent"].integer());
    EXPECT_EQ(side["messages_bad"].integer(), 0);
    EXPECT_EQ(numbers(side["epochs"]), (std::set<long long>{3, 4}));
    EXPECT_EQ(side["rekeys"].integer(), 1);
    EXPECT_EQ(side["rekey_ms"].size(), 1u);
    EXPECT_EQ(side["aead_failures"].integer(), 0);
    EXPECT_EQ(side["replays_dropped"].integer(), 0);
    EXPECT_GT(side["protected_sent"].integer(), 0);
    EXPECT_EQ(side["aead_invocations"].integer(),
              side["protected_sent"].integer() + side["protected_received"].integer());
    EXPECT_EQ(side["cipher_suite"].str(), "TLS_AES_128_GCM_SHA256");
    expect_all_acknowledged(side, name);
  }
  // Each side echoed what the other sent.
  EXPECT_EQ(j["client"]["messages_echoed_for_peer"].integer(),
            j["server"]["messages_sent"].integer());
  EXPECT_EQ(j["server"]["messages_echoed_for_peer"].integer(),
            j["client"]["messages_sent"].integer());
  EXPECT_EQ(j["client"]["rekeys_initiated"].integer(), 1);

  // The timeline (stderr with --json) shows the handshakes, the rekey and the shutdown.
  for (const char* what :
       {"INIT: initiate tag", "DTLS Key Management 0x8006 offers methods [192 (TLS 1.3)]",
        "INIT ACK", "COOKIE ECHO", "COOKIE ACK", "KM epoch 3: TLS ClientHello", "ServerHello",
        "[Certificate, CertificateVerify, Finished]", "Protection Established",
        "KM epoch 4: TLS ClientHello", "keys rotated to epoch 4", "SHUTDOWN COMPLETE",
        "key-management client", "key-management server"}) {
    EXPECT_NE(r.err.find(what), std::string::npos) << what << "\n" << r.err;
  }

  // The capture and the key log: non-empty, keys of epochs 3 and 4, and together they open every
  // protected packet of the capture.
  ASSERT_TRUE(std::filesystem::exists(pcap));
  EXPECT_GT(std::filesystem::file_size(pcap), 24u);
  std::ifstream log(keylog);
  std::set<long long> logged_epochs;
  std::size_t key_lines = 0;
  for (std::string line; std::getline(log, line);) {
    std::istringstream fields(line);
    std::string label, tag, restart;
    long long epoch = -1;
    fields >> label >> tag >> restart >> epoch;
    if (label != "SCTP_DTLS") continue;
    ++key_lines;
    logged_epochs.insert(epoch);
  }
  EXPECT_GT(key_lines, 0u);
  EXPECT_TRUE(logged_epochs.count(3) == 1 && logged_epochs.count(4) == 1);
  const auto d = run_cli("decrypt-pcap " + pcap + " " + keylog + " " + dir_ + "/plain.pcap --json");
  ASSERT_EQ(d.exit_code, 0) << d.all();
  EXPECT_GT(json_number(d.out, "protected").value_or(0), 0);
  EXPECT_EQ(json_number(d.out, "decrypted"), json_number(d.out, "protected")) << d.out;
  EXPECT_EQ(json_number(d.out, "kept"), 0) << d.out;
}

TEST_F(CliDemo, TextTimelineAndSummary) {
  // Two rekeys: the client starts the first, the server the second.
  const auto r = run_cli("demo --duration 0.6 --rekeys 2", std::chrono::seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  for (const char* what :
       {"client → server  INIT:", "server → client  INIT ACK:", "COOKIE ECHO", "COOKIE ACK",
        "Protection Established", "client: requests rekey 1 of 2 (epoch 3 -> 4)",
        "server: requests rekey 2 of 2 (epoch 4 -> 5)",
        "server → client  [DTLS chunk, epoch 4] KM epoch 5: TLS ClientHello", "DATA chunks",
        "summary", "AEAD invocations", "key epochs", "3 -> 4 -> 5", "RTT (smoothed)", "demo OK",
        "2 rekeys"}) {
    EXPECT_NE(r.out.find(what), std::string::npos) << what << "\n" << r.out;
  }
  EXPECT_EQ(r.err, "");
}

TEST_F(CliDemo, QuietPrintsOnlyTheSummary) {
  const auto r = run_cli("demo --duration 0.3 --rekeys 0 --quiet", std::chrono::seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.out.find(" ms] "), std::string::npos) << r.out;  // no timeline line
  EXPECT_NE(r.out.find("demo OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 rekeys"), std::string::npos) << r.out;
}

TEST_F(CliDemo, BadOptionsEndWithOneLineAndExitCode2) {
  for (const char* args : {"demo --duration 0", "demo --duration x", "demo --rekeys -1",
                           "demo --no-such-option", "demo extra"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.all();
    EXPECT_EQ(lines(r.all()), 1u) << args << "\n" << r.all();
    EXPECT_NE(r.err.find("sctps demo:"), std::string::npos) << args << "\n" << r.err;
  }
}

}  // namespace
}  // namespace sctps::test
