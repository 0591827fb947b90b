// Paths of an association: selection, failover and return (RFC 9260 §6.4, §6.4.1), error counters
// (§8.1, §8.2), heartbeats and address confirmation (§8.3, §5.4), idle cwnd decay (§7.2.1). Times
// are virtual; the default jitter source returns 0.5 so that heartbeat times are exact:
// RTO + HB.interval = 1 s + 30 s.
#include "core/path/path_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <vector>

#include "core/path/heartbeat_info.h"

namespace sctps::core {
namespace {

IpAddress addr(std::uint8_t last) {
  return IpAddress::v4({10, 0, 0, last});
}
constexpr TimePoint kT0 = kTimeZero + sec(10);
constexpr PathId kP0{0};
constexpr PathId kP1{1};
constexpr PathId kP2{2};

TimePoint at(Duration d) {
  return kT0 + d;
}

// Every 32-bit draw is `value` (unit() = value / 2^32), unless a value was queued.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::uint32_t value = 0x80000000u) : value_(value) {}
  void queue(std::uint32_t v) { queued_.push_back(v); }
  void fill(std::span<std::uint8_t> out) override {
    for (std::size_t i = 0; i < out.size(); i += 4) {
      std::uint32_t v = value_;
      if (!queued_.empty()) {
        v = queued_.front();
        queued_.pop_front();
      }
      for (std::size_t k = 0; k < 4 && i + k < out.size(); ++k) {
        out[i + k] = static_cast<std::uint8_t>(v >> (24 - 8 * k));
      }
    }
  }

 private:
  std::uint32_t value_;
  std::deque<std::uint32_t> queued_;
};

PathManagerConfig test_config() {
  PathManagerConfig c;
  c.path.mtu = 1000;
  return c;  // RTO 1 s..60 s, HB.interval 30 s, Path.Max.Retrans 5, Association.Max.Retrans 10
}

HeartbeatInfo decoded(const HeartbeatToSend& hb) {
  const auto r = HeartbeatInfo::decode(hb.info);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : HeartbeatInfo{};
}

// Runs every heartbeat deadline up to `until`, answering the heartbeats that `answer` selects after
// `rtt`. Records what was sent and every update.
struct Driver {
  explicit Driver(PathManager& m) : pm(m) {}

  PathManager& pm;
  std::function<bool(const HeartbeatToSend&)> answer = [](const HeartbeatToSend&) { return false; };
  Duration rtt = ms(100);
  struct Sent {
    TimePoint when;
    HeartbeatToSend hb;
  };
  std::vector<Sent> sent;
  std::vector<PathUpdate> updates;
  std::vector<std::pair<TimePoint, HeartbeatInfo::Encoded>> acks;  // in flight back to us
  TimePoint now = kT0;

