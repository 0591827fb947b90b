// Congestion control of one destination checked against RFC 9260 §7.2 (and §6.1 B/D for the send
// allowance). MTU 1000 keeps the arithmetic readable; every expected value is derived in a comment.
#include "core/path/congestion_control.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <limits>

namespace sctps::core {
namespace {

constexpr std::size_t kMtu = 1000;
constexpr std::size_t kHighSsthresh = 1'000'000;

using Sack = CongestionControl::SackInfo;

Sack sack(std::size_t acked, std::size_t flight_before, std::int64_t cum = 1,
          bool advanced = true) {
  Sack s;
  s.bytes_acked = acked;
  s.flight_size_before = flight_before;
  s.flight_size_after = flight_before >= acked ? flight_before - acked : 0;
  s.cumulative_tsn_advanced = advanced;
  s.cumulative_tsn_ack = cum;
  return s;
}

// Slow start from the initial 4000 up to `target` with full windows and 1000-byte acks.
void grow_to(CongestionControl& cc, std::size_t target) {
  while (cc.cwnd() < target) cc.on_sack(sack(kMtu, cc.cwnd()));
}

TEST(CongestionControl, InitialWindow) {  // §7.2.1: min(4*MTU, max(2*MTU, 4404))
  EXPECT_EQ(CongestionControl::initial_cwnd(1000, 4380), 4000u);  // min(4000, 4380)
  EXPECT_EQ(CongestionControl::initial_cwnd(1500, 4404), 4404u);  // min(6000, max(3000, 4404))
  EXPECT_EQ(CongestionControl::initial_cwnd(3000, 4380), 6000u);  // min(12000, max(6000, 4380))
  EXPECT_EQ(CongestionControl::initial_cwnd(500, 4380), 2000u);   // min(2000, 4380)
  EXPECT_EQ(CongestionControl::initial_cwnd(1468, 4404), 4404u);  // RFC 9260's byte term
  CongestionControl cc(1500, 12345);
  EXPECT_EQ(cc.cwnd(), 4404u);
  EXPECT_EQ(cc.ssthresh(), 12345u);  // "arbitrarily high": what the caller passes
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  EXPECT_TRUE(cc.in_slow_start());
  EXPECT_FALSE(cc.in_fast_recovery());
}

TEST(CongestionControl, SlowStartGrowsByBytesAckedAtMostOneMtu) {
  CongestionControl cc(kMtu, kHighSsthresh);
  cc.on_sack(sack(500, 4000));  // +500
  EXPECT_EQ(cc.cwnd(), 4500u);
  cc.on_sack(sack(3000, 4500));  // +min(3000, 1000)
  EXPECT_EQ(cc.cwnd(), 5500u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
}

TEST(CongestionControl, SlowStartLimitL) {
  CongestionConfig cfg;
  cfg.slow_start_max_increase_mtus = 2;
  CongestionControl cc(kMtu, kHighSsthresh, cfg);
  cc.on_sack(sack(3000, 4000));  // +min(3000, 2*1000)
  EXPECT_EQ(cc.cwnd(), 6000u);
}

TEST(CongestionControl, SlowStartNeedsFullWindow) {
  CongestionControl cc(kMtu, kHighSsthresh);
  // cwnd 4000: flight 3000 leaves room for one more full packet, so the window was not used.
  cc.on_sack(sack(1000, 3000));
  EXPECT_EQ(cc.cwnd(), 4000u);
  cc.on_sack(sack(1000, 2000));
  EXPECT_EQ(cc.cwnd(), 4000u);
  // 3001 + 1000 > 4000: not even one more full packet fitted.
  cc.on_sack(sack(1000, 3001));
  EXPECT_EQ(cc.cwnd(), 5000u);
  // Overbooked window (§6.1 B) counts as full.
  cc.on_sack(sack(1000, 5900));
  EXPECT_EQ(cc.cwnd(), 6000u);
}

TEST(CongestionControl, NoGrowthWithoutCumulativeAdvance) {  // §7.2.1
  CongestionControl cc(kMtu, kHighSsthresh);
  cc.on_sack(sack(1000, 4000, 1, /*advanced=*/false));  // gap blocks only
  EXPECT_EQ(cc.cwnd(), 4000u);
}

TEST(CongestionControl, FastRetransmitAndRecovery) {  // §7.2.4
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 10000);
  ASSERT_EQ(cc.cwnd(), 10000u);
  // ssthresh = max(10000/2, 4*1000) = 5000; cwnd = ssthresh; pba = 0.
  EXPECT_TRUE(cc.on_fast_retransmit(/*highest outstanding TSN=*/100));
  EXPECT_EQ(cc.ssthresh(), 5000u);
  EXPECT_EQ(cc.cwnd(), 5000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  EXPECT_TRUE(cc.in_fast_recovery());
  EXPECT_EQ(cc.fast_recovery_exit_tsn(), 100);
  // Only once per fast recovery.
  EXPECT_FALSE(cc.on_fast_retransmit(120));
  EXPECT_EQ(cc.cwnd(), 5000u);
  EXPECT_EQ(cc.fast_recovery_exit_tsn(), 100);
  // SACKs below the exit point: no growth.
  cc.on_sack(sack(1000, 6000, 50));
  EXPECT_EQ(cc.cwnd(), 5000u);
  EXPECT_TRUE(cc.in_fast_recovery());
  // The SACK reaching the exit point ends recovery but, having arrived during it, grows nothing.
  cc.on_sack(sack(1000, 6000, 100));
  EXPECT_FALSE(cc.in_fast_recovery());
  EXPECT_EQ(cc.cwnd(), 5000u);
  // cwnd == ssthresh is still slow start: +1000.
  cc.on_sack(sack(1000, 5000, 101));
  EXPECT_EQ(cc.cwnd(), 6000u);
  EXPECT_FALSE(cc.in_slow_start());
  // A new loss episode may reduce again: max(6000/2, 4000) = 4000.
  EXPECT_TRUE(cc.on_fast_retransmit(300));
  EXPECT_EQ(cc.ssthresh(), 4000u);
  EXPECT_EQ(cc.cwnd(), 4000u);
}

TEST(CongestionControl, FastRecoveryExitBeyondPoint) {
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 20000);
  cc.on_fast_retransmit(1000);          // ssthresh = cwnd = 10000
  cc.on_sack(sack(1000, 12000, 1500));  // cumulative ack jumps past the exit point
  EXPECT_FALSE(cc.in_fast_recovery());
  EXPECT_EQ(cc.cwnd(), 10000u);
}

TEST(CongestionControl, CongestionAvoidance) {  // §7.2.2
  CongestionControl cc(kMtu, 5000);
  grow_to(cc, 6000);  // 4000 -> 5000 -> 6000 (the second step at cwnd == ssthresh)
  ASSERT_EQ(cc.cwnd(), 6000u);
  ASSERT_FALSE(cc.in_slow_start());
  cc.on_sack(sack(2000, 6000));
  EXPECT_EQ(cc.partial_bytes_acked(), 2000u);
  EXPECT_EQ(cc.cwnd(), 6000u);
  cc.on_sack(sack(2000, 6000));
  EXPECT_EQ(cc.partial_bytes_acked(), 4000u);
  // pba 6000 >= cwnd 6000 with a full window: pba = 6000 - 6000, cwnd += MTU.
  cc.on_sack(sack(2000, 6000));
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  EXPECT_EQ(cc.cwnd(), 7000u);
  // pba 5000, then 9000 >= 7000: pba = 2000, cwnd = 8000 (one MTU per SACK at most).
  cc.on_sack(sack(5000, 7000));
  cc.on_sack(sack(4000, 7000));
  EXPECT_EQ(cc.partial_bytes_acked(), 2000u);
  EXPECT_EQ(cc.cwnd(), 8000u);
}

TEST(CongestionControl, CongestionAvoidanceNotFullCapsCredit) {  // §7.2.2
  CongestionControl cc(kMtu, 5000);
  grow_to(cc, 6000);
  // Application-limited: the window was not used, pba is held at cwnd, cwnd unchanged.
  // (Data stays in flight after each SACK, else pba would restart from 0.)
  cc.on_sack(sack(3000, 4000, 1));  // pba 3000
  cc.on_sack(sack(3500, 4100, 2));  // pba 6500 >= cwnd, window not full: pba = cwnd
  EXPECT_EQ(cc.cwnd(), 6000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 6000u);
  // Full again: pba 6000 + 1000 = 7000 >= 6000 -> pba 1000, cwnd 7000.
  cc.on_sack(sack(1000, 6500, 3));
  EXPECT_EQ(cc.partial_bytes_acked(), 1000u);
  EXPECT_EQ(cc.cwnd(), 7000u);
}

TEST(CongestionControl, CongestionAvoidanceWithoutCumulativeAdvance) {
  CongestionControl cc(kMtu, 5000);
  grow_to(cc, 6000);
  cc.on_sack(sack(4000, 6000, 1, false));  // gap acks count for pba
  EXPECT_EQ(cc.partial_bytes_acked(), 4000u);
  // pba 8000 >= 6000, window full: pba -= cwnd, but cwnd may not grow without a cum advance.
  cc.on_sack(sack(4000, 6000, 1, false));
  EXPECT_EQ(cc.partial_bytes_acked(), 2000u);
  EXPECT_EQ(cc.cwnd(), 6000u);
}

TEST(CongestionControl, AllAckedResetsPartialBytesAcked) {  // §7.2.2
  CongestionControl cc(kMtu, 5000);
  grow_to(cc, 6000);
  cc.on_sack(sack(2000, 6000));
  ASSERT_EQ(cc.partial_bytes_acked(), 2000u);
  Sack s = sack(3000, 6000);
  s.flight_size_after = 0;
  cc.on_sack(s);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
}

TEST(CongestionControl, RetransmissionTimeout) {  // §7.2.3
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 7000);
  cc.on_retransmission_timeout();  // ssthresh = max(3500, 4000); cwnd = 1 MTU
  EXPECT_EQ(cc.ssthresh(), 4000u);
  EXPECT_EQ(cc.cwnd(), 1000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  EXPECT_TRUE(cc.in_slow_start());
  // One packet in flight at most until an ack (§7.2.3): allowance 1000 with nothing in flight.
  EXPECT_EQ(cc.send_allowance(0), 1000u);
  EXPECT_FALSE(cc.may_send(1000));
  // Slow start again: 1000 -> 2000 -> 3000 -> 4000 (= ssthresh) -> 5000, then avoidance.
  for (std::size_t expected : {2000u, 3000u, 4000u, 5000u}) {
    cc.on_sack(sack(1000, cc.cwnd()));
    EXPECT_EQ(cc.cwnd(), expected);
  }
  EXPECT_FALSE(cc.in_slow_start());
}

TEST(CongestionControl, RetransmissionTimeoutLargeWindowAndFastRecovery) {
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 20000);
  cc.on_fast_retransmit(10);       // ssthresh = cwnd = 10000
  cc.on_retransmission_timeout();  // ssthresh = max(5000, 4000)
  EXPECT_EQ(cc.ssthresh(), 5000u);
  EXPECT_EQ(cc.cwnd(), 1000u);
  EXPECT_FALSE(cc.in_fast_recovery());
  EXPECT_TRUE(cc.on_fast_retransmit(20));  // a new episode may start
}

TEST(CongestionControl, IdleDecay) {  // §7.2.1: max(cwnd/2, 4*MTU) per idle RTO
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 20000);
  for (std::size_t expected : {10000u, 5000u, 4000u, 4000u}) {
    cc.on_idle_rto();
    EXPECT_EQ(cc.cwnd(), expected);
  }
  // After a timeout cwnd is below 4*MTU; idleness does not raise it.
  cc.on_retransmission_timeout();
  cc.on_idle_rto();
  EXPECT_EQ(cc.cwnd(), 1000u);
}

