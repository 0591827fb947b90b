// Capture and decryption end to end (issue #8).
//
// CliCapture: `sctps server` and `sctps client` with pre-shared keys, the server writing --pcap
// and --keylog; `sctps decrypt-pcap` opens every protected packet; stock tshark shows the inner
// chunks of the decrypted file without a malformed packet; tshark with the Lua dissector and the
// key log decrypts the original capture, and without the key log shows the packets undecrypted.
//
// DemoCapture: `sctps demo` (TLS 1.3 key management, one rekey, graceful shutdown) with --pcap,
// --keylog and --json; what tshark shows of the capture is compared with what the two endpoints
// report: every protected packet decrypts, each direction's DATA TSNs are exactly those from its
// initial TSN to the cumulative TSN the peer acknowledged, the rekey's key-management messages
// (epoch 4) travel only inside DTLS chunks, nothing is malformed. The tshark parts are skipped
// where tshark is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "support/json.h"

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

// ---------------------------------------------------------------------------------------------
// DemoCapture

// The Lua dissector opens every record in plain Lua: the capture of a one-second demo (some
// 11 000 packets, 13 MB) takes about two minutes, far more on a busy machine.
constexpr auto kSlowTshark = std::chrono::seconds(900);
constexpr auto kTshark = std::chrono::seconds(300);

// Expert info severities as tshark prints them (epan/proto.h PI_WARN, PI_ERROR).
constexpr long long kSeverityWarn = 0x00600000;

constexpr long long kChunkData = 0;
constexpr long long kChunkSack = 3;
constexpr long long kChunkShutdown = 7;
constexpr long long kChunkShutdownAck = 8;
constexpr long long kChunkShutdownComplete = 14;
constexpr long long kChunkDtls = 0x41;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const auto end = text.find(separator, at);
    out.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) return out;
    at = end + 1;
  }
}

// A field's values (-E occurrence=a joins them with commas); booleans print as 1/0.
std::vector<long long> values(const std::string& field) {
  std::vector<long long> out;
  if (field.empty()) return out;
  for (const auto& v : split(field, ',')) {
    if (v == "True") {
      out.push_back(1);
    } else if (v == "False") {
      out.push_back(0);
    } else {
      out.push_back(std::strtoll(v.c_str(), nullptr, 0));
    }
  }
  return out;
}

// One frame of `tshark -T fields` output: the columns of kFields, then those of kDissectorFields
// in the dissector's runs. Fields of every SCTP layer of the frame, in order: the packet on the
// wire, then the packet inside its DTLS chunk.
struct Frame {
  long long number = 0;
  long long src_port = 0;  // SCTP
  std::vector<long long> chunk_types;
  std::vector<long long> tsns;  // sctp.data_tsn_raw
  bool malformed = false;
  std::vector<long long> severities;
  std::vector<long long> decrypted;    // sctps_dtls.decrypted, one per DTLS chunk
  std::vector<long long> inner_types;  // sctps_dtls.inner_chunk_type
  std::vector<long long> km_epochs;    // sctps_km.epoch, one per key-management message
  std::string line;

  bool has_dtls_chunk() const { return !chunk_types.empty() && chunk_types.front() == kChunkDtls; }
  // The chunks that carry the traffic: those inside the DTLS chunk, or the packet's own.
  std::vector<long long> payload_types() const {
    if (!has_dtls_chunk()) return chunk_types;
    return {chunk_types.begin() + 1, chunk_types.end()};
  }
};

const std::string kFields =
    "-T fields -E occurrence=a -e frame.number -e sctp.srcport -e sctp.chunk_type "
    "-e sctp.data_tsn_raw -e _ws.malformed -e _ws.expert.severity";
const std::string kDissectorFields =
    " -e sctps_dtls.decrypted -e sctps_dtls.inner_chunk_type -e sctps_km.epoch";

std::vector<Frame> parse_frames(const std::string& out) {
  std::vector<Frame> frames;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto f = split(line, '\t');
    if (f.size() < 6) continue;
    Frame fr;
    fr.line = line;
    fr.number = std::strtoll(f[0].c_str(), nullptr, 10);
    const auto ports = values(f[1]);
    fr.src_port = ports.empty() ? 0 : ports.front();
    fr.chunk_types = values(f[2]);
    fr.tsns = values(f[3]);
    fr.malformed = !f[4].empty();
    fr.severities = values(f[5]);
    if (f.size() >= 9) {
      fr.decrypted = values(f[6]);
      fr.inner_types = values(f[7]);
      fr.km_epochs = values(f[8]);
    }
    frames.push_back(std::move(fr));
  }
  return frames;
}