  void run_until(TimePoint until) {
    for (int guard = 0; guard < 100000; ++guard) {
      TimePoint next = pm.next_heartbeat_deadline();
      auto ack = std::min_element(acks.begin(), acks.end(),
                                  [](const auto& x, const auto& y) { return x.first < y.first; });
      if (ack != acks.end() && ack->first <= next) {
        if (ack->first > until) return;
        now = ack->first;
        const auto r = pm.on_heartbeat_ack(ack->second, now);
        EXPECT_TRUE(r.ok());
        if (r.update.any()) updates.push_back(r.update);
        acks.erase(ack);
        continue;
      }
      if (next > until) return;
      now = next;
      while (auto u = pm.expire_heartbeat(now)) updates.push_back(*u);
      while (auto hb = pm.due_heartbeat(now)) {
        sent.push_back({now, *hb});
        if (answer(*hb)) acks.emplace_back(now + rtt, hb->info);
      }
      if (pm.next_heartbeat_deadline() <= now) {
        ADD_FAILURE() << "deadline does not advance";
        return;
      }
    }
    ADD_FAILURE() << "too many steps";
  }
};

// --- Paths and selection ---

TEST(PathManager, AddFindAndLimits) {
  ScriptedRandom rng;
  PathManagerConfig cfg = test_config();
  cfg.max_paths = 3;
  PathManager pm(cfg, rng);
  EXPECT_TRUE(pm.empty());
  EXPECT_FALSE(pm.data_path());
  EXPECT_FALSE(pm.primary());
  EXPECT_FALSE(pm.retransmission_path(kP0));
  EXPECT_FALSE(pm.on_error(kP0).any());  // unknown path: nothing happens
  EXPECT_EQ(pm.association_error_count(), 0);
  EXPECT_EQ(pm.add_path(addr(1), true), kP0);
  EXPECT_EQ(pm.add_path(addr(2), false), kP1);
  EXPECT_EQ(pm.add_path(addr(1), false), kP0);  // same address, same path
  EXPECT_EQ(pm.size(), 2u);
  EXPECT_EQ(pm.add_path(addr(3), true), kP2);
  EXPECT_FALSE(pm.add_path(addr(4), true));  // max_paths
  EXPECT_EQ(pm.find(addr(2)), kP1);
  EXPECT_FALSE(pm.find(addr(4)));
  EXPECT_EQ(pm.primary(), kP0);  // the first address
  EXPECT_EQ(pm.data_path(), kP0);
  EXPECT_FALSE(pm.set_primary(PathId{9}));
  EXPECT_TRUE(pm.set_primary(kP2));
  EXPECT_EQ(pm.data_path(), kP2);
  EXPECT_TRUE(pm.path(kP0).is_confirmed());
  EXPECT_FALSE(pm.path(kP1).is_confirmed());
  EXPECT_TRUE(pm.path(kP1).is_active());
  EXPECT_EQ(pm.path(kP1).mtu(), 1000u);
  EXPECT_EQ(pm.path(kP1).congestion().cwnd(), 4000u);
  // Adding a known address as confirmed confirms it (§5.4 rule 1 after the fact).
  EXPECT_EQ(pm.add_path(addr(2), true), kP1);
  EXPECT_TRUE(pm.path(kP1).is_confirmed());
}

TEST(PathManager, UnconfirmedPrimaryCarriesNoDataUntilConfirmed) {  // §5.4
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), false);
  EXPECT_FALSE(pm.data_path());  // nothing confirmed: nowhere to send data
  pm.add_path(addr(2), true);
  EXPECT_EQ(pm.primary(), kP0);
  EXPECT_EQ(pm.data_path(), kP1);
  EXPECT_EQ(pm.retransmission_path(kP1), kP1);
  pm.start_heartbeats(kT0);
  const auto probe = pm.due_heartbeat(kT0);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->path, kP0);
  EXPECT_TRUE(probe->probe);
  EXPECT_EQ(probe->destination, addr(1));
  const auto r = pm.on_heartbeat_ack(probe->info, at(ms(100)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.update.path, kP0);
  EXPECT_TRUE(r.update.became_confirmed);
  EXPECT_FALSE(r.update.became_active);
  EXPECT_TRUE(r.update.data_path_changed);
  EXPECT_EQ(pm.data_path(), kP0);
}

TEST(PathManager, FailoverAndReturnToPrimary) {  // §6.4.1, §8.2
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  pm.start_heartbeats(kT0);
  ASSERT_EQ(pm.data_path(), kP0);
  // Path.Max.Retrans = 5: five errors keep the path active, the sixth exceeds the limit.
  for (int i = 1; i <= 5; ++i) {
    const PathUpdate u = pm.on_retransmission_timeout(kP0);
    EXPECT_FALSE(u.any()) << i;
    EXPECT_EQ(pm.path(kP0).error_count(), i);
  }
  PathUpdate u = pm.on_retransmission_timeout(kP0);
  EXPECT_TRUE(u.became_inactive);
  EXPECT_TRUE(u.data_path_changed);
  EXPECT_FALSE(u.association_failed);
  EXPECT_FALSE(pm.path(kP0).is_active());
  EXPECT_EQ(pm.data_path(), kP1);
  EXPECT_EQ(pm.association_error_count(), 6);
  EXPECT_EQ(pm.path(kP0).rto().rto(), sec(60));  // 1 s doubled six times, capped
  // §6.4: retransmissions avoid the failed path.
  EXPECT_EQ(pm.retransmission_path(kP0), kP1);
  EXPECT_EQ(pm.retransmission_path(kP1), kP1);  // no other usable path
  // The counter stops at Path.Max.Retrans + 1 while inactive (§8.3).
  u = pm.on_retransmission_timeout(kP0);
  EXPECT_FALSE(u.became_inactive);
  EXPECT_EQ(pm.path(kP0).error_count(), 6);
  // Data acknowledged on B clears the association counter (§8.1), not A's.
  u = pm.on_data_acked(kP1);
  EXPECT_FALSE(u.any());
  EXPECT_EQ(pm.association_error_count(), 0);
  EXPECT_EQ(pm.path(kP0).error_count(), 6);
  // A's heartbeat (scheduled at start: T0 + 1 s + 30 s) is answered: A is back, and so is data.
  auto hb = pm.due_heartbeat(at(sec(31)));
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->path, kP0);  // ties go to the lower index
  EXPECT_FALSE(hb->probe);
  const auto r = pm.on_heartbeat_ack(hb->info, at(sec(31) + ms(200)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rtt, ms(200));
  EXPECT_TRUE(r.update.became_active);
  EXPECT_FALSE(r.update.became_confirmed);
  EXPECT_TRUE(r.update.data_path_changed);
  EXPECT_EQ(pm.data_path(), kP0);
  EXPECT_EQ(pm.path(kP0).error_count(), 0);
  EXPECT_EQ(pm.path(kP0).rto().rto(), sec(1));  // 200 + 4*100 ms, raised to RTO.Min
}

