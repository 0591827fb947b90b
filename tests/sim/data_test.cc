// User data transfer (RFC 9260 §6): message sizes from 1 byte to 16 MiB, PPID, ordered delivery per
// stream under reordering (§6.5), unordered delivery (§6.6), invalid stream identifiers (§6.5),
// DATA without user data (§6.2), and flow control (§6.1 A, §6.2.1, send buffer back-pressure).
#include <gtest/gtest.h>

#include <map>

#include "sim_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

// User data that exactly fills one 1200-byte packet: 12 (common header) + 16 (DATA header).
constexpr std::size_t kFull = 1200 - 12 - 16;

const core::AssocId kClientAssoc = 1;

core::SendOptions unordered() {
  core::SendOptions o;
  o.unordered = true;
  return o;
}

core::SendStatus send(Pair& p, std::uint16_t stream, std::uint32_t ppid,
                      std::vector<std::uint8_t> payload, core::SendOptions o = {}) {
  return p.client->endpoint().send(kClientAssoc, StreamId(stream), Ppid(ppid), std::move(payload),
                                   o, p.net.now());
}

void establish(Pair& p) {
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
}

TEST(Data, MessageSizesFromOneByteToSixteenMiB) {
  Pair p(21);
  establish(p);
  const std::vector<std::size_t> sizes = {1, 1200, 64 * 1024, 16 * 1024 * 1024};
  // The 16 MiB message is 16 times the default receive window (1 MiB).
  ASSERT_GT(sizes.back(), core::AssociationOptions{}.receive_window);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    // A message larger than the send buffer (4 MiB) is taken only into an empty buffer.
    if (sizes[i] > core::AssociationOptions{}.send_buffer_limit) {
      ASSERT_TRUE(p.run_until(
          [&] { return p.client->endpoint().stats(kClientAssoc)->send_buffer_bytes == 0; }));
    }
    ASSERT_EQ(send(p, static_cast<std::uint16_t>(i), 1000 + static_cast<std::uint32_t>(i),
                   pattern(sizes[i], static_cast<std::uint32_t>(i))),
              core::SendStatus::kOk);
  }
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == sizes.size(); }, sec(120)));
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto& m = p.server->received[i].message;
    EXPECT_EQ(m.stream, StreamId(static_cast<std::uint16_t>(i)));
    EXPECT_EQ(m.ppid, Ppid(1000 + static_cast<std::uint32_t>(i)));
    EXPECT_FALSE(m.unordered);
    EXPECT_EQ(m.payload.size(), sizes[i]);
    EXPECT_TRUE(m.payload == pattern(sizes[i], static_cast<std::uint32_t>(i))) << "message " << i;
  }
  const auto st = p.client->endpoint().stats(kClientAssoc);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->t3_expirations, 0u);
  EXPECT_EQ(st->retransmitted_chunks, 0u);
}

TEST(Data, PpidIsCarriedUnchangedInEveryFragment) {
  Pair p(22);
  establish(p);
  WireLog log(p.net);
  ASSERT_EQ(send(p, 3, 0xDEADBEEF, pattern(5000, 1)), core::SendStatus::kOk);
  ASSERT_EQ(send(p, 3, 0, pattern(10, 2)), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 2; }));
  EXPECT_EQ(p.server->received[0].message.ppid, Ppid(0xDEADBEEF));
  EXPECT_EQ(p.server->received[1].message.ppid, Ppid(0));
  // §3.3.1: the PPID travels in every DATA chunk; the 5000-byte message takes 5 fragments.
  int fragments = 0;
  for (const WireRecord* r : log.sent(p.client_ip, ct::kData)) {
    for (const auto& d : r->data()) {
      if (d.ssn == Ssn(0)) {
        EXPECT_EQ(d.ppid, Ppid(0xDEADBEEF));
        ++fragments;
      }
    }
  }
  EXPECT_EQ(fragments, 5);
}

