// Out-of-the-blue packets (RFC 9260 §8.4) and the verification tag rules (§8.5, §8.5.1): what an
// endpoint answers, with which tag and T bit, and what it drops silently and counts.
#include <gtest/gtest.h>

#include "handshake_wire.h"

namespace sctps::sim {
namespace {

constexpr std::uint32_t kTag = 0x5EEDF00D;

// A server endpoint with no association; the test writes packets to it from the client's address.
struct Ootb : ::testing::Test {
  Pair p{31};
  Capture cap{p.net};

  // Injects `chunks` from 10.0.0.1:5000 with `tag`, runs 20 ms, returns what the server sent.
  std::vector<SeenPacket> send(const std::vector<std::vector<std::uint8_t>>& chunks,
                               std::uint32_t tag = kTag) {
    const std::size_t mark = cap.packets.size();
    p.net.inject(raw_packet(5000, 6000, tag, chunks), p.client_ip, p.server_ip, p.net.now());
    p.net.run_for(ms(20));
    std::vector<SeenPacket> out;
    for (std::size_t k = mark; k < cap.packets.size(); ++k) {
      if (!cap.packets[k].injected && cap.packets[k].from == p.server_ip) {
        out.push_back(cap.packets[k]);
      }
    }
    return out;
  }
  const core::EndpointStats& stats() { return p.server->endpoint().endpoint_stats(); }
  void expect_no_state() {
    EXPECT_EQ(p.server->endpoint().association_count(), 0u);
    EXPECT_TRUE(p.server->ups.empty());
  }
};

std::vector<std::uint8_t> stale_cookie_error() {
  return raw_chunk(ct::kError, 0, raw_tlv(wire::cause_code::kStaleCookie, be32(1000)));
}

std::vector<std::uint8_t> data_chunk() {
  return raw_data(1000, 0, 0, 51, pattern(20, 1));
}

// Rule 2: an ABORT is never answered (with or without the T bit, wherever it is in the packet).
TEST_F(Ootb, AbortNotAnswered) {
  EXPECT_TRUE(send({raw_chunk(ct::kAbort, 0, {})}).empty());
  EXPECT_TRUE(send({raw_chunk(ct::kAbort, 1, {})}).empty());
  EXPECT_TRUE(
      send({raw_chunk(ct::kHeartbeat, 0, raw_tlv(1, pattern(8, 2))), raw_chunk(ct::kAbort, 0, {})})
          .empty());
  EXPECT_EQ(stats().aborts_sent_out_of_the_blue, 0u);
  EXPECT_EQ(stats().dropped_out_of_the_blue, 3u);
  expect_no_state();
}

// Rule 5: SHUTDOWN ACK is answered with SHUTDOWN COMPLETE, T bit set, the packet's own tag.
TEST_F(Ootb, ShutdownAckAnsweredWithShutdownCompleteReflectingTag) {
  const auto out = send({raw_chunk(ct::kShutdownAck, 0, {})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].types(), std::vector<std::uint8_t>{ct::kShutdownComplete});
  EXPECT_TRUE(out[0].chunks[0].t_bit());
  EXPECT_EQ(out[0].vtag, kTag);
  EXPECT_EQ(out[0].to, p.client_ip);
  EXPECT_EQ(out[0].src_port, 6000);
  EXPECT_EQ(out[0].dst_port, 5000);
  EXPECT_EQ(out[0].chunks[0].whole.size(), 4u);
  expect_no_state();
}

// Rules 6 and 7: SHUTDOWN COMPLETE, COOKIE ACK and a Stale Cookie ERROR are discarded silently.
TEST_F(Ootb, ShutdownCompleteCookieAckAndStaleCookieErrorNotAnswered) {
  EXPECT_TRUE(send({raw_chunk(ct::kShutdownComplete, 0, {})}).empty());
  EXPECT_TRUE(send({raw_chunk(ct::kShutdownComplete, 1, {})}).empty());
  EXPECT_TRUE(send({raw_chunk(ct::kCookieAck, 0, {})}).empty());
  EXPECT_TRUE(send({stale_cookie_error()}).empty());
  EXPECT_EQ(stats().aborts_sent_out_of_the_blue, 0u);
  expect_no_state();
}

// Rule 8: anything else (DATA, an ERROR of another cause, HEARTBEAT, SACK) gets an ABORT with the
// T bit and the packet's own tag, and nothing more.
TEST_F(Ootb, DataAndOthersAnsweredWithAbortReflectingTag) {
  std::vector<std::vector<std::uint8_t>> cases = {
      data_chunk(),
      raw_chunk(ct::kError, 0, raw_tlv(wire::cause_code::kOutOfResource, {})),
      raw_chunk(ct::kHeartbeat, 0, raw_tlv(1, pattern(8, 3))),
      raw_chunk(ct::kSack, 0, {0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}),
  };
  std::uint32_t tag = kTag;
  for (const auto& chunk : cases) {
    const auto out = send({chunk}, ++tag);
    ASSERT_EQ(out.size(), 1u) << int(chunk[0]);
    EXPECT_EQ(out[0].types(), std::vector<std::uint8_t>{ct::kAbort});
    EXPECT_TRUE(out[0].chunks[0].t_bit());
    EXPECT_EQ(out[0].vtag, tag);
    EXPECT_EQ(out[0].to, p.client_ip);
    EXPECT_EQ(out[0].dst_port, 5000);
  }
  EXPECT_EQ(stats().aborts_sent_out_of_the_blue, cases.size());
  expect_no_state();
  // The client endpoint (no association either) discarded the ABORTs silently: no ping-pong.
  EXPECT_TRUE(cap.from(p.client_ip).empty());
}

// §6.8: a packet with a bad checksum is dropped before anything else and counted.
TEST_F(Ootb, BadChecksumDroppedAndCounted) {
  auto bytes = raw_packet(5000, 6000, kTag, {data_chunk()});
  bytes[8] ^= 0xFF;
  p.net.inject(bytes, p.client_ip, p.server_ip, p.net.now());
  auto init = raw_packet(5000, 6000, 0, {raw_chunk(ct::kInit, 0, pattern(16, 4))});
  init[11] ^= 0x01;
  p.net.inject(init, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(20));
  EXPECT_EQ(stats().dropped_bad_checksum, 2u);
  EXPECT_EQ(stats().aborts_sent_out_of_the_blue, 0u);
  EXPECT_EQ(stats().inits_answered, 0u);
  EXPECT_TRUE(cap.from(p.server_ip).empty());
}

// §6.10: an INIT bundled with anything is dropped, wherever it is in the packet.
TEST_F(Ootb, InitBundledWithDataDropped) {
  std::vector<std::uint8_t> v(16);
  wire::store_be32(v.data(), 0x01020304);
  wire::store_be32(v.data() + 4, 65536);
  wire::store_be16(v.data() + 8, 4);
  wire::store_be16(v.data() + 10, 4);
  wire::store_be32(v.data() + 12, 77);
  const auto init = raw_chunk(ct::kInit, 0, v);
  EXPECT_TRUE(send({init, data_chunk()}, 0).empty());
  EXPECT_TRUE(send({data_chunk(), init}, kTag).empty());
  EXPECT_EQ(stats().dropped_bundled_init, 2u);
  EXPECT_EQ(stats().inits_answered, 0u);
  // The same INIT alone is answered.
  const auto out = send({init}, 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].types(), std::vector<std::uint8_t>{ct::kInitAck});
  EXPECT_EQ(out[0].vtag, 0x01020304u);
  expect_no_state();
}

// §8.5.1 A: tag 0 is for an INIT only; any other packet with tag 0 is discarded silently (not
// answered with an ABORT).
TEST_F(Ootb, ZeroTagWithoutInitDiscarded) {
  EXPECT_TRUE(send({data_chunk()}, 0).empty());
  EXPECT_TRUE(send({raw_chunk(ct::kShutdownAck, 0, {})}, 0).empty());
  EXPECT_EQ(stats().dropped_zero_tag, 2u);
  EXPECT_EQ(stats().aborts_sent_out_of_the_blue, 0u);
}

// --- §8.5 / §8.5.1 with an established association ---

struct Established : ::testing::Test {
  Pair p{41};
  Capture cap{p.net};
  core::AssocId cid = 0;
  core::AssocId sid = 0;
  std::uint32_t a = 0;  // the client's tag
  std::uint32_t z = 0;  // the server's tag