TEST(PathManager, FailoverSticksToOneAlternate) {  // §6.4.1: only one alternate is used
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  pm.add_path(addr(3), true);
  auto kill = [&](PathId id) {
    PathUpdate last;
    for (int i = 0; i < 6; ++i) last = pm.on_error(id);
    return last;
  };
  EXPECT_TRUE(kill(kP0).data_path_changed);
  EXPECT_EQ(pm.data_path(), kP1);
  EXPECT_TRUE(kill(kP1).data_path_changed);
  EXPECT_EQ(pm.data_path(), kP2);
  PathUpdate u = pm.on_data_acked(kP1);  // B reachable again: no reason to leave C
  EXPECT_TRUE(u.became_active);
  EXPECT_FALSE(u.data_path_changed);
  EXPECT_EQ(pm.data_path(), kP2);
  u = pm.on_data_acked(kP0);  // the primary returns
  EXPECT_TRUE(u.became_active);
  EXPECT_TRUE(u.data_path_changed);
  EXPECT_EQ(pm.data_path(), kP0);
}

TEST(PathManager, RetransmissionPath) {  // §6.4
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  EXPECT_EQ(pm.retransmission_path(kP0), kP0);  // single-homed: no alternative
  pm.add_path(addr(2), true);
  pm.add_path(addr(3), true);
  EXPECT_EQ(pm.retransmission_path(kP0), kP1);  // another active one
  EXPECT_EQ(pm.retransmission_path(kP1), kP0);  // the data path preferred
  EXPECT_EQ(pm.retransmission_path(kP2), kP0);
  EXPECT_EQ(pm.retransmission_path(PathId{7}), kP0);  // unknown: where data goes
  for (int i = 0; i < 6; ++i) pm.on_error(kP1);
  EXPECT_EQ(pm.retransmission_path(kP0), kP2);  // skips the inactive B
  for (int i = 0; i < 6; ++i) pm.on_error(kP2);
  EXPECT_EQ(pm.retransmission_path(kP0), kP0);
  for (int i = 0; i < 6; ++i) pm.on_error(kP0);
  // Nothing active: keep to the primary, which is still confirmed.
  EXPECT_EQ(pm.data_path(), kP0);
  EXPECT_EQ(pm.retransmission_path(kP0), kP0);
  EXPECT_EQ(pm.retransmission_path(kP1), kP0);
}

TEST(PathManager, AssociationFailsAfterMaxRetrans) {  // §8.1
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  for (int i = 1; i <= 10; ++i) {
    const PathUpdate u = pm.on_retransmission_timeout(kP0);
    EXPECT_FALSE(u.association_failed) << i;
    EXPECT_EQ(u.became_inactive, i == 6) << i;
  }
  EXPECT_EQ(pm.association_error_count(), 10);
  EXPECT_TRUE(pm.on_retransmission_timeout(kP0).association_failed);  // 11 > 10
  EXPECT_TRUE(pm.on_retransmission_timeout(kP0).association_failed);  // and stays so
  EXPECT_EQ(pm.association_error_count(), 11);
}

TEST(PathManager, AcknowledgedDataResetsAssociationCounter) {  // §8.1
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i)
      EXPECT_FALSE(pm.on_error(round % 2 ? kP1 : kP0).association_failed);
    pm.on_data_acked(kP0);
    EXPECT_EQ(pm.association_error_count(), 0);
  }
}

TEST(PathManager, RetransmissionTimeoutBacksOffAndCutsWindow) {  // §6.3.3 E1/E2, §7.2.3
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  Path& p = pm.path(kP0);
  ASSERT_EQ(p.congestion().cwnd(), 4000u);
  pm.on_retransmission_timeout(kP0);
  EXPECT_EQ(p.rto().rto(), sec(2));
  EXPECT_EQ(p.congestion().cwnd(), 1000u);
  EXPECT_EQ(p.congestion().ssthresh(), 4000u);  // max(4000/2, 4*1000)
  EXPECT_EQ(p.error_count(), 1);
  pm.on_data_acked(kP0);
  EXPECT_EQ(p.error_count(), 0);
  EXPECT_EQ(p.rto().rto(), sec(2));  // only an RTT sample ends the backoff
}

// --- Heartbeats ---