TEST(Data, OrderedDeliveryPerStreamUnderReordering) {
  LinkConfig link;
  link.delay = ms(10);
  link.jitter = ms(8);
  link.reorder = 0.3;
  link.reorder_extra = ms(15);
  Pair p(23, link);
  establish(p);
  constexpr std::size_t kCount = 400;
  SeededRandom rnd(5);
  std::map<std::uint16_t, std::vector<std::uint32_t>> sent;
  std::size_t next = 0;
  auto refill = [&] {
    while (next < kCount) {
      const auto stream = static_cast<std::uint16_t>(rnd.uniform(4));
      const std::size_t size = 1 + rnd.uniform(3000);
      const auto ppid = static_cast<std::uint32_t>(next);
      if (send(p, stream, ppid, pattern(size, ppid)) != core::SendStatus::kOk) return;
      sent[stream].push_back(ppid);
      ++next;
    }
  };
  refill();
  ASSERT_TRUE(p.run_until([&] {
    refill();
    return p.server->received.size() == kCount;
  }));
  // The link did reorder packets, yet every stream delivers in the order it was sent.
  EXPECT_GT(p.net.stats(p.client_ip, p.server_ip)->reordered, 20u);
  std::map<std::uint16_t, std::vector<std::uint32_t>> got;
  for (const auto& m : p.server->received) {
    got[m.message.stream.value()].push_back(m.message.ppid.value());
    EXPECT_FALSE(m.message.unordered);
  }
  EXPECT_EQ(got, sent);
}

// §6.6: an unordered message is delivered as soon as it is complete, ahead of an earlier ordered
// message of its stream that was lost; §6.5: a lost message blocks only its own stream.
TEST(Data, UnorderedAndOtherStreamsBypassALostOrderedMessage) {
  Pair p(24);
  establish(p);
  WireLog log(p.net);
  bool dropped = false;
  std::uint32_t lost_tsn = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    const auto tsns = data_tsns(pk);
    if (!dropped && !tsns.empty()) {
      dropped = true;
      lost_tsn = tsns[0];
      return Verdict::kDrop;
    }
    return Verdict::kPass;
  });
  // Each message fills one packet, so the first packet carries A alone.
  ASSERT_EQ(send(p, 0, 1, pattern(kFull, 1)), core::SendStatus::kOk);               // A ordered
  ASSERT_EQ(send(p, 0, 2, pattern(kFull, 2), unordered()), core::SendStatus::kOk);  // B
  ASSERT_EQ(send(p, 0, 3, pattern(kFull, 3)), core::SendStatus::kOk);               // C ordered
  ASSERT_EQ(send(p, 1, 4, pattern(kFull, 4)), core::SendStatus::kOk);               // D stream 1
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 4; }));
  ASSERT_TRUE(dropped);
  std::map<std::uint32_t, std::size_t> position;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& m = p.server->received[i].message;
    position[m.ppid.value()] = i;
    EXPECT_EQ(m.unordered, m.ppid == Ppid(2));
  }
  // B and D need nothing from A; C waits for A.
  EXPECT_LT(position[2], position[1]);
  EXPECT_LT(position[4], position[1]);
  EXPECT_LT(position[1], position[3]);
  for (const auto& m : p.server->received) {
    EXPECT_EQ(m.message.payload, pattern(kFull, m.message.ppid.value()));
  }
  // The unordered chunk carried the U bit on the wire (§3.3.1) and SSN 0 is not consumed: C got
  // SSN 1 (A had 0).
  for (const WireRecord* r : log.sent(p.client_ip, ct::kData)) {
    for (const auto& d : r->data()) {
      if (d.ppid == Ppid(2)) {
        EXPECT_TRUE(d.unordered);
      }
      if (d.ppid == Ppid(3)) {
        EXPECT_EQ(d.ssn, Ssn(1));
      }
      if (d.ppid == Ppid(1)) {
        EXPECT_EQ(d.tsn.value(), lost_tsn);
      }
    }
  }
}

