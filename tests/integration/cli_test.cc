// The `sctps` binary as server and client on loopback (127.0.0.0/8, ephemeral UDP ports, bounded
// time): echo check with JSON and text summaries, several --listen and --bind addresses
// (multihoming), raw IP, streams, unordered delivery, rate, duration, statistics lines, tuning
// options, --help everywhere, and the one-line errors and exit codes for bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cli_runner.h"

namespace sctps::test {
namespace {

using namespace std::chrono_literals;

std::string to_server(const CliServer& server) {
  return " --remote-udp-port " + std::to_string(server.udp_port) + " ";
}

// The number of lines of `text`.
std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Cli, EchoCheckSucceedsWithJsonSummary) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0) << server.process().err();
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 1000 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(lines(r.out), 1u) << r.out;  // stdout: the summary alone
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_sent"), 1000) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_received"), 1000) << r.out;
  EXPECT_NE(r.out.find("\"verified\":true"), std::string::npos) << r.out;
  EXPECT_TRUE(json_number(r.out, "rtt_p99_us").has_value()) << r.out;
  const auto s = server.stop();
  EXPECT_EQ(s.exit_code, 0) << s.all();
  EXPECT_EQ(json_number(s.out, "messages", "\"summary\""), 1000) << s.out;
  EXPECT_EQ(json_number(s.out, "echoed", "\"summary\""), 1000) << s.out;
  EXPECT_EQ(json_number(s.out, "associations", "\"summary\""), 1) << s.out;
  EXPECT_NE(s.out.find("\"event\":\"down\""), std::string::npos) << s.out;  // client shut down
}

TEST(Cli, TextSummary) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 200 --size 100");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("sent 200 messages (20000 bytes), received 200 (20000 bytes)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("RTT p50 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all 200 echoes verified"), std::string::npos) << r.out;
}

TEST(Cli, NothingListeningFailsWithOneLine) {
  const auto r =
      run_cli("client --connect 127.0.0.1:5000 --remote-udp-port 9 --connect-timeout 3 --count 1");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("sctps client: association failed"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.all()), 1u) << r.all();
}

TEST(Cli, CannotBindIsAFailure) {
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is not an address of this host: bind fails, nothing is sent.
  const auto r = run_cli("server --listen 192.0.2.1:5000 --udp-port 0");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("cannot bind 192.0.2.1"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.all()), 1u) << r.all();
}

