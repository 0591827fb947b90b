// Simulated goodput for the record: 1 KB and 64 KB messages over a 100 Mbit/s link with 10 ms
// delay each way and a one-BDP queue, at 0 % and 1 % random loss, fixed seeds. The numbers are
// printed; the test asserts only that every transfer completes intact.
#include <gtest/gtest.h>

#include <cstdio>

#include "sim_harness.h"

namespace sctps::sim {
namespace {

const core::AssocId kClientAssoc = 1;

struct Case {
  std::size_t message_size;
  double loss;
};

class Goodput : public ::testing::TestWithParam<Case> {};

TEST_P(Goodput, Transfer) {
  const Case c = GetParam();
  LinkConfig link;
  link.delay = ms(10);
  link.bandwidth_bps = 100'000'000;
  link.queue_limit_bytes = 250'000;  // one bandwidth-delay product (100 Mbit/s x 20 ms)
  link.loss = c.loss;
  // RFC 9260 §16 defaults (RTO.Min 1 s, RTO.Initial 1 s, RTO.Max 60 s, 1 MiB receive window).
  core::AssociationOptions o;
  Pair p(71, link, o, o);
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));

  const std::size_t total_bytes = std::size_t{24} << 20;
  const std::size_t count = total_bytes / c.message_size;
  std::size_t next = 0;
  std::vector<std::uint8_t> pending;  // the next message, made once, kept until taken
  auto refill = [&] {
    while (next < count) {
      const auto ppid = static_cast<std::uint32_t>(next);
      if (pending.empty()) pending = pattern(c.message_size, ppid);
      if (p.client->endpoint().send(kClientAssoc, StreamId(0), Ppid(ppid), pending, {},
                                    p.net.now()) != core::SendStatus::kOk) {
        return;
      }
      pending.clear();
      ++next;
    }
  };
  p.client->on_event = [&](const core::Event& e) {
    if (std::holds_alternative<core::SendBufferAvailable>(e)) refill();
  };
  const TimePoint start = p.net.now();
  refill();
  ASSERT_TRUE(p.run_until(
      [&] {
        refill();
        return p.server->received.size() == count;
      },
      sec(3600)));
  const double seconds = std::chrono::duration<double>(p.net.now() - start).count();
  const auto st = *p.client->endpoint().stats(kClientAssoc);
  std::printf(
      "  goodput %5zu-byte messages, %.0f %% loss: %7.2f Mbit/s (%zu bytes in %.3f s virtual; "
      "fast retransmits %llu, T3 %llu, retransmitted chunks %llu)\n",
      c.message_size, c.loss * 100, static_cast<double>(count * c.message_size) * 8 / seconds / 1e6,
      count * c.message_size, seconds, static_cast<unsigned long long>(st.fast_retransmissions),
      static_cast<unsigned long long>(st.t3_expirations),
      static_cast<unsigned long long>(st.retransmitted_chunks));
  for (std::size_t i = 0; i < count; ++i) {
    const auto& m = p.server->received[i].message;
    ASSERT_EQ(m.ppid.value(), i);
    ASSERT_EQ(m.payload, pattern(c.message_size, static_cast<std::uint32_t>(i)));
  }
}

INSTANTIATE_TEST_SUITE_P(Sim, Goodput,
                         ::testing::Values(Case{1024, 0.0}, Case{65536, 0.0}, Case{1024, 0.01},
                                           Case{65536, 0.01}),
                         [](const auto& param_info) {
                           return std::to_string(param_info.param.message_size) + "B_" +
                                  (param_info.param.loss > 0 ? "1pct" : "0pct") + "_loss";
                         });

}  // namespace
}  // namespace sctps::sim