// What one endpoint of the demo reported about the DATA it sent.
struct SideReport {
  std::string name;
  long long sctp_port = 0;
  std::uint32_t initial_tsn = 0;
  std::uint32_t cum_acked = 0;
  long long data_chunks_seen = 0;
};

class DemoCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/sctps_demo_capture_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    pcap_ = dir_ + "/demo.pcap";
    keylog_ = dir_ + "/demo.keys";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A one-second demo with one rekey, captured with its key log; the server's UDP port (tshark
  // needs it to read the UDP payload as SCTP).
  void run_demo() {
    const auto r = run_cli("demo --duration 1 --rekeys 1 --no-bulk --quiet --json --pcap " + pcap_ +
                               " --keylog " + keylog_,
                           std::chrono::seconds(120));
    ASSERT_EQ(r.exit_code, 0) << r.all();
    demo_ = Json::parse(r.out);
    ASSERT_TRUE(demo_["ok"].boolean()) << r.out;
    ASSERT_TRUE(demo_["shutdown_graceful"].boolean()) << r.out;
    ASSERT_EQ(demo_["rekeys_completed"].integer(), 1) << r.out;
    // A side whose INIT or last SACK the demo did not see reports null: nothing to compare.
    ASSERT_EQ(r.out.find(":null"), std::string::npos) << r.out;
    // The first packet is the client's INIT to the server's port.
    const auto first = run_program(
        split_args("tshark -n -r " + pcap_ + " -c 1 -T fields -e udp.dstport -e sctp.chunk_type"),
        kTshark);
    ASSERT_EQ(first.exit_code, 0) << first.all();
    const auto f = split(first.out.substr(0, first.out.find('\n')), '\t');
    ASSERT_EQ(f.size(), 2u) << first.out;
    server_udp_port_ = std::atoi(f[0].c_str());
    ASSERT_GT(server_udp_port_, 0) << first.out;
    client_ = side("client");
    server_ = side("server");
  }

  SideReport side(const std::string& name) const {
    const Json& s = demo_[name];
    SideReport r;
    r.name = name;
    r.initial_tsn = static_cast<std::uint32_t>(s["initial_tsn"].integer());
    r.cum_acked = static_cast<std::uint32_t>(s["cum_tsn_acked_by_peer"].integer());
    r.data_chunks_seen = s["data_chunks_seen_on_wire"].integer();
    return r;
  }

  // tshark on `file`, `extra` options; one Frame per packet.
  std::vector<Frame> frames(const std::string& file, const std::string& extra,
                            std::chrono::seconds timeout = kTshark) {
    const auto r = run_program(split_args("tshark -n -r " + file + " -d udp.port==" +
                                          std::to_string(server_udp_port_) + ",sctp " + extra),
                               timeout);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse_frames(r.out);
  }

  // The INIT comes from the client: its SCTP source port names the direction of every packet.
  void learn_ports(const std::vector<Frame>& fs) {
    ASSERT_FALSE(fs.empty());
    ASSERT_EQ(fs.front().chunk_types, std::vector<long long>{1}) << fs.front().line;
    client_.sctp_port = fs.front().src_port;
    for (const Frame& f : fs) {
      if (f.src_port != client_.sctp_port) server_.sctp_port = f.src_port;
    }
    ASSERT_NE(server_.sctp_port, 0);
  }

  std::string lua() const { return std::string(" -X lua_script:") + SCTPS_LUA_DISSECTOR + " "; }

  std::string dir_, pcap_, keylog_;
  Json demo_;
  int server_udp_port_ = 0;
  SideReport client_, server_;
};