// §6.5: a DATA chunk on a stream the receiver does not have is acknowledged, dropped, and reported
// at once with an ERROR "Invalid Stream Identifier"; bundled with the SACK, the ERROR follows it.
TEST(Data, InvalidStreamIdentifierIsAcknowledgedAndReported) {
  Pair p(25);
  establish(p);
  WireLog log(p.net);
  std::optional<std::uint32_t> rewritten_tsn;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (rewritten_tsn) return Verdict::kPass;
    rewrite_chunks(pk, ct::kData, [&](std::uint8_t* c, std::size_t) {
      if (rewritten_tsn) return false;
      rewritten_tsn = wire::load_be32(c + 4);
      wire::store_be16(c + 8, 100);  // stream identifier: the server accepts 16 streams
      return true;
    });
    return Verdict::kPass;
  });
  ASSERT_EQ(send(p, 2, 7, pattern(100, 7)), core::SendStatus::kOk);
  bool peer_error = false;
  ASSERT_TRUE(p.run_until([&] {
    for (const auto& e : p.client->events()) {
      if (const auto* pe = std::get_if<core::PeerError>(&e)) {
        peer_error = true;
        EXPECT_NE(pe->description.find("100"), std::string::npos) << pe->description;
      }
    }
    return peer_error;
  }));
  ASSERT_TRUE(rewritten_tsn);
  EXPECT_TRUE(p.server->received.empty());

  const auto delivered = log.delivered(p.server_ip, ct::kData);
  ASSERT_FALSE(delivered.empty());
  const TimePoint arrival = delivered.front()->time;
  const auto errors = log.sent(p.server_ip, ct::kError);
  ASSERT_EQ(errors.size(), 1u);
  // Sent at once (not after the delayed-ack timer).
  EXPECT_EQ(errors[0]->time, arrival);
  const auto causes = errors[0]->causes(ct::kError);
  ASSERT_EQ(causes.size(), 1u);
  const auto* invalid = std::get_if<wire::InvalidStreamIdentifierCause>(&causes[0]);
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ(invalid->stream_id, StreamId(100));
  // The TSN is acknowledged, so the sender does not retransmit it.
  bool acked = false;
  for (const WireRecord* r : log.sent(p.server_ip, ct::kSack)) {
    if (r->sack()->cumulative_tsn_ack.value() == *rewritten_tsn) acked = true;
    if (r->has(ct::kError)) {
      const auto types = r->types();
      const auto sack_at = std::find(types.begin(), types.end(), ct::kSack);
      const auto error_at = std::find(types.begin(), types.end(), ct::kError);
      EXPECT_LT(sack_at, error_at) << "§6.5: an ERROR bundled with the SACK must follow it";
    }
  }
  EXPECT_TRUE(acked);
  p.net.run_for(sec(2));
  const auto st = p.client->endpoint().stats(kClientAssoc);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->retransmitted_chunks, 0u);
  // The association goes on (on another stream: stream 2 waits for the SSN it lost).
  ASSERT_EQ(send(p, 3, 8, pattern(100, 8)), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  EXPECT_EQ(p.server->received[0].message.ppid, Ppid(8));
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

// §6.2: a DATA chunk without user data aborts the association with cause "No User Data".
TEST(Data, DataChunkWithoutUserDataAborts) {
  Pair p(26);
  establish(p);
  WireLog log(p.net);
  std::optional<std::uint32_t> emptied_tsn;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    auto v = parse_packet(pk);
    if (emptied_tsn || !v) return Verdict::kPass;
    for (const auto& c : *v) {
      if (c.type != ct::kData) continue;
      emptied_tsn = wire::load_be32(pk.bytes.data() + c.offset + 4);
      const std::size_t padded = wire::padded4(c.whole.size());
      wire::store_be16(pk.bytes.data() + c.offset + 2, 16);
      pk.bytes.erase(pk.bytes.begin() + static_cast<std::ptrdiff_t>(c.offset + 16),
                     pk.bytes.begin() + static_cast<std::ptrdiff_t>(c.offset + padded));
      fix_checksum(pk);
      break;
    }
    return Verdict::kPass;
  });
  ASSERT_EQ(send(p, 0, 1, pattern(50, 1)), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  ASSERT_TRUE(emptied_tsn);
  EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kLocalAbort);
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
  const auto aborts = log.sent(p.server_ip, ct::kAbort);
  ASSERT_EQ(aborts.size(), 1u);
  const auto abort_chunk = aborts[0]->first_of(ct::kAbort);
  EXPECT_EQ(abort_chunk->flags & 0x01, 0) << "T bit: the server knows the client's tag";
  const auto causes = aborts[0]->causes(ct::kAbort);
  ASSERT_EQ(causes.size(), 1u);
  const auto* no_data = std::get_if<wire::NoUserDataCause>(&causes[0]);
  ASSERT_NE(no_data, nullptr);
  EXPECT_EQ(no_data->tsn.value(), *emptied_tsn);
  EXPECT_NE(p.client->downs[0].detail.find("No User Data"), std::string::npos)
      << p.client->downs[0].detail;
  EXPECT_TRUE(p.server->received.empty());
  // The message was never acknowledged: it comes back to the client's application.
  ASSERT_EQ(p.client->downs[0].undelivered.size(), 1u);
  EXPECT_EQ(p.client->downs[0].undelivered[0].payload, pattern(50, 1));
}