TEST(PathManager, HeartbeatScheduleAndRttSample) {  // §8.3
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  EXPECT_EQ(pm.next_heartbeat_deadline(), kTimeInfinite);  // not before ESTABLISHED
  EXPECT_FALSE(pm.due_heartbeat(at(sec(100))));
  pm.start_heartbeats(kT0);
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(31)));  // RTO + HB.interval
  EXPECT_FALSE(pm.due_heartbeat(at(sec(30))));
  const auto hb = pm.due_heartbeat(at(sec(31)));
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->destination, addr(1));
  EXPECT_FALSE(hb->probe);
  const HeartbeatInfo info = decoded(*hb);
  EXPECT_EQ(info.path_index, 0);
  EXPECT_EQ(info.address, addr(1));
  EXPECT_EQ(info.sent_at, at(sec(31)));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(32)));  // its timeout, one RTO later
  EXPECT_FALSE(pm.due_heartbeat(at(sec(31))));           // one outstanding per path
  EXPECT_FALSE(pm.expire_heartbeat(at(sec(31) + ms(999))));
  const auto r = pm.on_heartbeat_ack(hb->info, at(sec(31) + ms(200)));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.update.any());
  EXPECT_EQ(r.rtt, ms(200));
  EXPECT_TRUE(pm.path(kP0).rto().has_sample());
  EXPECT_EQ(pm.path(kP0).rto().srtt(), ms(200));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(62)));  // 31 + 1 + 30
}

TEST(PathManager, HeartbeatJitterIsHalfRtoEitherWay) {  // §8.3
  {
    ScriptedRandom low(0);  // unit() = 0: jitter -RTO/2
    PathManager pm(test_config(), low);
    pm.add_path(addr(1), true);
    pm.start_heartbeats(kT0);
    EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(30) + ms(500)));
  }
  {
    ScriptedRandom high(0xFFFFFFFFu);  // unit() just below 1: jitter just below +RTO/2
    PathManager pm(test_config(), high);
    pm.add_path(addr(1), true);
    pm.start_heartbeats(kT0);
    EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(31) + std::chrono::microseconds(499999)));
  }
  SeededRandom rng(3);
  const PathManagerConfig cfg = test_config();  // a Path refers to its settings
  Path p(kP0, addr(1), true, cfg.path, 100000);
  TimePoint lo = kTimeInfinite;
  TimePoint hi = kTimeZero;
  for (int i = 0; i < 2000; ++i) {
    const TimePoint t = p.next_heartbeat_from(kT0, rng);
    ASSERT_GE(t, at(sec(30) + ms(500)));
    ASSERT_LT(t, at(sec(31) + ms(500)));
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  EXPECT_LT(lo, at(sec(30) + ms(510)));
  EXPECT_GT(hi, at(sec(31) + ms(490)));
}

TEST(PathManager, DataKeepsPathFromBeingIdle) {  // §8.3
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.start_heartbeats(kT0);
  pm.path(kP0).on_data_sent(at(sec(20)));
  EXPECT_FALSE(pm.due_heartbeat(at(sec(31))));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(51)));  // 20 + 1 + 30
  EXPECT_TRUE(pm.due_heartbeat(at(sec(51))));
}

TEST(PathManager, UnansweredHeartbeatsFailPathThenAssociation) {  // §8.3, §8.2, §8.1
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.start_heartbeats(kT0);
  Driver d(pm);
  d.run_until(at(sec(32)));
  ASSERT_EQ(d.sent.size(), 1u);
  ASSERT_EQ(d.updates.size(), 1u);  // the timeout at 31 + 1
  EXPECT_FALSE(d.updates[0].any());
  EXPECT_EQ(pm.path(kP0).error_count(), 1);
  EXPECT_EQ(pm.association_error_count(), 1);  // the data path
  EXPECT_EQ(pm.path(kP0).rto().rto(), sec(2));
  // The next heartbeat waits for the backed-off RTO: 31 + 2 + 30.
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(63)));
  d.run_until(at(sec(100000)));
  // Each heartbeat follows the previous one by its backed-off RTO + 30 s: RTO 2, 4, 8, 16, 32, then
  // 60 s (RTO.Max) for good.
  ASSERT_GE(d.sent.size(), 11u);
  const int expected_sent[] = {31, 63, 97, 135, 181, 243, 333, 423, 513, 603, 693};
  for (std::size_t i = 0; i < 11; ++i) EXPECT_EQ(d.sent[i].when, at(sec(expected_sent[i]))) << i;
  // ...the sixth timeout makes the path inactive; the eleventh fails the association.
  std::size_t inactive_at = 0;
  std::size_t failed_at = 0;
  for (std::size_t i = 0; i < d.updates.size(); ++i) {
    if (d.updates[i].became_inactive) inactive_at = i + 1;
    if (d.updates[i].association_failed && failed_at == 0) failed_at = i + 1;
  }
  EXPECT_EQ(inactive_at, 6u);
  EXPECT_EQ(failed_at, 11u);
  EXPECT_EQ(pm.path(kP0).error_count(), 6);  // stopped growing
}