  void SetUp() override {
    cid = p.connect();
    ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
    sid = p.server_assoc();
    a = init_fields(cap.with(p.client_ip, ct::kInit)[0].chunks[0]).initiate_tag;
    z = init_fields(cap.with(p.server_ip, ct::kInitAck)[0].chunks[0]).initiate_tag;
  }
  std::uint64_t server_wrong_tags() { return p.server->endpoint().stats(sid)->dropped_wrong_tag; }
  std::vector<SeenPacket> server_sent_since(std::size_t mark) {
    std::vector<SeenPacket> out;
    for (std::size_t k = mark; k < cap.packets.size(); ++k) {
      if (!cap.packets[k].injected && cap.packets[k].from == p.server_ip) {
        out.push_back(cap.packets[k]);
      }
    }
    return out;
  }
};

// §8.5: a packet whose tag is not ours is dropped and counted; the same packet with the right tag
// is then processed.
TEST_F(Established, WrongTagDataDroppedAndCounted) {
  std::vector<Packet> held;
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(ct::kData, 1, &held));
  ASSERT_EQ(p.client->endpoint().send(cid, StreamId(0), Ppid(9), pattern(100, 7), {}, p.net.now()),
            core::SendStatus::kOk);
  p.net.run_for(ms(2));
  ASSERT_EQ(held.size(), 1u);
  std::vector<std::uint8_t> wrong = held[0].bytes;
  wrong[4] ^= 0x80;
  reseal(wrong);
  std::size_t mark = cap.packets.size();
  p.net.inject(wrong, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(1));
  EXPECT_EQ(server_wrong_tags(), 1u);
  EXPECT_TRUE(p.server->received.empty());
  EXPECT_TRUE(server_sent_since(mark).empty());  // not even a SACK
  // Right tag: delivered and acknowledged.
  mark = cap.packets.size();
  p.net.inject(held[0].bytes, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(1));
  ASSERT_EQ(p.server->received.size(), 1u);
  EXPECT_EQ(p.server->received[0].message.payload, pattern(100, 7));
  p.net.run_for(ms(300));
  bool sacked = false;
  for (const SeenPacket& s : server_sent_since(mark)) sacked = sacked || s.has(ct::kSack);
  EXPECT_TRUE(sacked);
  EXPECT_EQ(server_wrong_tags(), 1u);
}