// --- Flow control ---

// §6.1 A, §6.2.1: the sender never has more outstanding than the peer's window (4000 bytes here).
TEST(Flow, SmallReceiveWindowLimitsOutstandingData) {
  core::AssociationOptions server = fast_options();
  server.receive_window = 4000;
  Pair p(27, {}, fast_options(), server);
  establish(p);
  constexpr std::size_t kCount = 60;
  for (std::size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(
        send(p, 0, static_cast<std::uint32_t>(i), pattern(3000, static_cast<std::uint32_t>(i))),
        core::SendStatus::kOk);
  }
  std::size_t max_outstanding = 0;
  bool window_full = false;
  ASSERT_TRUE(p.run_until([&] {
    if (auto st = p.client->endpoint().stats(kClientAssoc)) {
      max_outstanding = std::max(max_outstanding, st->outstanding_bytes);
      // Sender-side silly window avoidance waits for half an MTU of window while data is out.
      if (st->peer_rwnd < 600 && st->outstanding_bytes > 0) window_full = true;
    }
    return p.server->received.size() == kCount;
  }));
  EXPECT_LE(max_outstanding, 4000u);
  EXPECT_GT(max_outstanding, 4000u - 600u);
  EXPECT_TRUE(window_full) << "the sender should use the whole window";
  for (std::size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(p.server->received[i].message.payload, pattern(3000, static_cast<std::uint32_t>(i)));
  }
}

// §6.1 A: with the peer's window closed the sender keeps at most one DATA chunk in flight, a probe
// sent when nothing else is outstanding. The receiver's application "stops reading": a filter
// rewrites the a_rwnd of its SACKs to 0 until the test opens the window again.
TEST(Flow, ZeroWindowProbeWithOneChunkWhenNothingOutstanding) {
  Pair p(28);
  establish(p);
  WireLog log(p.net);
  bool closed = true;
  p.net.set_filter(p.server_ip, p.client_ip, [&](Packet& pk) {
    if (closed) {
      rewrite_chunks(pk, ct::kSack, [](std::uint8_t* c, std::size_t) {
        wire::store_be32(c + 8, 0);
        return true;
      });
    }
    return Verdict::kPass;
  });
  constexpr std::size_t kCount = 30;
  for (std::size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(
        send(p, 0, static_cast<std::uint32_t>(i), pattern(kFull, static_cast<std::uint32_t>(i))),
        core::SendStatus::kOk);
  }
  const TimePoint start = p.net.now();
  p.net.run_for(sec(3));
  closed = false;
  const TimePoint opened = p.net.now();
  dump_if_requested(log, start);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == kCount; }));

  // Replay the client's view: after the first SACK with a_rwnd 0, each DATA packet carries one
  // chunk and leaves only when every earlier TSN has been acknowledged.
  std::uint32_t highest_sent = 0;
  std::uint32_t cum_acked = 0;
  bool have_sent = false;
  bool window_zero = false;
  int probes = 0;
  for (const WireRecord& r : log.records) {
    if (r.time >= opened) break;
    if (r.kind == TraceKind::kDelivered && r.to == p.client_ip && r.has(ct::kSack)) {
      cum_acked = r.sack()->cumulative_tsn_ack.value();
      if (r.sack()->a_rwnd == 0) window_zero = true;
    }
    if (r.kind == TraceKind::kSent && r.from == p.client_ip && r.has(ct::kData)) {
      const auto data = r.data();
      const bool is_new =
          !have_sent || static_cast<std::int32_t>(data[0].tsn.value() - highest_sent) > 0;
      if (window_zero && is_new) {
        ++probes;
        EXPECT_EQ(data.size(), 1u) << "at " << r.ms_since(start) << " ms";
        EXPECT_TRUE(have_sent && cum_acked == highest_sent)
            << "probe at " << r.ms_since(start) << " ms with data outstanding";
      }
      if (is_new) highest_sent = data.back().tsn.value();
      have_sent = true;
    }
  }
  EXPECT_TRUE(window_zero);
  // A probe per round trip plus the receiver's delayed SACK (about 210 ms): over 3 s, several.
  EXPECT_GE(probes, 5);
  EXPECT_LE(probes, 20);
  for (std::size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(p.server->received[i].message.ppid.value(), i);
    EXPECT_EQ(p.server->received[i].message.payload, pattern(kFull, static_cast<std::uint32_t>(i)));
  }
}