TEST(PathManager, IdleAlternateTimeoutsDoNotCountForAssociation) {  // §8.1
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  pm.start_heartbeats(kT0);
  pm.set_heartbeat_enabled(kP0, false, kT0);
  Driver d(pm);
  d.run_until(at(sec(100000)));
  EXPECT_EQ(pm.association_error_count(), 0);
  EXPECT_FALSE(pm.path(kP1).is_active());
  EXPECT_EQ(pm.path(kP1).error_count(), 6);
  ASSERT_FALSE(d.sent.empty());
  for (const auto& s : d.sent) EXPECT_EQ(s.hb.path, kP1);
  const auto down = std::find_if(d.updates.begin(), d.updates.end(),
                                 [](const PathUpdate& u) { return u.became_inactive; });
  ASSERT_NE(down, d.updates.end());
  EXPECT_EQ(down->path, kP1);
  EXPECT_FALSE(down->data_path_changed);
  EXPECT_EQ(pm.data_path(), kP0);
}

TEST(PathManager, AnsweredHeartbeatsKeepEverythingClear) {
  SeededRandom rng(11);
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  pm.start_heartbeats(kT0);
  Driver d(pm);
  d.answer = [](const HeartbeatToSend&) { return true; };
  d.run_until(at(sec(3600)));
  EXPECT_TRUE(d.updates.empty());
  EXPECT_EQ(pm.association_error_count(), 0);
  // About one heartbeat per path per 31 s, each between 30.5 and 31.5 s after the previous one.
  EXPECT_GT(d.sent.size(), 2u * 110u);
  TimePoint last[2] = {kT0, kT0};
  for (const auto& s : d.sent) {
    const Duration gap = s.when - last[s.hb.path.value];
    EXPECT_GE(gap, sec(30) + ms(500));
    EXPECT_LT(gap, sec(31) + ms(500));
    last[s.hb.path.value] = s.when;
  }
}

TEST(PathManager, ProbingConfirmsAddress) {  // §5.4
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), false);
  EXPECT_EQ(pm.retransmission_path(kP0), kP0);  // never to an unconfirmed address
  pm.start_heartbeats(kT0);
  auto hb = pm.due_heartbeat(kT0);  // probing starts at once
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->path, kP1);
  EXPECT_TRUE(hb->probe);
  EXPECT_FALSE(pm.due_heartbeat(kT0));
  // Unanswered within one RTO: a path error, never an association error.
  auto u = pm.expire_heartbeat(at(sec(1)));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, kP1);
  EXPECT_EQ(pm.path(kP1).error_count(), 1);
  EXPECT_EQ(pm.association_error_count(), 0);
  // Probed again one (backed-off) RTO after the last probe.
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(2)));
  hb = pm.due_heartbeat(at(sec(2)));
  ASSERT_TRUE(hb);
  EXPECT_TRUE(hb->probe);
  EXPECT_TRUE(pm.expire_heartbeat(at(sec(4))));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(6)));  // 2 + 4
  hb = pm.due_heartbeat(at(sec(6)));
  ASSERT_TRUE(hb);
  const auto r = pm.on_heartbeat_ack(hb->info, at(sec(6) + ms(50)));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.update.became_confirmed);
  EXPECT_FALSE(r.update.became_active);
  EXPECT_FALSE(r.update.data_path_changed);  // A stays primary
  EXPECT_TRUE(pm.path(kP1).is_confirmed());
  EXPECT_EQ(pm.path(kP1).error_count(), 0);
  EXPECT_EQ(pm.retransmission_path(kP0), kP1);
  // Confirmed: the normal rate from now on, 6.05 + 1 + 30 (A is due at 31 first).
  pm.on_heartbeat_ack(pm.due_heartbeat(at(sec(31)))->info, at(sec(31)));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(37) + ms(50)));
}

TEST(PathManager, UnconfirmedAddressFailsThenSlowsToNormalRate) {  // §5.4
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), false);
  pm.start_heartbeats(kT0);
  pm.set_heartbeat_enabled(kP0, false, kT0);
  Driver d(pm);
  d.run_until(at(sec(400)));
  // Probes at 0, 2, 6, 14, 30, 62 (one backed-off RTO apart); the sixth timeout (at 62 + 32)
  // makes B inactive, and the next heartbeat comes at the normal rate: 62 + 60 + 30, then
  // 152 + 60 + 30.
  const int expected[] = {0, 2, 6, 14, 30, 62, 152, 242, 332};
  ASSERT_GE(d.sent.size(), 9u);
  for (std::size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(d.sent[i].when, at(sec(expected[i]))) << i;
    EXPECT_EQ(d.sent[i].hb.probe, i < 6) << i;
  }
  ASSERT_GE(d.updates.size(), 6u);
  EXPECT_TRUE(d.updates[5].became_inactive);
  EXPECT_EQ(pm.association_error_count(), 0);
  EXPECT_EQ(pm.data_path(), kP0);
}