TEST(CongestionControl, MaxBurstLimitsSendAllowance) {  // §6.1 D
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 20000);
  EXPECT_EQ(cc.send_allowance(0), 4000u);      // min(20000, 0 + 4*1000)
  EXPECT_EQ(cc.send_allowance(15000), 4000u);  // min(20000, 19000) - 15000
  EXPECT_EQ(cc.send_allowance(18000), 2000u);  // min(20000, 22000) - 18000
  EXPECT_EQ(cc.send_allowance(19999), 1u);     // §6.1 B: one more packet may start
  EXPECT_TRUE(cc.may_send(19999));
  EXPECT_EQ(cc.send_allowance(20000), 0u);
  EXPECT_EQ(cc.send_allowance(25000), 0u);  // overbooked
  EXPECT_EQ(cc.cwnd(), 20000u);             // the burst limit leaves cwnd alone
  CongestionConfig no_burst;
  no_burst.max_burst = 0;
  CongestionControl unlimited(kMtu, kHighSsthresh, no_burst);
  grow_to(unlimited, 20000);
  EXPECT_EQ(unlimited.send_allowance(0), 20000u);
  EXPECT_EQ(unlimited.send_allowance(std::numeric_limits<std::size_t>::max()), 0u);
}

TEST(CongestionControl, MtuChanges) {
  CongestionControl cc(kMtu, kHighSsthresh);
  cc.set_mtu(1500);
  EXPECT_EQ(cc.cwnd(), 4000u);
  EXPECT_EQ(cc.mtu(), 1500u);
  cc.on_retransmission_timeout();  // ssthresh = max(2000, 6000), cwnd = 1500
  EXPECT_EQ(cc.ssthresh(), 6000u);
  EXPECT_EQ(cc.cwnd(), 1500u);
  cc.set_mtu(9000);  // cwnd never below one MTU
  EXPECT_EQ(cc.cwnd(), 9000u);
  cc.set_mtu(0);  // nonsense, but no division by zero nor a zero window
  EXPECT_EQ(cc.mtu(), 1u);
  EXPECT_TRUE(cc.may_send(0));
}

