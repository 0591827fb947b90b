// RTO computation checked against RFC 9260 §6.3.1 (C1-C7, G1) and §6.3.3 (E2), with the numbers
// worked out by hand in the comments.
#include "core/path/rto_estimator.h"

#include <gtest/gtest.h>

namespace sctps::core {
namespace {

using std::chrono::microseconds;

// An estimator refers to its configuration, which must outlive it: a static one here.
const RtoConfig& small_min() {
  static const RtoConfig config = [] {
    RtoConfig c;
    c.min = ms(10);  // low enough not to hide the formulas
    return c;
  }();
  return config;
}

TEST(RtoEstimator, StartsAtRtoInitial) {  // C1
  RtoEstimator e;
  EXPECT_FALSE(e.has_sample());
  EXPECT_EQ(e.rto(), sec(1));
  RtoConfig c;
  c.initial = ms(300);
  EXPECT_EQ(RtoEstimator(c).rto(), ms(300));
}

TEST(RtoEstimator, FirstSample) {  // C2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR
  RtoEstimator e(small_min());
  ASSERT_TRUE(e.on_rtt_sample(ms(200)));
  EXPECT_TRUE(e.has_sample());
  EXPECT_EQ(e.srtt(), ms(200));
  EXPECT_EQ(e.rttvar(), ms(100));
  EXPECT_EQ(e.rto(), ms(600));
}

TEST(RtoEstimator, SequenceOfSamples) {  // C3 with alpha 1/8, beta 1/4
  RtoEstimator e(small_min());
  e.on_rtt_sample(ms(200));
  // R' = 300: RTTVAR = 3/4*100 + 1/4*|200-300| = 100; SRTT = 7/8*200 + 1/8*300 = 212.5;
  // RTO = 212.5 + 400 = 612.5 ms.
  e.on_rtt_sample(ms(300));
  EXPECT_EQ(e.rttvar(), ms(100));
  EXPECT_EQ(e.srtt(), microseconds(212500));
  EXPECT_EQ(e.rto(), microseconds(612500));
  // R' = 100: RTTVAR = 3/4*100 + 1/4*|212.5-100| = 103.125; SRTT = 7/8*212.5 + 1/8*100 =
  // 198.4375 ms, truncated to whole microseconds: 198437; RTO = 198437 + 412500 us.
  e.on_rtt_sample(ms(100));
  EXPECT_EQ(e.rttvar(), microseconds(103125));
  EXPECT_EQ(e.srtt(), microseconds(198437));
  EXPECT_EQ(e.rto(), microseconds(610937));
  // R' = 198437 us (= SRTT): RTTVAR = 3/4*103125 = 77343.75 -> 77343; SRTT unchanged.
  e.on_rtt_sample(microseconds(198437));
  EXPECT_EQ(e.rttvar(), microseconds(77343));
  EXPECT_EQ(e.srtt(), microseconds(198437));
  EXPECT_EQ(e.rto(), microseconds(198437 + 4 * 77343));
}

TEST(RtoEstimator, ConfiguredGains) {
  RtoConfig c = small_min();
  c.alpha = {1, 2};
  c.beta = {1, 2};
  RtoEstimator e(c);
  e.on_rtt_sample(ms(100));  // SRTT 100, RTTVAR 50
  // RTTVAR = 1/2*50 + 1/2*|100-200| = 75; SRTT = 1/2*100 + 1/2*200 = 150; RTO = 150 + 300.
  e.on_rtt_sample(ms(200));
  EXPECT_EQ(e.rttvar(), ms(75));
  EXPECT_EQ(e.srtt(), ms(150));
  EXPECT_EQ(e.rto(), ms(450));
}

TEST(RtoEstimator, InvalidGainsFallBackToDefaults) {
  RtoConfig c = small_min();
  c.alpha = {1, 0};  // division by zero if taken as is
  c.beta = {5, 4};   // > 1
  RtoEstimator e(c);
  EXPECT_EQ(e.config().alpha.den, 8);
  EXPECT_EQ(e.config().beta.den, 4);
  e.on_rtt_sample(ms(200));
  e.on_rtt_sample(ms(300));
  EXPECT_EQ(e.rto(), microseconds(612500));  // as with 1/8 and 1/4
}

TEST(RtoEstimator, RtoMinApplies) {  // C6
  RtoEstimator e;                    // RTO.Min = 1 s
  e.on_rtt_sample(ms(100));          // 100 + 4*50 = 300 ms
  EXPECT_EQ(e.srtt(), ms(100));
  EXPECT_EQ(e.rto(), sec(1));
}

TEST(RtoEstimator, RtoMaxApplies) {  // C7
  RtoEstimator e;
  e.on_rtt_sample(sec(30));  // 30 + 4*15 = 90 s
  EXPECT_EQ(e.rto(), sec(60));
}

TEST(RtoEstimator, ZeroRttvarBecomesGranularity) {  // G1
  RtoConfig c;
  c.min = Duration{0};
  c.granularity = ms(10);
  RtoEstimator e(c);
  e.on_rtt_sample(Duration{0});  // SRTT 0, RTTVAR 0 -> G
  EXPECT_EQ(e.rttvar(), ms(10));
  EXPECT_EQ(e.rto(), ms(40));
  // A sample equal to SRTT decays RTTVAR: 3/4 * 10 ms.
  e.on_rtt_sample(Duration{0});
  EXPECT_EQ(e.rttvar(), microseconds(7500));
}

TEST(RtoEstimator, RttvarTruncatedToZeroIsRaisedToGranularity) {
  RtoConfig c;
  c.min = Duration{0};
  c.granularity = microseconds(1);
  RtoEstimator e(c);
  e.on_rtt_sample(microseconds(2));  // SRTT 2, RTTVAR 1
  e.on_rtt_sample(microseconds(2));  // RTTVAR = 3/4 * 1 = 0 (truncated) -> G = 1
  EXPECT_EQ(e.rttvar(), microseconds(1));
  EXPECT_EQ(e.rto(), microseconds(6));
}

TEST(RtoEstimator, BackoffDoublesUpToRtoMax) {  // E2
  RtoEstimator e;
  const Duration expected[] = {sec(2), sec(4), sec(8), sec(16), sec(32), sec(60), sec(60)};
  for (Duration d : expected) {
    e.back_off();
    EXPECT_EQ(e.rto(), d);
  }
}

TEST(RtoEstimator, NewSampleEndsBackoff) {
  RtoEstimator e(small_min());
  e.on_rtt_sample(ms(200));  // RTO 600 ms
  e.back_off();
  e.back_off();
  EXPECT_EQ(e.rto(), ms(2400));
  // RTTVAR = 3/4*100 + 0 = 75; SRTT = 200; RTO = 200 + 300 = 500 ms.
  e.on_rtt_sample(ms(200));
  EXPECT_EQ(e.rto(), ms(500));
}

TEST(RtoEstimator, NegativeSampleIsIgnored) {
  RtoEstimator e(small_min());
  EXPECT_FALSE(e.on_rtt_sample(ms(-5)));
  EXPECT_FALSE(e.has_sample());
  e.on_rtt_sample(ms(200));
  EXPECT_FALSE(e.on_rtt_sample(Duration::min()));
  EXPECT_EQ(e.srtt(), ms(200));
  EXPECT_EQ(e.rto(), ms(600));
}

TEST(RtoEstimator, HugeSampleIsClampedWithoutOverflow) {
  RtoEstimator e;
  EXPECT_TRUE(e.on_rtt_sample(Duration::max()));
  EXPECT_EQ(e.srtt(), RtoEstimator::kMaxSample);
  EXPECT_EQ(e.rto(), sec(60));
  EXPECT_TRUE(e.on_rtt_sample(Duration::max()));
  EXPECT_EQ(e.rto(), sec(60));
}

TEST(RtoEstimator, ResetReturnsToInitial) {
  RtoEstimator e(small_min());
  e.on_rtt_sample(ms(200));
  e.back_off();
  e.reset();
  EXPECT_FALSE(e.has_sample());
  EXPECT_EQ(e.rto(), sec(1));
  e.on_rtt_sample(ms(200));  // C2 again, not C3
  EXPECT_EQ(e.rto(), ms(600));
}

TEST(RtoEstimator, SmallConfigurationForEngineTests) {
  RtoConfig c;
  c.initial = ms(50);
  c.min = ms(20);
  c.max = ms(400);
  RtoEstimator e(c);
  EXPECT_EQ(e.rto(), ms(50));
  for (Duration d : {ms(100), ms(200), ms(400), ms(400)}) {
    e.back_off();
    EXPECT_EQ(e.rto(), d);
  }
  e.on_rtt_sample(ms(2));  // 2 + 4*1 = 6 ms -> RTO.Min
  EXPECT_EQ(e.rto(), ms(20));
}

}  // namespace
}  // namespace sctps::core