TEST(PathManager, ProbesLimitedByHbMaxBurst) {  // §5.4
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), false);
  pm.add_path(addr(3), false);
  pm.add_path(addr(4), false);
  pm.start_heartbeats(kT0);
  Driver d(pm);
  d.run_until(at(sec(2)));
  // One probe per RTO: B at 0, C at 1 (B's probe times out then too), D at 2.
  ASSERT_EQ(d.sent.size(), 3u);
  EXPECT_EQ(d.sent[0].hb.path, kP1);
  EXPECT_EQ(d.sent[0].when, kT0);
  EXPECT_EQ(d.sent[1].hb.path, kP2);
  EXPECT_EQ(d.sent[1].when, at(sec(1)));
  EXPECT_EQ(d.sent[2].hb.path, PathId{3});
  EXPECT_EQ(d.sent[2].when, at(sec(2)));

  for (std::size_t burst : {std::size_t{0}, std::size_t{2}}) {
    PathManagerConfig cfg = test_config();
    cfg.heartbeat_max_burst = burst;
    PathManager pm2(cfg, rng);
    pm2.add_path(addr(1), true);
    pm2.add_path(addr(2), false);
    pm2.add_path(addr(3), false);
    pm2.add_path(addr(4), false);
    pm2.start_heartbeats(kT0);
    Driver d2(pm2);
    d2.run_until(kT0);
    EXPECT_EQ(d2.sent.size(), burst == 0 ? 3u : 2u) << burst;
  }
}

TEST(PathManager, LateAckAfterTimeoutIsAccepted) {
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.start_heartbeats(kT0);
  const auto hb = pm.due_heartbeat(at(sec(31)));
  ASSERT_TRUE(hb);
  ASSERT_TRUE(pm.expire_heartbeat(at(sec(32))));
  ASSERT_EQ(pm.association_error_count(), 1);
  const auto r = pm.on_heartbeat_ack(hb->info, at(sec(32) + ms(500)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rtt, ms(1500));
  EXPECT_EQ(pm.path(kP0).error_count(), 0);
  EXPECT_EQ(pm.association_error_count(), 0);
  EXPECT_EQ(pm.path(kP0).rto().rto(), ms(4500));  // 1.5 + 4 * 0.75 s, the backoff ended
}

TEST(PathManager, ForgedAndGarbledAcksAreRejected) {
  SeededRandom rng(5);
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), true);
  pm.start_heartbeats(kT0);
  std::optional<HeartbeatToSend> hb;
  TimePoint now = kT0;
  while (!hb || hb->path != kP0) {
    now = pm.next_heartbeat_deadline();
    hb = pm.due_heartbeat(now);
  }
  const HeartbeatInfo good = decoded(*hb);
  auto expect_rejected = [&](wire::Bytes bytes, HeartbeatAckError why) {
    const auto r = pm.on_heartbeat_ack(bytes, now + ms(10));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(*r.error, why) << to_string(why);
    EXPECT_FALSE(r.update.any());
    EXPECT_TRUE(pm.path(kP0).pending_heartbeat().has_value());
    EXPECT_FALSE(pm.path(kP0).rto().has_sample());
  };
  auto with = [&](auto change) {
    HeartbeatInfo i = good;
    change(i);
    return i.encode();
  };
  expect_rejected({}, HeartbeatAckError::kMalformed);
  auto garbled = hb->info;
  garbled[0] ^= 0xFF;
  expect_rejected(garbled, HeartbeatAckError::kMalformed);
  std::vector<std::uint8_t> longer(hb->info.begin(), hb->info.end());
  longer.push_back(0);
  expect_rejected(longer, HeartbeatAckError::kMalformed);
  const auto idx = with([](HeartbeatInfo& i) { i.path_index = 2; });
  expect_rejected(idx, HeartbeatAckError::kUnknownPath);
  const auto other_address = with([](HeartbeatInfo& i) { i.address = addr(2); });
  expect_rejected(other_address, HeartbeatAckError::kAddressMismatch);
  const auto v6 = with([](HeartbeatInfo& i) { i.address = *IpAddress::parse("::ffff:10.0.0.1"); });
  expect_rejected(v6, HeartbeatAckError::kAddressMismatch);
  const auto nonce = with([](HeartbeatInfo& i) { i.nonce ^= 1; });
  expect_rejected(nonce, HeartbeatAckError::kNonceMismatch);
  const auto time = with([](HeartbeatInfo& i) { i.sent_at -= std::chrono::microseconds(1); });
  expect_rejected(time, HeartbeatAckError::kNonceMismatch);
  // Path B has nothing outstanding unless its own heartbeat went out at the same time.
  if (!pm.path(kP1).pending_heartbeat()) {
    const auto other = with([](HeartbeatInfo& i) {
      i.path_index = 1;
      i.address = addr(2);
    });
    const auto r = pm.on_heartbeat_ack(other, now);
    EXPECT_EQ(r.error, HeartbeatAckError::kNotOutstanding);
  }
  // The genuine ACK is still accepted after all that, once.
  const auto r = pm.on_heartbeat_ack(hb->info, now + ms(30));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rtt, ms(30));
  const auto replay = pm.on_heartbeat_ack(hb->info, now + ms(40));
  EXPECT_EQ(replay.error, HeartbeatAckError::kNotOutstanding);
}

