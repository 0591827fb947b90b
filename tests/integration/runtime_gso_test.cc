// Runtime bulk transfer with UDP GSO / GRO on and off: the data arrives intact either way, and
// with GSO on the counters show segmentation offload (fewer send system calls than datagrams, GSO
// buffers sent). Loopback UDP encapsulation, ephemeral ports, bounded time.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "net_test_util.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using testing::RuntimePair;
using Family = net::SocketAddress::Family;

struct Offload {
  bool gso;
  bool gro;
};

class RuntimeOffload : public ::testing::TestWithParam<Offload> {};

RuntimeOptions options_for(std::uint16_t sctp_port, Offload offload) {
  RuntimeOptions o = testing::loopback_options(Family::kV4, sctp_port);
  o.use_gso = offload.gso;
  o.use_gro = offload.gro;
  return o;
}

TEST_P(RuntimeOffload, BulkTransferArrivesIntact) {
  const Offload offload = GetParam();
  RuntimePair p(options_for(5000, offload), options_for(5001, offload));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  if (!offload.gso) {
    EXPECT_FALSE(p.client->gso_active());
  }
  if (!offload.gro) {
    EXPECT_FALSE(p.server->gro_active());
  }

  constexpr std::uint32_t kMessages = 256;
  constexpr std::size_t kSize = 64 << 10;  // 16 MiB in all
  std::uint32_t next_to_send = 0;
  std::uint32_t received = 0;
  bool intact = true;
  ASSERT_TRUE(p.run(
      [&] {
        while (next_to_send < kMessages) {
          const auto status = p.client->send(p.client_id, 0, next_to_send,
                                             net::testing::pattern(kSize, next_to_send));
          if (status == core::SendStatus::kWouldBlock) break;
          EXPECT_EQ(status, core::SendStatus::kOk);
          ++next_to_send;
        }
        for (const auto& e : p.server_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            if (m->message.ppid.value() != received ||
                m->message.payload != net::testing::pattern(kSize, received)) {
              intact = false;
            }
            ++received;
          }
        }
        p.server_events.clear();
        return received == kMessages;
      },
      30000ms))
      << "received " << received << " of " << kMessages;
  EXPECT_TRUE(intact);

  const RuntimeCounters& c = p.client->counters();
  const RuntimeCounters& s = p.server->counters();
  EXPECT_GT(c.datagrams_out, 13000u) << "16 MiB need well over 13,000 packets";
  EXPECT_GT(c.send_syscalls, 0u);
  EXPECT_GT(s.recv_syscalls, 0u);
  EXPECT_GE(s.datagrams_in, c.datagrams_out * 9 / 10) << "loopback loses (almost) nothing";
  if (!offload.gso) {
    EXPECT_EQ(c.gso_buffers_out, 0u);
  } else if (p.client->gso_active()) {
    EXPECT_GT(c.gso_buffers_out, 0u);
    EXPECT_LT(c.send_syscalls, c.datagrams_out);
  } else {
    GTEST_SKIP() << "the kernel does not offer UDP GSO: transfer verified, offload not";
  }
  if (!offload.gro) {
    EXPECT_EQ(s.gro_buffers_in, 0u);
  }
  std::printf(
      "gso=%d gro=%d: client %llu datagrams in %llu send calls (%llu GSO buffers); server "
      "%llu datagrams in %llu receive calls (%llu GRO buffers)\n",
      offload.gso, offload.gro, static_cast<unsigned long long>(c.datagrams_out),
      static_cast<unsigned long long>(c.send_syscalls),
      static_cast<unsigned long long>(c.gso_buffers_out),
      static_cast<unsigned long long>(s.datagrams_in),
      static_cast<unsigned long long>(s.recv_syscalls),
      static_cast<unsigned long long>(s.gro_buffers_in));
}

INSTANTIATE_TEST_SUITE_P(GsoGro, RuntimeOffload,
                         ::testing::Values(Offload{true, true}, Offload{true, false},
                                           Offload{false, true}, Offload{false, false}),
                         [](const ::testing::TestParamInfo<Offload>& param_info) {
                           return std::string(param_info.param.gso ? "Gso" : "NoGso") +
                                  (param_info.param.gro ? "Gro" : "NoGro");
                         });

}  // namespace
}  // namespace sctps::api
