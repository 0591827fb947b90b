// Runtime over the transports other than IPv4 UDP encapsulation: UDP encapsulation over IPv6
// ([::1]) and SCTP directly over IP (protocol 132, raw sockets) over IPv4 and IPv6 loopback.
// Associations come up and data is echoed byte for byte. Ephemeral ports, bounded time; skipped
// with the reason where the machine cannot do it (no IPv6 loopback, no CAP_NET_RAW, or the
// kernel's sctp module loaded, which would abort our associations).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "net_test_util.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using testing::RuntimePair;
using Family = net::SocketAddress::Family;

// Sends messages of several sizes client → server, the server echoes them, the client checks
// them byte for byte.
void echo(RuntimePair& p) {
  const std::vector<std::size_t> sizes = {1, 100, 1400, 5000, 100000};
  std::vector<std::vector<std::uint8_t>> sent;
  for (std::size_t i = 0; i < sizes.size() * 2; ++i) {
    sent.push_back(net::testing::pattern(sizes[i % sizes.size()], static_cast<std::uint32_t>(i)));
  }
  std::size_t next = 0;
  std::size_t verified = 0;
  ASSERT_TRUE(p.run(
      [&] {
        while (next < sent.size()) {
          const auto status = p.client->send(p.client_id, static_cast<std::uint16_t>(next % 2),
                                             static_cast<std::uint32_t>(next), sent[next]);
          if (status == core::SendStatus::kWouldBlock) break;
          EXPECT_EQ(status, core::SendStatus::kOk);
          ++next;
        }
        for (const auto& e : p.server_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            EXPECT_EQ(p.server->send(m->id, m->message.stream.value(), m->message.ppid.value(),
                                     m->message.payload),
                      core::SendStatus::kOk);
          }
        }
        p.server_events.clear();
        for (const auto& e : p.client_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            EXPECT_EQ(m->message.payload, sent.at(m->message.ppid.value()));
            ++verified;
          }
        }
        p.client_events.clear();
        return verified == sent.size();
      },
      10000ms))
      << "verified " << verified << " of " << sent.size();
}

TEST(RuntimeTransport, UdpEncapsulationOverIpv6Loopback) {
  if (!net::testing::loopback_available(Family::kV6)) {
    GTEST_SKIP() << "no IPv6 loopback ([::1]) on this machine";
  }
  RuntimePair p(testing::loopback_options(Family::kV6, 5000),
                testing::loopback_options(Family::kV6, 5001));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  const auto* up = RuntimePair::find<core::AssociationUp>(p.client_events);
  ASSERT_NE(up, nullptr);
  ASSERT_FALSE(up->peer_addresses.empty());
  EXPECT_FALSE(up->peer_addresses.front().is_v4());
  echo(p);
  EXPECT_GT(p.client->counters().datagrams_out, 0u);
  EXPECT_EQ(p.client->counters().send_dropped, 0u);
}

// Why raw SCTP cannot run here, or empty.
std::string raw_sctp_unavailable() {
  std::error_code ec;
  if (std::filesystem::exists("/sys/module/sctp", ec) ||
      std::filesystem::exists("/proc/net/sctp", ec)) {
    return "the kernel's sctp module is loaded: it would answer our packets with ABORT";
  }
  return {};
}

// SCTP ports for raw tests: every raw SCTP socket sees every SCTP packet of the host, so tests
// running at the same time must not share ports.
std::uint16_t raw_port_base() {
  return static_cast<std::uint16_t>(20000 + (::getpid() % 10000) * 2);
}

class RuntimeRawIp : public ::testing::TestWithParam<Family> {};

TEST_P(RuntimeRawIp, AssociationAndEcho) {
  const Family family = GetParam();
  if (const auto why = raw_sctp_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (!net::testing::loopback_available(family)) {
    GTEST_SKIP() << "no " << net::testing::family_name(family) << " loopback";
  }
  RuntimeOptions server = testing::loopback_options(family, raw_port_base());
  RuntimeOptions client = testing::loopback_options(family, raw_port_base() + 1);
  server.transport = client.transport = Transport::kRawIp;
  auto probe = Runtime::create(server);
  if (!probe.ok() && (probe.error().code == EPERM || probe.error().code == EACCES)) {
    EXPECT_NE(probe.error().message.find("CAP_NET_RAW"), std::string::npos)
        << probe.error().message;
    GTEST_SKIP() << probe.error().message;
  }
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  probe = net::NetError{};  // frees the sockets for the pair
  RuntimePair p(server, client);
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.client->udp_port(), 0u);
  EXPECT_EQ(p.client->transport(), Transport::kRawIp);
  ASSERT_TRUE(p.up());
  echo(p);
  EXPECT_GT(p.client->counters().datagrams_out, 0u);
  EXPECT_GT(p.server->counters().datagrams_in, 0u);
  // Each saw the other's packets to its peer as well, and skipped them before the engine.
  EXPECT_GT(p.client->counters().raw_other_port, 0u);
  EXPECT_EQ(p.client->endpoint_stats().dropped_wrong_port, 0u);
  EXPECT_EQ(p.server->endpoint_stats().dropped_wrong_port, 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, RuntimeRawIp, ::testing::Values(Family::kV4, Family::kV6),
                         [](const ::testing::TestParamInfo<Family>& param_info) {
                           return net::testing::family_name(param_info.param);
                         });

// The error Runtime::create gives for raw IP without CAP_NET_RAW. As root, a child process gives
// up root (and with it every capability) first; the message comes back through a pipe.
std::string raw_ip_error_without_privilege() {
  const auto attempt = [] {
    RuntimeOptions o = testing::loopback_options(Family::kV4, raw_port_base());
    o.transport = Transport::kRawIp;
    auto r = Runtime::create(o);
    return r.ok() ? std::string("opened") : r.error().message;
  };
  if (::geteuid() != 0) return attempt();
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    ::close(fds[0]);
    std::string message =
        ::setgid(65534) == 0 && ::setuid(65534) == 0 ? attempt() : "setuid failed";
    const ssize_t written = ::write(fds[1], message.data(), message.size());
    ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[512];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n > 0) {
      message.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return message;
}

TEST(RuntimeTransport, RawIpWithoutCapabilitySaysWhatToDo) {
  const std::string message = raw_ip_error_without_privilege();
  if (message == "opened") GTEST_SKIP() << "this process has CAP_NET_RAW without being root";
  EXPECT_EQ(message,
            "raw IP SCTP needs CAP_NET_RAW (run as root or setcap), or use UDP encapsulation");
}

}  // namespace
}  // namespace sctps::api