TEST(Cli, HelpOnEverySubcommand) {
  for (const char* sub : {"server", "client", "relay", "decode"}) {
    const auto r = run_cli(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.all();
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << sub << ": " << r.out;
  }
  const auto server = run_cli("server --help");
  for (const char* option :
       {"--listen", "--udp-port", "--streams", "--echo", "--discard", "--stats-interval", "--json",
        "--rto-min", "--hb-interval", "Exit codes"}) {
    EXPECT_NE(server.out.find(option), std::string::npos) << option;
  }
  const auto client = run_cli("client --help");
  for (const char* option :
       {"--connect", "--bind", "--udp-port", "--remote-udp-port", "--raw", "--local-port",
        "--streams", "--size", "--count", "--duration", "--unordered", "--rate", "--echo-check",
        "--json", "--stats-interval", "--rto-initial", "--path-max-retrans", "Exit codes"}) {
    EXPECT_NE(client.out.find(option), std::string::npos) << option;
  }
}

struct BadCase {
  const char* args;
  const char* message;
};

TEST(Cli, BadOptionsNamedPreciselyOnOneLineWithExitCode2) {
  const BadCase cases[] = {
      {"client --connect 127.0.0.1 --count 1", "--connect: expected HOST:PORT"},
      {"client --connect 127.0.0.1:0 --count 1", "SCTP port must be 1-65535, got 0"},
      {"client --connect 0.0.0.0:5000", "the wildcard address is not a peer address"},
      {"client --connect 127.0.0.1:5000 --count 3 --duration 2", "--count excludes --duration"},
      {"client --connect 127.0.0.1:5000 --local-port 0", "--local-port"},
      {"client --connect 127.0.0.1:5000 --echo-check --size 4", "--echo-check needs --size"},
      {"client --connect 127.0.0.1:5000 --bind ::1", "different address families"},
      {"client --connect 127.0.0.1:5000 --bind ::1 --bind ::2", "--bind: no address is IPv4"},
      {"client --connect 127.0.0.1:5000 --bind 127.0.0.1:4000", "--bind: expected an IP address"},
      {"client --connect 127.0.0.1:5000 --bind 127.0.0.2 --bind 127.0.0.2", "given twice"},
      {"client --connect 127.0.0.1:5000 --bind 0.0.0.0 --bind 127.0.0.2",
       "the IPv4 wildcard cannot be combined"},
      {"client --connect 127.0.0.1:5000 --rto-min 500 --rto-max 400",
       "RTO.Min 500 ms (--rto-min) is above RTO.Max 400 ms"},
      {"client --connect 127.0.0.1:5000 --rto-initial 100", "RTO.Initial 100 ms (--rto-initial)"},
      {"client --connect 127.0.0.1:5000 --remote-udp-port 0", "--remote-udp-port"},
      {"client --connect 127.0.0.1:5000 --streams 70000", "--streams"},
      {"client --connect 127.0.0.1:5000 --rate -3", "--rate"},
      {"client --connect 127.0.0.1:5000 --no-such-option", "--no-such-option"},
      {"client --connect 127.0.0.1:5000 --raw --remote-udp-port 9899", "excludes --raw"},
      {"client --connect 127.0.0.1:5000 --raw --udp-port 0", "excludes --raw"},
      {"server --listen 127.0.0.1:5000 --raw --udp-port 0", "excludes --raw"},
      {"server --listen 127.0.0.1:5000 --echo --discard", "--echo excludes --discard"},
      {"server --listen 127.0.0.1:5000 --listen 127.0.0.2:5001",
       "every address must use the same SCTP port"},
      {"server --listen 127.0.0.1:5000 --listen [::1]:5001",
       "every address must use the same SCTP port"},
      {"server --listen 127.0.0.1:5000 --listen 127.0.0.1:5000",
       "--listen 127.0.0.1:5000 given twice"},
      {"server --listen 0.0.0.0:5000 --listen 127.0.0.1:5000",
       "the IPv4 wildcard cannot be combined"},
      {"server --listen localhost:5000", "--listen: expected HOST:PORT with an IP address"},
      {"server --listen 127.0.0.1:5000 --udp-port 70000", "--udp-port"},
      {"server --listen 127.0.0.1:5000 --hb-interval -1", "--hb-interval"},
      {"server --udp-port 0", "--listen is required"},
      {"server --listen 127.0.0.1:5000 --resume",
       "key-management options need --protect strict or --protect loose"},
      {"server --listen 127.0.0.1:5000 --protect strict --psk-file /dev/null --resume",
       "--resume is for TLS key management, not --km psk"},
      {"relay --listen 127.0.0.1:0 --to 127.0.0.1:0", "--to: expected the server's HOST:PORT"},
      {"relay --listen 127.0.0.1 --to 127.0.0.1:9899", "--listen: expected HOST:PORT"},
      {"relay --listen [::1]:0 --to 127.0.0.1:9899", "different address families"},
      {"relay --listen 127.0.0.1:0 --to 127.0.0.1:9899 --loss 1.5", "--loss"},
      {"nonsense", "A subcommand is required"},
  };
  for (const BadCase& c : cases) {
    const auto r = run_cli(c.args, 10s);
    EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.all();
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(lines(r.all()), 1u) << c.args << ": " << r.all();
    EXPECT_TRUE(r.out.empty()) << c.args << ": " << r.out;
  }
}

TEST(Cli, MixedFamiliesWithOnePortAreAccepted) {
  CliServer server("--listen 127.0.0.1:5000 --listen [::1]:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0) << server.process().err();
  EXPECT_NE(server.process().out().find("\"addresses\":[\"127.0.0.1\",\"::1\"]"), std::string::npos)
      << server.process().out();
  const auto r = run_cli("client --connect [::1]:5000" + to_server(server) +
                         "--echo-check --count 100 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "messages_received"), 100) << r.out;
}

// Several --listen addresses: the INIT ACK lists them all (RFC 9260 §5.1.2), so the client's
// association has a path to each.
TEST(Cli, MultihomedServerAdvertisesEveryListenAddress) {
  CliServer server("--listen 127.0.0.1:5000 --listen 127.0.0.2:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0) << server.process().err();
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 300 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const std::string up = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(up.find("\"event\":\"up\""), std::string::npos) << r.err;
  EXPECT_NE(up.find("\"127.0.0.1\""), std::string::npos) << up;
  EXPECT_NE(up.find("\"127.0.0.2\""), std::string::npos) << up;
  EXPECT_EQ(json_number(r.out, "messages_received"), 300) << r.out;
}

// Several --bind addresses: the INIT lists them (§5.1.2), the server sees the client at each.
TEST(Cli, ClientBindsSeveralAddresses) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000 --bind 127.0.0.3 --bind 127.0.0.4" +
                         to_server(server) + "--echo-check --count 300 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "messages_received"), 300) << r.out;
  const auto s = server.stop();
  std::string up;
  for (std::size_t at = 0; at < s.out.size();) {
    const auto end = s.out.find('\n', at);
    const std::string line = s.out.substr(at, end - at);
    if (line.find("\"event\":\"up\"") != std::string::npos) up = line;
    at = end == std::string::npos ? s.out.size() : end + 1;
  }
  EXPECT_NE(up.find("\"127.0.0.3\""), std::string::npos) << s.out;
  EXPECT_NE(up.find("\"127.0.0.4\""), std::string::npos) << s.out;
}

// --streams and --unordered reach the wire: the server counts the streams used and the messages
// flagged unordered (U bit, §3.3.1).
TEST(Cli, StreamsAndUnorderedReachTheServer) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0);
  auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                   "--echo-check --count 200 --streams 5 --unordered --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "streams"), 5) << r.out;
  EXPECT_NE(r.out.find("\"unordered\":true"), std::string::npos) << r.out;
  const auto s = server.stop();
  EXPECT_EQ(json_number(s.out, "streams_used", "\"summary\""), 5) << s.out;
  EXPECT_EQ(json_number(s.out, "unordered", "\"summary\""), 200) << s.out;

  CliServer ordered("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(ordered.udp_port, 0);
  r = run_cli("client --connect 127.0.0.1:5000" + to_server(ordered) +
              "--echo-check --count 200 --streams 3 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const auto s2 = ordered.stop();
  EXPECT_EQ(json_number(s2.out, "streams_used", "\"summary\""), 3) << s2.out;
  EXPECT_EQ(json_number(s2.out, "unordered", "\"summary\""), 0) << s2.out;
}

// The server allows fewer streams than the client asks for: the client uses what was agreed.
TEST(Cli, StreamsNegotiatedDown) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo --streams 2");
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 100 --streams 8 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "streams"), 2) << r.out;
  const auto s = server.stop();
  EXPECT_EQ(json_number(s.out, "streams_used", "\"summary\""), 2) << s.out;
}