// The DATA chunks each side sent, as seen in `frames`: each TSN of the side's range (initial TSN
// to the cumulative TSN its peer acknowledged, serial arithmetic, RFC 9260 §1.6) at least once,
// none outside it, as many chunks as the demo's own view of the wire counted.
void expect_tsns_match(const std::vector<Frame>& frames, const SideReport& side,
                       bool only_clear = false) {
  SCOPED_TRACE(side.name);
  const std::uint32_t span = side.cum_acked - side.initial_tsn + 1;
  std::set<std::uint32_t> seen;
  long long chunks = 0, outside = 0;
  for (const Frame& f : frames) {
    if (f.src_port != side.sctp_port) continue;
    for (const long long tsn : f.tsns) {
      const auto offset =
          static_cast<std::uint32_t>(static_cast<std::uint32_t>(tsn) - side.initial_tsn);
      if (offset >= span && ++outside <= 5) {
        ADD_FAILURE() << "TSN " << tsn << " outside the range, frame " << f.line;
      }
      seen.insert(static_cast<std::uint32_t>(tsn));
      ++chunks;
    }
  }
  EXPECT_EQ(outside, 0);
  if (only_clear) {
    EXPECT_TRUE(seen.count(side.initial_tsn)) << "the TLS handshake's first DATA chunk";
    return;
  }
  EXPECT_EQ(seen.size(), span);
  EXPECT_EQ(chunks, side.data_chunks_seen);
}

void expect_nothing_malformed(const std::vector<Frame>& frames) {
  std::size_t malformed = 0, warnings = 0;
  for (const Frame& f : frames) {
    if (f.malformed && ++malformed <= 5) ADD_FAILURE() << "malformed: " << f.line;
    for (const long long s : f.severities) {
      if (s >= kSeverityWarn && ++warnings <= 5) ADD_FAILURE() << "expert warning: " << f.line;
    }
  }
  EXPECT_EQ(malformed, 0u);
  EXPECT_EQ(warnings, 0u);
}

TEST_F(DemoCapture, DissectorDecryptsEveryPacketAsTheEndpointsReport) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  ASSERT_NO_FATAL_FAILURE(run_demo());
  const auto fs = frames(
      pcap_, lua() + "-o sctps_dtls.keylog_file:" + keylog_ + " " + kFields + kDissectorFields,
      kSlowTshark);
  ASSERT_GT(fs.size(), 1000u);
  ASSERT_NO_FATAL_FAILURE(learn_ports(fs));

  std::size_t protected_frames = 0, rekey_km = 0, first_protected = 0;
  std::set<long long> inner;
  for (const Frame& f : fs) {
    SCOPED_TRACE(f.line);
    if (f.has_dtls_chunk()) {
      if (protected_frames++ == 0) first_protected = static_cast<std::size_t>(f.number) - 1;
      // One DTLS chunk per packet, opened with the key log.
      ASSERT_EQ(f.decrypted, std::vector<long long>{1});
      // The stock SCTP dissector found in the plaintext the chunks the dissector listed.
      ASSERT_FALSE(f.inner_types.empty());
      ASSERT_EQ(f.payload_types(), f.inner_types);
      inner.insert(f.inner_types.begin(), f.inner_types.end());
    } else {
      ASSERT_TRUE(f.decrypted.empty());
      ASSERT_TRUE(f.inner_types.empty());
    }
    for (const long long epoch : f.km_epochs) {
      ASSERT_TRUE(epoch == 3 || epoch == 4);
      // The rekey's handshake (epoch 4) only inside DTLS chunks (porfiri §6.2).
      if (epoch == 4) {
        ASSERT_TRUE(f.has_dtls_chunk());
        ++rekey_km;
      }
    }
  }
  // Every packet the client protected or opened is in its capture (and a few of the shutdown,
  // after its last statistics snapshot).
  const Json& c = demo_["client"];
  EXPECT_GE(protected_frames, static_cast<std::size_t>(c["protected_sent"].integer() +
                                                       c["protected_received"].integer()));
  // Strict protection: in clear only the association's handshake and the TLS handshake, then
  // every packet a DTLS chunk.
  EXPECT_GE(fs.size() - protected_frames, 4u);
  EXPECT_EQ(first_protected, fs.size() - protected_frames);
  // The rekey: the TLS handshake of epoch 4 (ClientHello, ServerHello … Finished) and the peer's
  // Protection Established.
  EXPECT_GE(rekey_km, 3u);
  // Traffic, acknowledgements and the graceful shutdown all travelled protected.
  for (const long long t :
       {kChunkData, kChunkSack, kChunkShutdown, kChunkShutdownAck, kChunkShutdownComplete}) {
    EXPECT_TRUE(inner.count(t)) << "no inner chunk of type " << t;
  }
  expect_tsns_match(fs, client_);
  expect_tsns_match(fs, server_);
  expect_nothing_malformed(fs);

  // decrypt-pcap, written independently of the Lua dissector, gives stock tshark the same
  // chunks and TSNs, packet by packet.
  const std::string plain = dir_ + "/plain.pcap";
  const auto d = run_cli("decrypt-pcap " + pcap_ + " " + keylog_ + " " + plain + " --json");
  ASSERT_EQ(d.exit_code, 0) << d.all();
  EXPECT_EQ(json_number(d.out, "decrypted"), static_cast<double>(protected_frames)) << d.out;
  const auto stock = frames(plain, kFields);
  ASSERT_EQ(stock.size(), fs.size());
  for (std::size_t i = 0; i < fs.size(); ++i) {
    SCOPED_TRACE(fs[i].line);
    ASSERT_EQ(stock[i].chunk_types, fs[i].payload_types()) << stock[i].line;
    ASSERT_EQ(stock[i].tsns, fs[i].tsns) << stock[i].line;
  }
}