struct TagCase {
  const char* name;
  bool t_bit;
  bool peer_tag;  // the tag carried: the client's (peer's) tag, else the server's own
  bool accepted;
};

std::string tag_case_name(const ::testing::TestParamInfo<TagCase>& info) {
  return info.param.name;
}

const TagCase kTagCases[] = {
    {"OwnTagNoTBit", false, false, true},
    {"PeerTagWithTBit", true, true, true},
    {"PeerTagNoTBit", false, true, false},
    {"OwnTagWithTBit", true, false, false},
};

class AbortTag : public Established, public ::testing::WithParamInterface<TagCase> {};

// §8.5.1 B: an ABORT is accepted with our tag and no T bit, or the peer's tag and the T bit.
TEST_P(AbortTag, AcceptedOnlyWithMatchingTagAndTBit) {
  const TagCase c = GetParam();
  const std::uint32_t tag = c.peer_tag ? a : z;
  p.net.inject(raw_packet(5000, 6000, tag, {raw_chunk(ct::kAbort, c.t_bit ? 1 : 0, {})}),
               p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(5));
  if (c.accepted) {
    ASSERT_EQ(p.server->downs.size(), 1u);
    EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kPeerAborted);
  } else {
    EXPECT_TRUE(p.server->downs.empty());
    EXPECT_EQ(server_wrong_tags(), 1u);
    EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kEstablished);
  }
}

INSTANTIATE_TEST_SUITE_P(Tags, AbortTag, ::testing::ValuesIn(kTagCases), tag_case_name);

class ShutdownCompleteTag : public Established, public ::testing::WithParamInterface<TagCase> {};

// §8.5.1 C: the same rule for SHUTDOWN COMPLETE, tried on a server in SHUTDOWN-ACK-SENT whose
// peer's own SHUTDOWN COMPLETE was lost.
TEST_P(ShutdownCompleteTag, AcceptedOnlyWithMatchingTagAndTBit) {
  const TagCase c = GetParam();
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(ct::kShutdownComplete, -1));
  ASSERT_TRUE(p.client->endpoint().shutdown(cid, p.net.now()));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(2)));
  ASSERT_EQ(p.server->endpoint().state(sid), core::AssociationState::kShutdownAckSent);
  const std::uint32_t tag = c.peer_tag ? a : z;
  p.net.inject(raw_packet(5000, 6000, tag, {raw_chunk(ct::kShutdownComplete, c.t_bit ? 1 : 0, {})}),
               p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(1));
  if (c.accepted) {
    ASSERT_EQ(p.server->downs.size(), 1u);
    EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kShutdown);
  } else {
    EXPECT_TRUE(p.server->downs.empty());
    EXPECT_EQ(server_wrong_tags(), 1u);
    EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kShutdownAckSent);
  }
}

INSTANTIATE_TEST_SUITE_P(Tags, ShutdownCompleteTag, ::testing::ValuesIn(kTagCases), tag_case_name);

}  // namespace
}  // namespace sctps::sim