TEST(PathManager, AckOfSupersededHeartbeatIsRejected) {
  SeededRandom rng(8);
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.start_heartbeats(kT0);
  TimePoint now = pm.next_heartbeat_deadline();
  const auto first = pm.due_heartbeat(now);
  ASSERT_TRUE(first);
  now = pm.next_heartbeat_deadline();
  ASSERT_TRUE(pm.expire_heartbeat(now));
  now = pm.next_heartbeat_deadline();
  const auto second = pm.due_heartbeat(now);
  ASSERT_TRUE(second);
  EXPECT_EQ(pm.on_heartbeat_ack(first->info, now).error, HeartbeatAckError::kNonceMismatch);
  EXPECT_TRUE(pm.on_heartbeat_ack(second->info, now).ok());
}

TEST(PathManager, RandomAcksNeverCrashOrAct) {
  SeededRandom rng(21);
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(IpAddress::v6({0x20, 0x01, 0x0d, 0xb8}), true);
  pm.start_heartbeats(kT0);
  const auto hb = pm.due_heartbeat(pm.next_heartbeat_deadline());
  ASSERT_TRUE(hb);
  SeededRandom noise(22);
  for (int k = 0; k < 5000; ++k) {
    auto b = hb->info;
    // Flip a few random bits of a genuine info, or replace it with noise.
    if (k % 4 == 0) {
      noise.fill(b);
    } else {
      for (int f = 0; f < 1 + k % 3; ++f) {
        const auto bit = noise.uniform(HeartbeatInfo::kEncodedSize * 8);
        b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      }
    }
    if (b == hb->info) continue;  // flips that cancelled out
    EXPECT_FALSE(pm.on_heartbeat_ack(b, kT0 + sec(40)).ok());
  }
  EXPECT_EQ(pm.path(kP0).error_count() + pm.path(kP1).error_count(), 0);
  EXPECT_TRUE(pm.on_heartbeat_ack(hb->info, kT0 + sec(40)).ok());
}

TEST(PathManager, HeartbeatControls) {  // §8.3 (A)-(D)
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.add_path(addr(2), false);
  pm.start_heartbeats(kT0);
  ASSERT_TRUE(pm.due_heartbeat(kT0));  // B's first probe
  pm.set_heartbeat_enabled(kP0, false, kT0);
  pm.set_heartbeat_enabled(kP1, false, kT0);  // probing of an unconfirmed address continues
  EXPECT_EQ(pm.path(kP0).next_heartbeat_at(), kTimeInfinite);
  EXPECT_EQ(pm.path(kP1).next_heartbeat_at(), at(sec(1)));
  pm.set_heartbeat_enabled(kP0, true, at(sec(5)));
  EXPECT_EQ(pm.path(kP0).next_heartbeat_at(), at(sec(36)));
  pm.set_heartbeat_interval(kP0, sec(5), at(sec(5)));
  EXPECT_EQ(pm.path(kP0).next_heartbeat_at(), at(sec(11)));  // 5 + 1 + 5
  // On demand: at once, even right after data and with heartbeats disabled.
  pm.set_heartbeat_enabled(kP0, false, at(sec(5)));
  pm.path(kP0).on_data_sent(at(sec(6)));
  pm.request_heartbeat(kP0, at(sec(6)));
  const auto hb = pm.due_heartbeat(at(sec(6)));
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->path, kP0);
  pm.set_heartbeat_interval(PathId{9}, sec(1), kT0);  // unknown ids are ignored
  pm.request_heartbeat(PathId{9}, kT0);
  pm.stop_heartbeats();
  EXPECT_EQ(pm.next_heartbeat_deadline(), kTimeInfinite);
  EXPECT_FALSE(pm.due_heartbeat(at(sec(1000))));
  EXPECT_FALSE(pm.expire_heartbeat(at(sec(1000))));
  EXPECT_EQ(pm.on_heartbeat_ack(hb->info, at(sec(7))).error, HeartbeatAckError::kNotOutstanding);
}