TEST(Cli, RateLimitsSending) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0);
  // 40 messages at 50/s: the last one goes out at about 0.78 s.
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 40 --rate 50 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const auto secs = json_number(r.out, "seconds");
  ASSERT_TRUE(secs) << r.out;
  EXPECT_GE(*secs, 0.7) << r.out;
  EXPECT_LT(*secs, 5.0) << r.out;
  EXPECT_LE(*json_number(r.out, "messages_per_s"), 60) << r.out;
}

TEST(Cli, DurationBoundsTheRun) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --duration 1 --rate 200 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const auto secs = json_number(r.out, "seconds");
  const auto sent = json_number(r.out, "messages_sent");
  ASSERT_TRUE(secs && sent) << r.out;
  EXPECT_GE(*secs, 1.0) << r.out;
  EXPECT_LT(*secs, 5.0) << r.out;
  EXPECT_GE(*sent, 100) << r.out;  // 200/s for 1 s (a loaded machine may lag)
  EXPECT_LE(*sent, 205) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_received"), *sent) << r.out;
}

TEST(Cli, StatsIntervalPrintsPeriodicLines) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo --stats-interval 0.2");
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --duration 1.2 --rate 100 --stats-interval 0.25 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_GE(count_lines_with(r.err, "\"event\":\"progress\""), 3u) << r.err;
  EXPECT_TRUE(json_number(r.err, "retransmissions", "\"progress\"").has_value()) << r.err;
  const auto s = server.stop();
  EXPECT_GE(count_lines_with(s.out, "\"event\":\"stats\""), 4u) << s.out;
  EXPECT_GT(*json_number(s.out, "mbit_per_s", "\"stats\""), 0.0) << s.out;

  // Text form, and 0 turns the client's progress off.
  ChildProcess text({SCTPS_CLI_PATH, "server", "--listen", "127.0.0.1:5000", "--udp-port", "0",
                     "--echo", "--stats-interval", "0.2"});
  ASSERT_TRUE(text.wait_output(
      [](const std::string& out) { return out.find("UDP port ") != std::string::npos; }, 10s))
      << text.err();
  // "listening on 127.0.0.1 (SCTP port 5000, UDP port 40000), echo"
  const std::string listening = text.out();
  const int port = std::atoi(listening.c_str() + listening.find("UDP port ") + 9);
  const auto quiet =
      run_cli("client --connect 127.0.0.1:5000 --remote-udp-port " + std::to_string(port) +
              " --echo-check --count 60 --rate 100 --stats-interval 0");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.all();
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
  EXPECT_NE(quiet.out.find("all 60 echoes verified"), std::string::npos) << quiet.out;
  text.wait_output([](const std::string& out) { return count_lines_with(out, " Mbit/s, ") >= 2; },
                   5s);
  text.signal(SIGTERM);
  EXPECT_EQ(text.wait_exit(10s), 0);
  const std::string out = text.out();
  // "1 associations, 60 messages, 61440 bytes, 0.983 Mbit/s, 0 retransmissions"
  EXPECT_GE(count_lines_with(out, " Mbit/s, "), 2u) << out;
  EXPECT_NE(out.find("summary: 1 associations, 60 messages (0 unordered) on 16 streams"),
            std::string::npos)
      << out;
}

