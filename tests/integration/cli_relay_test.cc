// `sctps server --echo` and `sctps client --echo-check` through the lossy UDP relay (in this test
// process, on loopback): 10,000 messages echoed and verified byte for byte at 5 % loss in each
// direction, 20 ms delay with 10 ms jitter, reordering and duplication, with a fixed seed. Shorter
// RTO bounds (RFC 9260 §16 allows any) keep the run well under a minute. Then the same relay as
// the `sctps relay` command.
#include <gtest/gtest.h>

#include <string>

#include "cli_runner.h"
#include "support/lossy_relay.h"

namespace sctps::test {
namespace {

using namespace std::chrono_literals;
using net::Micros;
using net::SocketAddress;

TEST(CliRelay, TenThousandEchoesThroughALossyNetwork) {
  const std::string tuning = " --rto-min 200 --rto-initial 500 --rto-max 2000 ";
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo" + tuning);
  ASSERT_GT(server.udp_port, 0) << server.process().err();

  LossyRelayConfig config;
  config.listen = SocketAddress::loopback(SocketAddress::Family::kV4, 0);
  config.server = SocketAddress::loopback(SocketAddress::Family::kV4,
                                          static_cast<std::uint16_t>(server.udp_port));
  config.loss = 0.05;
  config.delay = Micros(20ms);
  config.jitter = Micros(10ms);
  config.reorder = 0.02;
  config.reorder_extra = Micros(15ms);
  config.duplicate = 0.01;
  config.seed = 20261122;
  config.max_run_time = Micros(110s);
  auto relay = BackgroundRelay::start(config);
  ASSERT_TRUE(relay.ok()) << relay.error().message;

  const auto start = std::chrono::steady_clock::now();
  const auto r = run_cli("client --connect 127.0.0.1:5000 --remote-udp-port " +
                             std::to_string((*relay)->address().port()) +
                             " --echo-check --count 10000 --size 200 --streams 4 --json "
                             "--stats-interval 5" +
                             tuning,
                         100s);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (*relay)->stop();
  const LossyRelayStats st = (*relay)->stats();
  std::printf("client: %s\n", r.out.c_str());
  std::printf(
      "relay: to server %llu received, %llu lost, %llu reordered, %llu duplicated; "
      "to client %llu received, %llu lost, %llu reordered, %llu duplicated; %.1f s\n",
      static_cast<unsigned long long>(st.to_server.received),
      static_cast<unsigned long long>(st.to_server.lost),
      static_cast<unsigned long long>(st.to_server.reordered),
      static_cast<unsigned long long>(st.to_server.duplicated),
      static_cast<unsigned long long>(st.to_client.received),
      static_cast<unsigned long long>(st.to_client.lost),
      static_cast<unsigned long long>(st.to_client.reordered),
      static_cast<unsigned long long>(st.to_client.duplicated), secs);

  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_sent"), 10000) << r.out;
  EXPECT_EQ(json_number(r.out, "messages_received"), 10000) << r.out;
  EXPECT_NE(r.out.find("\"verified\":true"), std::string::npos) << r.out;
  // The network did what it was asked to, and the association had to repair it.
  EXPECT_GT(st.to_server.lost, 0u);
  EXPECT_GT(st.to_client.lost, 0u);
  EXPECT_GT(st.to_server.reordered + st.to_client.reordered, 0u);
  EXPECT_GT(st.to_server.duplicated + st.to_client.duplicated, 0u);
  EXPECT_GT(*json_number(r.out, "retransmissions"), 0) << r.out;
  EXPECT_LT(secs, 100.0);

  const auto s = server.stop();
  EXPECT_EQ(s.exit_code, 0) << s.all();
  EXPECT_EQ(json_number(s.out, "messages", "\"summary\""), 10000) << s.out;
}

// The same relay as a command for users: `sctps relay` between server and client, stopped with
// SIGTERM, reports what it did to the datagrams.
TEST(CliRelay, RelayCommandCarriesAnAssociation) {
  CliServer server("--listen 127.0.0.1:5000 --udp-port 0 --echo");
  ASSERT_GT(server.udp_port, 0) << server.process().err();
  ChildProcess relay({SCTPS_CLI_PATH,
                      "relay",
                      "--listen",
                      "127.0.0.1:0",
                      "--to",
                      "127.0.0.1:" + std::to_string(server.udp_port),
                      "--loss",
                      "0.05",
                      "--delay",
                      "10",
                      "--jitter",
                      "5",
                      "--duplicate",
                      "0.02",
                      "--reorder",
                      "0.05",
                      "--seed",
                      "7",
                      "--stats-interval",
                      "0.5",
                      "--json"});
  ASSERT_TRUE(relay.wait_output(
      [](const std::string& out) { return out.find("\"udp_port\":") != std::string::npos; }, 10s))
      << relay.err();
  const auto relay_port = json_number(relay.out(), "udp_port", "\"listening\"");
  ASSERT_TRUE(relay_port.has_value());
  const auto r = run_cli("client --connect 127.0.0.1:5000 --remote-udp-port " +
                             std::to_string(static_cast<int>(*relay_port)) +
                             " --echo-check --count 2000 --size 100 --json --rto-min 100 "
                             "--rto-initial 300",
                         90s);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(json_number(r.out, "messages_received"), 2000) << r.out;
  relay.signal(SIGTERM);
  ASSERT_EQ(relay.wait_exit(10s), 0) << relay.err();
  const std::string out = relay.out();
  EXPECT_GE(count_lines_with(out, "\"event\":\"stats\""), 1u) << out;
  const std::string summary = out.substr(out.find("\"event\":\"summary\""));
  // {"event":"summary","to_server":{"received":..,"forwarded":..,"lost":..},"to_client":{..}}
  const std::string to_client = summary.substr(summary.find("\"to_client\""));
  EXPECT_GT(json_number(summary, "received").value_or(0), 0) << out;
  EXPECT_GT(json_number(summary, "lost").value_or(0), 0) << out;
  EXPECT_GT(json_number(to_client, "received").value_or(0), 0) << out;
  EXPECT_GT(json_number(to_client, "lost").value_or(0), 0) << out;
  EXPECT_GT(json_number(to_client, "forwarded").value_or(0), 0) << out;
}

}  // namespace
}  // namespace sctps::test
