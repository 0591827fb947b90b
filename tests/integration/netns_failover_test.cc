// A multihomed association across a real (virtual) network: two network namespaces created by the
// test, joined by two veth pairs (10.200.1.0/24 and 10.200.2.0/24, which exist only inside them).
// `sctps server --listen A1 --listen A2 --echo` runs in one, `sctps client --bind B1 --bind B2
// --echo-check` in the other; mid-transfer the primary path's link goes down. The association must
// fail over to the second path (RFC 9260 §6.4, §8.2) and lose no message. Skipped where namespaces
// cannot be created (not root, no `ip`). The namespaces are removed at the end, even on failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace sctps::test {
namespace {

using namespace std::chrono_literals;

RunResult ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, 10s);
}

// Two namespaces and two veth pairs; the destructor deletes the namespaces (and with them the
// veths, which live only inside).
class TwoHostNetwork {
 public:
  TwoHostNetwork() {
    const std::string suffix = std::to_string(getpid());
    server_ns = "sctps-srv-" + suffix;
    client_ns = "sctps-cli-" + suffix;
    if (geteuid() != 0) {
      skip_reason = "network namespaces need root";
      return;
    }
    if (ip({"netns", "add", server_ns}).exit_code != 0) {
      skip_reason = "cannot create a network namespace (`ip netns add` failed or `ip` is missing)";
      return;
    }
    created_server_ = true;
    if (const auto r = ip({"netns", "add", client_ns}); r.exit_code != 0) {
      error = "ip netns add " + client_ns + ": " + r.err;
      return;
    }
    created_client_ = true;
    const std::vector<std::vector<std::string>> steps = {
        {"-n", server_ns, "link", "set", "lo", "up"},
        {"-n", client_ns, "link", "set", "lo", "up"},
        // The veths are created inside the server namespace with their peers in the client's, so
        // their names never meet the host's.
        {"-n", server_ns, "link", "add", "srv1", "type", "veth", "peer", "name", "cli1", "netns",
         client_ns},
        {"-n", server_ns, "link", "add", "srv2", "type", "veth", "peer", "name", "cli2", "netns",
         client_ns},
        {"-n", server_ns, "addr", "add", "10.200.1.1/24", "dev", "srv1"},
        {"-n", server_ns, "addr", "add", "10.200.2.1/24", "dev", "srv2"},
        {"-n", client_ns, "addr", "add", "10.200.1.2/24", "dev", "cli1"},
        {"-n", client_ns, "addr", "add", "10.200.2.2/24", "dev", "cli2"},
        {"-n", server_ns, "link", "set", "srv1", "up"},
        {"-n", server_ns, "link", "set", "srv2", "up"},
        {"-n", client_ns, "link", "set", "cli1", "up"},
        {"-n", client_ns, "link", "set", "cli2", "up"},
    };
    for (const auto& step : steps) {
      if (const auto r = ip(step); r.exit_code != 0) {
        std::string command = "ip";
        for (const auto& a : step) command += " " + a;
        // A kernel without veth support cannot run the test; anything else is a failure.
        if (std::find(step.begin(), step.end(), "veth") != step.end()) {
          skip_reason = "cannot create a veth pair (" + command + ": " + r.err + ")";
        } else {
          error = command + ": " + r.err;
        }
        return;
      }
    }
  }
  ~TwoHostNetwork() {
    if (created_client_) ip({"netns", "del", client_ns});
    if (created_server_) ip({"netns", "del", server_ns});
  }

  std::vector<std::string> in(const std::string& ns) const { return {"ip", "netns", "exec", ns}; }

  std::string server_ns, client_ns;
  std::string skip_reason;  // set: the machine cannot do this
  std::string error;        // set: setting up failed on a machine that should manage

 private:
  bool created_server_ = false;
  bool created_client_ = false;
};