// SCTP directly over IP (protocol 132) with --raw on both sides. Needs CAP_NET_RAW and no kernel
// SCTP module (it would answer with ABORT). Raw sockets see every SCTP packet of the host, so the
// SCTP port is chosen per process to keep clear of other tests running at the same time.
TEST(Cli, RawIpEchoCheck) {
  if (geteuid() != 0) GTEST_SKIP() << "raw IP sockets need root (CAP_NET_RAW)";
  if (access("/proc/net/sctp", F_OK) == 0) {
    GTEST_SKIP() << "the kernel SCTP module is loaded; it would answer raw SCTP with ABORT";
  }
  const std::string port = std::to_string(20000 + getpid() % 20000);
  CliServer server("--raw --listen 127.0.0.1:" + port + " --echo");
  ASSERT_TRUE(server.listening) << server.process().err();
  EXPECT_NE(server.process().out().find("\"transport\":\"raw\""), std::string::npos);
  const auto r =
      run_cli("client --raw --connect 127.0.0.1:" + port + " --echo-check --count 500 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "messages_received"), 500) << r.out;
  const auto s = server.stop();
  EXPECT_EQ(json_number(s.out, "messages", "\"summary\""), 500) << s.out;
}

// Tuning options reach the engine: a short heartbeat interval makes heartbeats on the idle second
// path within a one-second run (the default interval is 30 s).
TEST(Cli, TuningOptionsAreAccepted) {
  CliServer server(
      "--listen 127.0.0.1:5000 --listen 127.0.0.2:5000 --udp-port 0 --echo --rto-min 50 "
      "--rto-initial 200 --rto-max 2000 --hb-interval 0.1 --path-max-retrans 3 "
      "--assoc-max-retrans 8 --mtu 1400");
  ASSERT_GT(server.udp_port, 0) << server.process().err();
  const auto r =
      run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
              "--echo-check --duration 1 --rate 50 --size 1300 --rto-min 50 --rto-initial 200 "
              "--hb-interval 0.1 --mtu 1400 --json");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_GE(*json_number(r.out, "messages_received"), 40) << r.out;
}

}  // namespace
}  // namespace sctps::test

namespace sctps::test {
namespace {

// --protect with --psk-file: the DTLS chunk with pre-shared keys (docs/psk.md); every echoed
// message arrives protected, and a protection option without keys is a usage error.
TEST(CliProtection, StrictWithPreSharedKeysProtectsEveryMessage) {
  const std::string psk = ::testing::TempDir() + "/cli_protection.psk";
  {
    std::ofstream f(psk);
    f << "[peer *]\nsuite = TLS_AES_128_GCM_SHA256\n"
      << "client_key = " << std::string(32, '1') << "\nclient_iv = " << std::string(24, '2')
      << "\nclient_sn_key = " << std::string(32, '3') << "\nserver_key = " << std::string(32, '4')
      << "\nserver_iv = " << std::string(24, '5') << "\nserver_sn_key = " << std::string(32, '6')
      << "\n";
  }
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo --protect strict --psk-file " +
                   psk);
  ASSERT_GT(server.udp_port, 0);
  const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                         "--echo-check --count 500 --json --protect strict --psk-file " + psk);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("\"protection\":\"protected\""), std::string::npos) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_received_protected"), 500) << r.out;
  const auto s = server.stop();
  EXPECT_NE(s.out.find("\"event\":\"protected\""), std::string::npos) << s.out;
  std::remove(psk.c_str());
}