TEST(CongestionControl, Reset) {
  CongestionControl cc(kMtu, kHighSsthresh);
  grow_to(cc, 9000);
  cc.on_fast_retransmit(5);
  cc.reset(3000);
  EXPECT_EQ(cc.cwnd(), 4000u);
  EXPECT_EQ(cc.ssthresh(), 3000u);
  EXPECT_FALSE(cc.in_fast_recovery());
}

TEST(CongestionControl, HugeValuesSaturate) {
  CongestionControl cc(kMtu, std::numeric_limits<std::size_t>::max());
  Sack s = sack(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
  cc.on_sack(s);
  EXPECT_EQ(cc.cwnd(), 5000u);  // still bounded by one MTU per SACK
}

// The whole life of a window: slow start, avoidance, fast retransmit, timeout, idle.
TEST(CongestionControl, Evolution) {
  CongestionControl cc(kMtu, 8000);
  // Slow start with 2000-byte acks (+1000 each) from 4000 to 9000: five SACKs.
  for (int i = 0; i < 5; ++i) cc.on_sack(sack(2000, cc.cwnd(), i + 1));
  EXPECT_EQ(cc.cwnd(), 9000u);
  EXPECT_FALSE(cc.in_slow_start());
  // Avoidance: 9000 bytes acked in 3000-byte SACKs -> +1000 after the third.
  for (int i = 0; i < 3; ++i) cc.on_sack(sack(3000, 9000, 10 + i));
  EXPECT_EQ(cc.cwnd(), 10000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  // Loss: ssthresh = max(5000, 4000), cwnd 5000.
  cc.on_fast_retransmit(40);
  EXPECT_EQ(cc.cwnd(), 5000u);
  cc.on_sack(sack(1000, 10000, 40));  // exit
  cc.on_sack(sack(1000, 5000, 41));   // 5000 <= 5000: slow start, +1000
  EXPECT_EQ(cc.cwnd(), 6000u);
  // Timeout: ssthresh = max(3000, 4000), cwnd 1000.
  cc.on_retransmission_timeout();
  EXPECT_EQ(cc.ssthresh(), 4000u);
  EXPECT_EQ(cc.cwnd(), 1000u);
  for (int i = 0; i < 7; ++i) cc.on_sack(sack(1000, cc.cwnd(), 50 + i));
  // 1000 -> 2000 -> 3000 -> 4000 -> 5000 by slow start, then avoidance with pba 1000, 2000, 3000.
  EXPECT_EQ(cc.cwnd(), 5000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 3000u);
  // Idle for two RTOs: 5000 -> 4000 -> 4000.
  cc.on_idle_rto();
  cc.on_idle_rto();
  EXPECT_EQ(cc.cwnd(), 4000u);
}

}  // namespace
}  // namespace sctps::core
