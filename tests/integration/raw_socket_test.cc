// Raw SCTP sockets: with CAP_NET_RAW a packet sent to a loopback address comes back to the socket
// (IPv4 header removed, addresses right); without it open() fails with a message that says why.
#include "net/raw_socket.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "net_test_util.h"

namespace sctps::net {
namespace {

using namespace std::chrono_literals;
using testing::Family;

class RawSocketFamily : public ::testing::TestWithParam<Family> {};

INSTANTIATE_TEST_SUITE_P(Loopback, RawSocketFamily, ::testing::Values(Family::kV4, Family::kV6),
                         [](const auto& param_info) {
                           return testing::family_name(param_info.param);
                         });

bool is_privilege_error(const NetError& e) {
  return (e.code == EPERM || e.code == EACCES) &&
         e.message.find("CAP_NET_RAW") != std::string::npos &&
         e.message.find("UDP encapsulation") != std::string::npos;
}

TEST_P(RawSocketFamily, OpenEitherWorksOrSaysWhy) {
  if (!testing::loopback_available(GetParam())) GTEST_SKIP() << "no loopback of this family";
  auto raw = RawSocket::open(SocketAddress::any(GetParam(), 0));
  if (!raw) {
    EXPECT_TRUE(is_privilege_error(raw.error())) << raw.error().message;
    GTEST_SKIP() << "no raw sockets here: " << raw.error().message;
  }
  // A fake SCTP packet with a tag unique to this run, to pick it out of other SCTP traffic.
  const std::uint32_t tag = 0x5c000000u | static_cast<std::uint32_t>(::getpid() & 0xffffff);
  std::vector<std::uint8_t> packet = {0x9c, 0x40, 0x9c, 0x41};  // ports 40000 -> 40001
  for (int shift = 24; shift >= 0; shift -= 8)
    packet.push_back(static_cast<std::uint8_t>(tag >> shift));
  packet.insert(packet.end(), {0, 0, 0, 0, 0xc0, 0, 0, 4});  // checksum, a padding-like chunk
  const SocketAddress loopback = SocketAddress::loopback(GetParam(), 0);
  const OutgoingDatagram d{packet, loopback.with_port(4242) /* port ignored */, {}, 0};
  const SendResult r = raw->send_batch(std::span(&d, 1));
  ASSERT_EQ(r.consumed, 1u);
  ASSERT_EQ(r.dropped, 0u) << "errno " << r.last_error;

  RecvBatch batch(16, 2048);
  bool found = false;
  const Micros end = monotonic_now() + Micros(3s);
  while (!found && monotonic_now() < end) {
    testing::receive_until(*raw, batch, 1, 500ms, [&](const ReceivedDatagram& got) {
      if (got.data.size() != packet.size() ||
          !std::equal(got.data.begin(), got.data.end(), packet.begin())) {
        return;  // other SCTP traffic on this host
      }
      found = true;
      EXPECT_EQ(got.from, loopback);
      EXPECT_EQ(got.to, loopback);
    });
  }
  EXPECT_TRUE(found) << "the packet sent to " << loopback.ip_string() << " did not come back";
}

// Drops CAP_NET_RAW in a child process (even root cannot open raw sockets without it).
TEST(RawSocket, WithoutCapNetRawOpenFailsClearly) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    int status = 3;
    if (::syscall(SYS_capget, &header, data) == 0) {
      const unsigned bit = 1u << CAP_NET_RAW;
      data[0].effective &= ~bit;
      data[0].permitted &= ~bit;
      data[0].inheritable &= ~bit;
      if (::syscall(SYS_capset, &header, data) == 0) {
        auto raw = RawSocket::open(SocketAddress::any(Family::kV4, 0));
        std::string message = raw ? std::string("opened") : raw.error().message;
        [[maybe_unused]] auto n = ::write(pipe_fds[1], message.data(), message.size());
        status = !raw && is_privilege_error(raw.error()) ? 0 : 1;
      }
    }
    ::_exit(status);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
    message.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "cannot drop capabilities here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "message: " << message;
  std::printf("without CAP_NET_RAW: %s\n", message.c_str());
}

}  // namespace
}  // namespace sctps::net