// `server_extra` / `client_extra`: more options (protection); returns the client's stdout.
std::string run_failover(const TwoHostNetwork& net, const std::string& server_extra,
                         const std::string& client_extra) {
  // Short timers so that the path is declared down within about a second: three consecutive
  // timeouts (Path.Max.Retrans 2, §8.2) at RTO 100-400 ms; heartbeats every 200 ms find the
  // second path alive beforehand.
  const std::string tuning =
      " --rto-min 100 --rto-initial 200 --rto-max 400 --hb-interval 0.2 --path-max-retrans 2 "
      "--assoc-max-retrans 30 ";
  // Ephemeral UDP ports on both sides: before anything came from the other's second address,
  // each must send there to the UDP port learned from the first (RFC 6951 §5.4 learning; one
  // port per peer endpoint, as usrsctp keeps it).
  CliServer server(net.in(net.server_ns),
                   "--listen 10.200.1.1:5000 --listen 10.200.2.1:5000 --udp-port 0 --echo" +
                       tuning + server_extra);
  EXPECT_GT(server.udp_port, 0) << server.process().err();
  if (server.udp_port <= 0) return {};

  std::vector<std::string> argv = net.in(net.client_ns);
  argv.push_back(SCTPS_CLI_PATH);
  for (const auto& a : split_args("client --connect 10.200.1.1:5000 --bind 10.200.1.2 --bind "
                                  "10.200.2.2 --udp-port 0 --remote-udp-port " +
                                  std::to_string(server.udp_port) +
                                  " --echo-check --count 4000 --rate 800 --size 300 --json "
                                  "--stats-interval 0.5" +
                                  tuning + client_extra)) {
    argv.push_back(a);
  }
  ChildProcess client(argv);
  EXPECT_TRUE(client.started());
  if (!client.started()) return {};
  // Mid-transfer: once a few hundred echoes came back (the first progress line after 0.5 s).
  const bool progressed = client.wait_output(
      [](const std::string& err) {
        return err.find("\"event\":\"progress\"") != std::string::npos;
      },
      15s, true);
  EXPECT_TRUE(progressed) << client.err();
  if (!progressed) return {};
  const auto down = ip({"-n", net.client_ns, "link", "set", "cli1", "down"});
  EXPECT_EQ(down.exit_code, 0) << down.err;

  const auto code = client.wait_exit(50s);
  const std::string out = client.out(), err = client.err();
  std::printf("client stdout: %s\nclient stderr:\n%s\n", out.c_str(), err.c_str());
  EXPECT_TRUE(code.has_value()) << "client did not finish within 50 s";
  if (!code) return out;
  EXPECT_EQ(*code, 0) << err;
  EXPECT_EQ(json_number(out, "messages_sent"), 4000) << out;
  EXPECT_EQ(json_number(out, "messages_received"), 4000) << out;
  EXPECT_NE(out.find("\"verified\":true"), std::string::npos) << out;
  // The failover happened: the primary path was reported unreachable.
  EXPECT_NE(err.find("\"address\":\"10.200.1.1\",\"reachable\":false"), std::string::npos) << err;
  EXPECT_GE(json_number(out, "paths_down").value_or(0), 1) << out;

  const auto s = server.stop();
  EXPECT_EQ(json_number(s.out, "messages", "\"summary\""), 4000) << s.all();
  EXPECT_EQ(json_number(s.out, "rekeys", "\"summary\""), 0) << s.all();
  return out;
}

TEST(NetnsFailover, PrimaryLinkDownMidTransferLosesNothing) {
  TwoHostNetwork net;
  if (!net.skip_reason.empty()) GTEST_SKIP() << net.skip_reason;
  ASSERT_TRUE(net.error.empty()) << net.error;
  run_failover(net, "", "");
}

// Issue #6: the same with every packet protected (TLS 1.3 key management): the association moves
// to the second path with the keys it has (epoch 3 throughout, no new handshake) and loses
// nothing; the server's certificate names the address the client connects to.
TEST(NetnsFailover, ProtectedAssociationKeepsItsKeysAcrossTheFailover) {
  TwoHostNetwork net;
  if (!net.skip_reason.empty()) GTEST_SKIP() << net.skip_reason;
  ASSERT_TRUE(net.error.empty()) << net.error;
  const std::string dir = ::testing::TempDir() + "/sctps_netns_tls_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(run_cli("gen-certs --cn 10.200.1.1 --out " + dir).exit_code, 0);
  const std::string out = run_failover(net,
                                       " --protect strict --cert " + dir + "/server.pem --key " +
                                           dir + "/server.key --ca " + dir + "/ca.pem",
                                       " --protect strict --cert " + dir + "/client.pem --key " +
                                           dir + "/client.key --ca " + dir + "/ca.pem");
  EXPECT_EQ(json_number(out, "messages_received_protected"), 4000) << out;
  EXPECT_NE(out.find("\"epochs\":[3,3],\"rekeys\":0"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sctps::test