TEST(CliProtection, ProtectionWithoutKeysIsAUsageError) {
  const auto r = run_cli("client --connect 127.0.0.1:5000 --protect strict");
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("--psk-file"), std::string::npos) << r.err;
}

// `sctps gen-certs`: the five files, private keys 0600, no silent overwrite.
TEST(CliGenCerts, WritesCaServerAndClientFiles) {
  const std::string dir = ::testing::TempDir() + "/sctps_gen_certs_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto r = run_cli("gen-certs --out " + dir + " --cn 10.1.2.3");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  for (const char* f : {"ca.pem", "server.pem", "server.key", "client.pem", "client.key"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  }
  for (const char* f : {"server.key", "client.key"}) {
    const auto perms = std::filesystem::status(dir + "/" + f).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << f;
  }
  std::ifstream pem(dir + "/server.pem");
  const std::string text((std::istreambuf_iterator<char>(pem)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  r = run_cli("gen-certs --out " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("overwrite"), std::string::npos) << r.err;
  r = run_cli("gen-certs --out " + dir + " --force");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  std::filesystem::remove_all(dir);
}

// TLS 1.3 key management (method 192) with certificates from gen-certs: every echoed message
// protected; a client expecting another name refuses the server's certificate, with the reason,
// and the server reads the client's alert.
TEST(CliProtection, TlsWithGeneratedCertificates) {
  const std::string dir = ::testing::TempDir() + "/sctps_cli_tls_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(run_cli("gen-certs --out " + dir).exit_code, 0);
  const std::string server_tls = " --protect strict --cert " + dir + "/server.pem --key " + dir +
                                 "/server.key --ca " + dir + "/ca.pem";
  const std::string client_tls = " --protect strict --cert " + dir + "/client.pem --key " + dir +
                                 "/client.key --ca " + dir + "/ca.pem ";
  {
    CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo" + server_tls);
    ASSERT_GT(server.udp_port, 0);
    const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
                           "--echo-check --count 300 --json" + client_tls);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(json_number(r.out, "messages_received_protected"), 300) << r.out;
    const auto s = server.stop();
    EXPECT_NE(s.out.find("\"method\":192"), std::string::npos) << s.out;
  }
  {
    CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo" + server_tls);
    ASSERT_GT(server.udp_port, 0);
    const auto r = run_cli("client --connect 127.0.0.1:5000" + to_server(server) + "--count 10" +
                           client_tls + "--peer-name db.example");
    EXPECT_EQ(r.exit_code, 1) << r.all();
    EXPECT_NE(r.err.find("does not name db.example"), std::string::npos) << r.err;
    // The client's TLS alert reaches the server before its ABORT (porfiri §7): the server's
    // report names it.
    const auto s = server.stop();
    EXPECT_NE(s.out.find("peer rejected the handshake; peer sent alert bad certificate"),
              std::string::npos)
        << s.out;
  }
  std::filesystem::remove_all(dir);
}

// Issue #6: 100,000 echoes verified byte for byte, protected, with a rekey every second on both
// sides while they flow; both summaries show the suite, the epochs and the rekeys.
TEST(CliProtection, HundredThousandEchoesWithARekeyEverySecond) {
  const std::string dir = ::testing::TempDir() + "/sctps_cli_rekey_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(run_cli("gen-certs --out " + dir).exit_code, 0);
  const std::string rekey = " --rekey-interval 1 ";
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo --json --protect strict --cert " +
                   dir + "/server.pem --key " + dir + "/server.key --ca " + dir + "/ca.pem" +
                   rekey);
  ASSERT_GT(server.udp_port, 0);
  // A rate the slowest CI build (sanitizers) sustains, so that the run spans several seconds.
  const auto r =
      run_cli("client --connect 127.0.0.1:5000" + to_server(server) +
              "--echo-check --count 100000 --size 100 --rate 20000 --json --protect "
              "strict --cert " +
              dir + "/client.pem --key " + dir + "/client.key --ca " + dir + "/ca.pem" + rekey);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "messages_received"), 100000) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_received_protected"), 100000) << r.out;
  EXPECT_NE(r.out.find("\"cipher_suite\":\"TLS_AES_128_GCM_SHA256\""), std::string::npos) << r.out;
  EXPECT_GE(json_number(r.out, "rekeys"), 3) << r.out;
  const auto s = server.stop();
  EXPECT_NE(s.out.find("\"event\":\"rekeyed\""), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("\"epochs\":[3,"), std::string::npos) << s.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sctps::test