TEST(PathManager, PathAddedAfterStartIsProbedAtOnce) {
  ScriptedRandom rng;
  PathManager pm(test_config(), rng);
  pm.add_path(addr(1), true);
  pm.start_heartbeats(kT0);
  pm.add_path(addr(2), false, at(sec(3)));
  pm.add_path(addr(3), true, at(sec(3)));
  EXPECT_EQ(pm.next_heartbeat_deadline(), at(sec(3)));
  const auto hb = pm.due_heartbeat(at(sec(3)));
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->path, kP1);
  EXPECT_TRUE(hb->probe);
  EXPECT_EQ(pm.path(kP2).next_heartbeat_at(), at(sec(34)));
}

// --- Idle decay of cwnd (§7.2.1) ---

TEST(Path, IdleDecayHalvesCwndPerRto) {
  PathConfig cfg = test_config().path;
  Path p(kP0, addr(1), true, cfg, 1'000'000);
  while (p.congestion().cwnd() < 20000) {
    CongestionControl::SackInfo s;
    s.bytes_acked = 1000;
    s.flight_size_before = p.congestion().cwnd();
    s.flight_size_after = 1;
    s.cumulative_tsn_advanced = true;
    p.congestion().on_sack(s);
  }
  p.apply_idle_decay(at(sec(100)));  // nothing sent yet: no decay
  EXPECT_EQ(p.congestion().cwnd(), 20000u);
  p.on_data_sent(kT0);
  EXPECT_EQ(p.last_data_sent(), kT0);
  p.apply_idle_decay(at(ms(999)));
  EXPECT_EQ(p.congestion().cwnd(), 20000u);
  p.apply_idle_decay(at(sec(1)));
  EXPECT_EQ(p.congestion().cwnd(), 10000u);
  p.apply_idle_decay(at(sec(1)));  // idempotent
  EXPECT_EQ(p.congestion().cwnd(), 10000u);
  p.apply_idle_decay(at(ms(2500)));  // second full RTO
  EXPECT_EQ(p.congestion().cwnd(), 5000u);
  p.apply_idle_decay(at(sec(10)));  // floor 4*MTU
  EXPECT_EQ(p.congestion().cwnd(), 4000u);
  p.on_data_sent(at(sec(11)));
  p.apply_idle_decay(at(ms(11500)));
  EXPECT_EQ(p.congestion().cwnd(), 4000u);
}

TEST(Path, IdleDecayUsesBackedOffRto) {
  const PathManagerConfig cfg = test_config();  // a Path refers to its settings
  Path p(kP0, addr(1), true, cfg.path, 1'000'000);
  p.congestion().on_fast_retransmit(0);  // cwnd = max(4000/2, 4000)
  p.congestion().reset(1'000'000);
  for (int i = 0; i < 12; ++i) {
    CongestionControl::SackInfo s;
    s.bytes_acked = 1000;
    s.flight_size_before = p.congestion().cwnd();
    s.flight_size_after = 1;
    s.cumulative_tsn_advanced = true;
    p.congestion().on_sack(s);
  }
  ASSERT_EQ(p.congestion().cwnd(), 16000u);
  p.rto().back_off();  // 2 s
  p.on_data_sent(kT0);
  p.apply_idle_decay(at(ms(3999)));  // one RTO
  EXPECT_EQ(p.congestion().cwnd(), 8000u);
  p.apply_idle_decay(at(sec(4)));
  EXPECT_EQ(p.congestion().cwnd(), 4000u);
}

TEST(Path, ErrorCounterAndStates) {  // §8.2
  PathConfig cfg = test_config().path;
  cfg.max_retrans = 0;  // the first error already exceeds the limit
  Path p(kP0, addr(1), false, cfg, 1000);
  EXPECT_TRUE(p.is_active());
  EXPECT_FALSE(p.is_usable());
  EXPECT_TRUE(p.is_probing());
  EXPECT_TRUE(p.record_error());
  EXPECT_FALSE(p.is_active());
  EXPECT_FALSE(p.is_probing());
  EXPECT_FALSE(p.record_error());
  EXPECT_EQ(p.error_count(), 1);
  EXPECT_TRUE(p.confirm());
  EXPECT_FALSE(p.confirm());
  EXPECT_FALSE(p.is_usable());
  EXPECT_TRUE(p.record_success());
  EXPECT_FALSE(p.record_success());
  EXPECT_TRUE(p.is_usable());
  EXPECT_EQ(p.error_count(), 0);
}

}  // namespace
}  // namespace sctps::core