// Back-pressure: send() refuses with kWouldBlock at send_buffer_limit; SendBufferAvailable comes
// once the buffer drained below half; nothing refused and retried is lost or reordered.
TEST(Flow, SendBufferBackPressure) {
  core::AssociationOptions client = fast_options();
  client.send_buffer_limit = 8000;
  Pair p(29, {}, client);
  establish(p);
  constexpr std::size_t kCount = 200;
  std::size_t next = 0;
  std::size_t would_block = 0;
  std::size_t available_events = 0;
  auto refill = [&] {
    while (next < kCount) {
      const auto st =
          send(p, static_cast<std::uint16_t>(next % 3), static_cast<std::uint32_t>(next),
               pattern(1000, static_cast<std::uint32_t>(next)));
      if (st == core::SendStatus::kWouldBlock) {
        ++would_block;
        const auto s = p.client->endpoint().stats(kClientAssoc);
        EXPECT_GT(s->send_buffer_bytes + 1000, 8000u);
        return;
      }
      EXPECT_EQ(st, core::SendStatus::kOk);
      ++next;
    }
  };
  refill();
  // Nothing went out yet: exactly 8 messages of 1000 bytes fit the 8000-byte buffer.
  EXPECT_EQ(next, 8u);
  EXPECT_EQ(would_block, 1u);
  p.client->on_event = [&](const core::Event& e) {
    if (std::holds_alternative<core::SendBufferAvailable>(e)) {
      ++available_events;
      const auto s = p.client->endpoint().stats(kClientAssoc);
      EXPECT_LT(s->send_buffer_bytes, 4000u);
      refill();
    }
  };
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == kCount; }));
  EXPECT_GT(would_block, 5u);
  EXPECT_GE(available_events, would_block - 1);
  std::map<std::uint16_t, std::uint32_t> last;
  for (std::size_t i = 0; i < kCount; ++i) {
    const auto& m = p.server->received[i].message;
    EXPECT_EQ(m.payload, pattern(1000, m.ppid.value()));
    auto it = last.find(m.stream.value());
    if (it != last.end()) {
      EXPECT_LT(it->second, m.ppid.value());
    }
    last[m.stream.value()] = m.ppid.value();
  }
  // A single message larger than the limit is accepted into an empty buffer.
  ASSERT_TRUE(p.run_until(
      [&] { return p.client->endpoint().stats(kClientAssoc)->send_buffer_bytes == 0; }));
  EXPECT_EQ(send(p, 0, 999, pattern(20000, 999)), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == kCount + 1; }));
  EXPECT_EQ(p.server->received.back().message.payload, pattern(20000, 999));
}

}  // namespace
}  // namespace sctps::sim