TEST_F(DemoCapture, WithoutTheKeyLogPacketsAreShownNotDecrypted) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  ASSERT_NO_FATAL_FAILURE(run_demo());
  const auto fs = frames(pcap_, lua() + kFields + kDissectorFields + " -e _ws.expert.message");
  ASSERT_GT(fs.size(), 1000u);
  ASSERT_NO_FATAL_FAILURE(learn_ports(fs));
  std::size_t protected_frames = 0, clear_km = 0;
  for (const Frame& f : fs) {
    SCOPED_TRACE(f.line);
    if (f.has_dtls_chunk()) {
      ++protected_frames;
      // Shown as a DTLS chunk alone, marked not decrypted with the note that says why.
      ASSERT_EQ(f.chunk_types, std::vector<long long>{kChunkDtls});
      ASSERT_EQ(f.decrypted, std::vector<long long>{0});
      ASSERT_TRUE(f.inner_types.empty());
      ASSERT_TRUE(f.tsns.empty());
      ASSERT_NE(f.line.find("Not decrypted: no key log configured"), std::string::npos);
    }
    // Only the initial handshake's key-management messages travel in clear.
    for (const long long epoch : f.km_epochs) {
      ASSERT_EQ(epoch, 3);
      ++clear_km;
    }
  }
  const Json& c = demo_["client"];
  EXPECT_GE(protected_frames, static_cast<std::size_t>(c["protected_sent"].integer() +
                                                       c["protected_received"].integer()));
  EXPECT_GE(clear_km, 3u);  // ClientHello, ServerHello …, client Finished flight
  // The DATA in clear (the initial TLS handshake) is the beginning of each side's range.
  expect_tsns_match(fs, client_, true);
  expect_tsns_match(fs, server_, true);
  expect_nothing_malformed(fs);
}

TEST_F(DemoCapture, DecryptPcapShowsStockTsharkTheInnerTraffic) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  ASSERT_NO_FATAL_FAILURE(run_demo());
  const std::string plain = dir_ + "/plain.pcap";
  const auto d = run_cli("decrypt-pcap " + pcap_ + " " + keylog_ + " " + plain + " --json");
  ASSERT_EQ(d.exit_code, 0) << d.all();
  const auto protected_packets = json_number(d.out, "protected");
  ASSERT_TRUE(protected_packets) << d.out;
  EXPECT_EQ(json_number(d.out, "decrypted"), protected_packets) << d.out;
  EXPECT_EQ(json_number(d.out, "kept"), 0) << d.out;

  // Stock tshark, no plugin.
  const auto fs = frames(plain, kFields);
  ASSERT_GT(fs.size(), 1000u);
  ASSERT_NO_FATAL_FAILURE(learn_ports(fs));
  std::set<long long> types;
  for (const Frame& f : fs) {
    EXPECT_FALSE(f.chunk_types.empty()) << f.line;
    types.insert(f.chunk_types.begin(), f.chunk_types.end());
  }
  EXPECT_FALSE(types.count(kChunkDtls)) << "a DTLS chunk left in the decrypted capture";
  for (const long long t :
       {kChunkData, kChunkSack, kChunkShutdown, kChunkShutdownAck, kChunkShutdownComplete}) {
    EXPECT_TRUE(types.count(t)) << "no chunk of type " << t;
  }
  expect_tsns_match(fs, client_);
  expect_tsns_match(fs, server_);
  expect_nothing_malformed(fs);
}

}  // namespace
}  // namespace sctps::test
