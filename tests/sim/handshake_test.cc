// The four-way handshake of RFC 9260 §5.1 seen on the wire: what INIT and INIT ACK carry and where
// they go, the stateless server (§5.1.3), stream negotiation (§5.1.1), unrecognized parameters
// (§3.2.1, §3.2.2) and chunks (§3.2), loss of each handshake packet with T1 backoff (§5.1.6),
// stale (§5.2.6) and forged (§5.1.5) cookies.
#include <gtest/gtest.h>

#include <algorithm>

#include "handshake_wire.h"

namespace sctps::sim {
namespace {

namespace pt = wire::parameter_type;

bool lists(const std::vector<IpAddress>& v, const IpAddress& a) {
  return std::find(v.begin(), v.end(), a) != v.end();
}

// §5.1 A, §8.5.1 A: the INIT goes alone with tag 0; §5.1 B: the INIT ACK goes to the INIT's source
// with the Initiate Tag as its tag; §5.1.3: the server keeps no state before the COOKIE ECHO.
TEST(Handshake, InitAloneWithZeroTagAndServerStatelessUntilCookieEcho) {
  Pair p;
  Capture cap(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(ct::kCookieEcho, -1));
  p.connect();
  p.net.run_for(ms(50));

  const auto inits = cap.with(p.client_ip, ct::kInit);
  ASSERT_GE(inits.size(), 1u);
  const SeenPacket& init = inits[0];
  EXPECT_EQ(init.vtag, 0u);
  EXPECT_EQ(init.types(), std::vector<std::uint8_t>{ct::kInit});
  EXPECT_EQ(init.src_port, 5000);
  EXPECT_EQ(init.dst_port, 6000);
  EXPECT_EQ(init.to, p.server_ip);
  const InitFieldsSeen i = init_fields(init.chunks[0]);
  EXPECT_NE(i.initiate_tag, 0u);
  EXPECT_EQ(i.os, 16);
  EXPECT_EQ(i.mis, 16);
  EXPECT_EQ(find_param(i, pt::kStateCookie), nullptr);

  const auto acks = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_GE(acks.size(), 1u);
  const SeenPacket& ack = acks[0];
  EXPECT_EQ(ack.vtag, i.initiate_tag);
  EXPECT_EQ(ack.to, p.client_ip);
  EXPECT_EQ(ack.types(), std::vector<std::uint8_t>{ct::kInitAck});
  EXPECT_EQ(ack.src_port, 6000);
  EXPECT_EQ(ack.dst_port, 5000);
  const InitFieldsSeen a = init_fields(ack.chunks[0]);
  EXPECT_NE(a.initiate_tag, 0u);
  EXPECT_NE(find_param(a, pt::kStateCookie), nullptr);

  // The COOKIE ECHOs never arrive: the server answered, but holds nothing.
  EXPECT_FALSE(cap.with(p.client_ip, ct::kCookieEcho).empty());
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
  EXPECT_GE(p.server->endpoint().endpoint_stats().inits_answered, 1u);
  EXPECT_TRUE(p.server->ups.empty());

  // The COOKIE ECHO carries the INIT ACK's Initiate Tag (§8.5.1 D) and only then state appears.
  const auto echo = cap.with(p.client_ip, ct::kCookieEcho)[0];
  EXPECT_EQ(echo.vtag, a.initiate_tag);
  EXPECT_EQ(echo.first(), ct::kCookieEcho);
  p.net.set_filter(p.client_ip, p.server_ip, {});
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
}

// §5.1 B (and §5.2.1 rule 3): the INIT ACK goes back to the address the INIT came from, not to
// the first address the INIT lists.
TEST(Handshake, InitAckGoesToTheInitSourceAddress) {
  Network net(3);
  const IpAddress a1 = ip("10.0.0.1");
  const IpAddress a3 = ip("10.0.0.3");
  const IpAddress s = ip("10.0.0.2");
  core::EndpointConfig cc;
  cc.local_port = 5000;
  cc.local_addresses = {a1, a3};
  cc.association = fast_options();
  core::EndpointConfig cs;
  cs.local_port = 6000;
  cs.local_addresses = {s};
  cs.association = fast_options();
  EndpointHost client(cc, 11, net.now());
  EndpointHost server(cs, 12, net.now());
  net.attach(client, {a1, a3});
  net.attach(server, {s});
  LinkConfig link;
  link.delay = ms(5);
  net.connect(a1, s, link);
  net.connect(a3, s, link);
  Capture cap(net);
  // The client's INIT leaves from 10.0.0.3 (as if routed that way).
  net.set_filter(a1, s, [&](Packet& pkt) {
    if (holds_chunk(pkt, ct::kInit)) pkt.from = a3;
    return Verdict::kPass;
  });
  client.endpoint().connect({s}, 6000, net.now());
  ASSERT_TRUE(net.run_until([&] { return !client.ups.empty() && !server.ups.empty(); },
                            net.now() + sec(5)));
  const auto init = cap.with(a1, ct::kInit);
  ASSERT_EQ(init.size(), 1u);
  const InitFieldsSeen i = init_fields(init[0].chunks[0]);
  ASSERT_NE(find_param(i, pt::kIpv4Address), nullptr);  // lists 10.0.0.1 first
  EXPECT_EQ(*find_param(i, pt::kIpv4Address), ipv4_param(a1));
  const auto acks = cap.with(s, ct::kInitAck);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].to, a3);
  EXPECT_TRUE(lists(server.ups[0].peer_addresses, a1));
  EXPECT_TRUE(lists(server.ups[0].peer_addresses, a3));
}

struct StreamCase {
  std::uint16_t client_os, client_mis, server_os, server_mis;
};

class StreamNegotiation : public ::testing::TestWithParam<StreamCase> {};

// §5.1.1: each side sends min(own OS, peer's MIS) streams and receives on min(peer's OS, own MIS).
TEST_P(StreamNegotiation, MinOfOutboundAndMaxInbound) {
  const StreamCase c = GetParam();
  core::AssociationOptions oc = fast_options();
  oc.outbound_streams = c.client_os;
  oc.max_inbound_streams = c.client_mis;
  core::AssociationOptions os = fast_options();
  os.outbound_streams = c.server_os;
  os.max_inbound_streams = c.server_mis;
  Pair p(5, {}, oc, os);
  Capture cap(p.net);
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));

  const InitFieldsSeen init = init_fields(cap.with(p.client_ip, ct::kInit)[0].chunks[0]);
  EXPECT_EQ(init.os, c.client_os);
  EXPECT_EQ(init.mis, c.client_mis);
  const InitFieldsSeen ack = init_fields(cap.with(p.server_ip, ct::kInitAck)[0].chunks[0]);
  // §3.3.3: the INIT ACK never announces more outbound streams than the INIT allowed.
  EXPECT_EQ(ack.os, std::min(c.server_os, c.client_mis));
  EXPECT_EQ(ack.mis, c.server_mis);

  const std::uint16_t c2s = std::min(c.client_os, c.server_mis);
  const std::uint16_t s2c = std::min(c.server_os, c.client_mis);
  EXPECT_EQ(p.client->ups[0].outbound_streams, c2s);
  EXPECT_EQ(p.client->ups[0].inbound_streams, s2c);
  EXPECT_EQ(p.server->ups[0].outbound_streams, s2c);
  EXPECT_EQ(p.server->ups[0].inbound_streams, c2s);

  const core::AssocId sid = p.server_assoc();
  auto& ce = p.client->endpoint();
  auto& se = p.server->endpoint();
  const TimePoint now = p.net.now();
  EXPECT_EQ(ce.send(id, StreamId(c2s), Ppid(1), pattern(10, 1), {}, now),
            core::SendStatus::kInvalidStream);
  EXPECT_EQ(se.send(sid, StreamId(s2c), Ppid(1), pattern(10, 1), {}, now),
            core::SendStatus::kInvalidStream);
  ASSERT_EQ(ce.send(id, StreamId(c2s - 1), Ppid(7), pattern(10, 2), {}, now),
            core::SendStatus::kOk);
  ASSERT_EQ(se.send(sid, StreamId(s2c - 1), Ppid(8), pattern(10, 3), {}, now),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until(
      [&] { return !p.server->received.empty() && !p.client->received.empty(); }, sec(5)));
  EXPECT_EQ(p.server->received[0].message.stream, StreamId(c2s - 1));
  EXPECT_EQ(p.client->received[0].message.stream, StreamId(s2c - 1));
}

INSTANTIATE_TEST_SUITE_P(Handshake, StreamNegotiation,
                         ::testing::Values(StreamCase{10, 5, 20, 7}, StreamCase{3, 40, 30, 2},
                                           StreamCase{1, 1, 65535, 65535}, StreamCase{8, 8, 8, 8}));

// §3.2.1: the upper two bits of an unrecognized parameter type.
struct UnknownParamCase {
  std::uint16_t type;
  bool stop;
  bool report;
};

std::string param_case_name(const ::testing::TestParamInfo<UnknownParamCase>& info) {
  return std::string(info.param.stop ? "Stop" : "Skip") + (info.param.report ? "Report" : "");
}

const UnknownParamCase kParamCases[] = {
    {0x0123, true, false}, {0x4123, true, true}, {0x8123, false, false}, {0xC123, false, true}};

class UnknownInitParameter : public ::testing::TestWithParam<UnknownParamCase> {};

// An unrecognized parameter in the INIT, followed by an extra address: reported in the INIT ACK as
// an Unrecognized Parameter parameter (§3.3.3) when the bits ask for it; the address after it is
// used only when the bits say "skip".
TEST_P(UnknownInitParameter, ReportedInInitAckAndStopsOrSkips) {
  const UnknownParamCase c = GetParam();
  Pair p(7);
  Capture cap(p.net);
  const std::vector<std::uint8_t> unknown = raw_tlv(c.type, {1, 2, 3, 4, 5});
  const IpAddress extra = ip("10.0.0.9");
  bool done = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (!done && holds_chunk(pkt, ct::kInit)) {
      append_parameters(pkt.bytes, {unknown, ipv4_param(extra)});
      done = true;
    }
    return Verdict::kPass;
  });
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));

  const auto acks = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_EQ(acks.size(), 1u);
  const InitFieldsSeen ack = init_fields(acks[0].chunks[0]);
  const auto* report = find_param(ack, pt::kUnrecognizedParameter);
  if (c.report) {
    ASSERT_NE(report, nullptr);
    EXPECT_EQ(std::vector<std::uint8_t>(report->begin() + 4, report->end()), unknown);
  } else {
    EXPECT_EQ(report, nullptr);
  }
  EXPECT_EQ(lists(p.server->ups[0].peer_addresses, extra), !c.stop);
  EXPECT_TRUE(lists(p.server->ups[0].peer_addresses, p.client_ip));
  EXPECT_TRUE(cap.with(p.server_ip, ct::kAbort).empty());
  EXPECT_TRUE(cap.with(p.client_ip, ct::kAbort).empty());
}

INSTANTIATE_TEST_SUITE_P(Handshake, UnknownInitParameter, ::testing::ValuesIn(kParamCases),
                         param_case_name);

class UnknownInitAckParameter : public ::testing::TestWithParam<UnknownParamCase> {};

// An unrecognized parameter in the INIT ACK is reported in an ERROR chunk (Unrecognized Parameters
// cause) bundled with the COOKIE ECHO, which stays the first chunk of the packet (§3.2.2, §5.1 C).
TEST_P(UnknownInitAckParameter, ReportedInErrorBundledWithCookieEcho) {
  const UnknownParamCase c = GetParam();
  Pair p(8);
  Capture cap(p.net);
  const std::vector<std::uint8_t> unknown = raw_tlv(c.type, {9, 8, 7, 6, 5});
  const IpAddress extra = ip("10.0.0.8");
  bool done = false;
  p.net.set_filter(p.server_ip, p.client_ip, [&](Packet& pkt) {
    if (!done && holds_chunk(pkt, ct::kInitAck)) {
      append_parameters(pkt.bytes, {unknown, ipv4_param(extra)});
      done = true;
    }
    return Verdict::kPass;
  });
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));

  const auto echoes = cap.with(p.client_ip, ct::kCookieEcho);
  ASSERT_EQ(echoes.size(), 1u);
  const SeenPacket& echo = echoes[0];
  EXPECT_EQ(echo.first(), ct::kCookieEcho);
  if (c.report) {
    ASSERT_EQ(echo.types(), (std::vector<std::uint8_t>{ct::kCookieEcho, ct::kError}));
    const auto cs = causes(*echo.find(ct::kError));
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_EQ(cause_code(cs[0]), wire::cause_code::kUnrecognizedParameters);
    ASSERT_GE(cs[0].size(), 4 + unknown.size());
    EXPECT_EQ(std::vector<std::uint8_t>(cs[0].begin() + 4,
                                        cs[0].begin() + 4 + static_cast<long>(unknown.size())),
              unknown);
    // The server processed the ERROR after creating the association.
    const auto errors = events_of<core::PeerError>(*p.server);
    ASSERT_EQ(errors.size(), 1u);
  } else {
    EXPECT_EQ(echo.types(), std::vector<std::uint8_t>{ct::kCookieEcho});
    EXPECT_TRUE(events_of<core::PeerError>(*p.server).empty());
  }
  // No ERROR ever went separately before the COOKIE ACK.
  for (const SeenPacket& pk : cap.from(p.client_ip)) {
    if (pk.has(ct::kError)) {
      EXPECT_TRUE(pk.has(ct::kCookieEcho));
    }
  }
  EXPECT_EQ(lists(p.client->ups[0].peer_addresses, extra), !c.stop);
  EXPECT_TRUE(cap.with(p.server_ip, ct::kAbort).empty());
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

INSTANTIATE_TEST_SUITE_P(Handshake, UnknownInitAckParameter, ::testing::ValuesIn(kParamCases),
                         param_case_name);

// §3.2: the upper two bits of an unrecognized chunk type, for a chunk placed before a DATA chunk.
struct UnknownChunkCase {
  std::uint8_t type;
  bool stop;
  bool report;
};

class UnknownChunk : public ::testing::TestWithParam<UnknownChunkCase> {};

TEST_P(UnknownChunk, BeforeDataStopsOrSkipsAndReports) {
  const UnknownChunkCase c = GetParam();
  Pair p(9);
  Capture cap(p.net);
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  p.net.run_for(ms(20));
  const std::vector<std::uint8_t> unknown = raw_chunk(c.type, 0x5A, {0xAA, 0xBB, 0xCC});
  std::optional<TimePoint> arrival;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (!arrival && holds_chunk(pkt, ct::kData)) {
      insert_chunk(pkt.bytes, 12, unknown);
      arrival = p.net.now() + ms(5);
    }
    return Verdict::kPass;
  });
  const std::size_t before = cap.packets.size();
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(0), Ppid(3), pattern(40, 4), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return arrival.has_value(); }, sec(1)));
  p.net.run_until(*arrival);
  // Right after the modified packet arrived: the DATA was processed only if the chunk is skipped.
  EXPECT_EQ(p.server->received.size(), c.stop ? 0u : 1u);
  p.net.run_for(ms(1));
  std::vector<SeenPacket> errors;
  for (std::size_t k = before; k < cap.packets.size(); ++k) {
    const SeenPacket& pk = cap.packets[k];
    if (!pk.injected && pk.from == p.server_ip && pk.has(ct::kError)) errors.push_back(pk);
  }
  if (c.report) {
    ASSERT_EQ(errors.size(), 1u);
    const auto cs = causes(*errors[0].find(ct::kError));
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_EQ(cause_code(cs[0]), wire::cause_code::kUnrecognizedChunkType);
    // The chunk as received: type, flags, length, value (unpadded).
    EXPECT_EQ(std::vector<std::uint8_t>(cs[0].begin() + 4, cs[0].end()),
              std::vector<std::uint8_t>(unknown.begin(), unknown.begin() + 7));
    EXPECT_EQ(errors[0].vtag,
              init_fields(cap.with(p.client_ip, ct::kInit)[0].chunks[0]).initiate_tag);
  } else {
    EXPECT_TRUE(errors.empty());
  }
  const auto st = p.server->endpoint().stats(p.server_assoc());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->unrecognized_chunks, 1u);
  // A stopped packet's DATA is retransmitted (T3) and then delivered, once.
  ASSERT_TRUE(p.run_until([&] { return !p.server->received.empty(); }, sec(3)));
  p.net.run_for(ms(500));
  EXPECT_EQ(p.server->received.size(), 1u);
  EXPECT_EQ(p.server->received[0].message.payload, pattern(40, 4));
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Handshake, UnknownChunk,
    ::testing::Values(UnknownChunkCase{0x3F, true, false}, UnknownChunkCase{0x7F, true, true},
                      UnknownChunkCase{0xBF, false, false}, UnknownChunkCase{0xFF, false, true}),
    [](const ::testing::TestParamInfo<UnknownChunkCase>& pi) {
      return std::string(pi.param.stop ? "Stop" : "Skip") + (pi.param.report ? "Report" : "");
    });

// --- loss of each handshake packet (§5.1.6) ---

std::vector<Duration> offsets(const std::vector<SeenPacket>& v) {
  std::vector<Duration> out;
  for (const SeenPacket& s : v) out.push_back(since(s.time, v.front().time));
  return out;
}

struct LossCase {
  const char* name;
  std::uint8_t type;
  bool from_client;
};

class HandshakeLoss : public ::testing::TestWithParam<LossCase> {};

// Whichever handshake packet is lost, the client's T1 timer (RTO.Initial = 100 ms) repeats the INIT
// or COOKIE ECHO and the association comes up, once on each side.
TEST_P(HandshakeLoss, FirstOneLostAssociationStillUp) {
  const LossCase c = GetParam();
  Pair p(10);
  Capture cap(p.net);
  std::vector<Packet> dropped;
  if (c.from_client) {
    p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(c.type, 1, &dropped));
  } else {
    p.net.set_filter(p.server_ip, p.client_ip, drop_chunks(c.type, 1, &dropped));
  }
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  ASSERT_EQ(dropped.size(), 1u);
  p.net.run_for(ms(300));
  EXPECT_EQ(p.client->ups.size(), 1u);
  EXPECT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);

  const auto inits = cap.with(p.client_ip, ct::kInit);
  const auto echoes = cap.with(p.client_ip, ct::kCookieEcho);
  if (c.type == ct::kInit || c.type == ct::kInitAck) {
    ASSERT_EQ(inits.size(), 2u);
    EXPECT_EQ(since(inits[1].time, inits[0].time), ms(100));  // T1-init = RTO.Initial
    // The same INIT again (§5.1.6: retransmit), same tag.
    EXPECT_EQ(inits[1].chunks[0].whole, inits[0].chunks[0].whole);
    EXPECT_EQ(echoes.size(), 1u);
  } else {
    ASSERT_EQ(inits.size(), 1u);
    ASSERT_EQ(echoes.size(), 2u);
    EXPECT_EQ(since(echoes[1].time, echoes[0].time), ms(100));  // T1-cookie
    EXPECT_EQ(echoes[1].chunks[0].whole, echoes[0].chunks[0].whole);
  }
  if (c.type == ct::kCookieAck) {
    // §5.2.4 D: the repeated COOKIE ECHO is answered with another COOKIE ACK, no second "up".
    EXPECT_EQ(cap.with(p.server_ip, ct::kCookieAck).size(), 2u);
  }
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(64, 5), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.server->received.empty(); }, sec(2)));
  EXPECT_EQ(p.server->received[0].message.payload, pattern(64, 5));
}

INSTANTIATE_TEST_SUITE_P(Handshake, HandshakeLoss,
                         ::testing::Values(LossCase{"Init", ct::kInit, true},
                                           LossCase{"InitAck", ct::kInitAck, false},
                                           LossCase{"CookieEcho", ct::kCookieEcho, true},
                                           LossCase{"CookieAck", ct::kCookieAck, false}),
                         [](const ::testing::TestParamInfo<LossCase>& pi) {
                           return std::string(pi.param.name);
                         });

// §5.1.6 and §6.3.3 E2: every T1 expiry doubles the RTO used for the next one.
TEST(Handshake, T1InitBacksOffExponentially) {
  Pair p(11);
  Capture cap(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(ct::kInit, 3));
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const auto inits = cap.with(p.client_ip, ct::kInit);
  ASSERT_EQ(inits.size(), 4u);
  EXPECT_EQ(offsets(inits), (std::vector<Duration>{ms(0), ms(100), ms(300), ms(700)}));
}

TEST(Handshake, T1CookieBacksOffExponentially) {
  Pair p(12);
  Capture cap(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(ct::kCookieEcho, 3));
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const auto echoes = cap.with(p.client_ip, ct::kCookieEcho);
  ASSERT_EQ(echoes.size(), 4u);
  EXPECT_EQ(offsets(echoes), (std::vector<Duration>{ms(0), ms(100), ms(300), ms(700)}));
  EXPECT_EQ(cap.with(p.client_ip, ct::kInit).size(), 1u);
  EXPECT_EQ(p.server->ups.size(), 1u);
}

class InitRetransmitsExhausted : public ::testing::TestWithParam<std::uint8_t> {};

// §5.1.6: after Max.Init.Retransmits retransmissions the attempt is given up and reported; the
// backoff stops at RTO.Max.
TEST_P(InitRetransmitsExhausted, ReportsCannotStart) {
  const std::uint8_t type = GetParam();
  core::AssociationOptions o = fast_options();
  o.max_init_retransmits = 4;
  o.rto_max = ms(300);
  Pair p(13, {}, o);
  Capture cap(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, drop_chunks(type, -1));
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(10)));
  const auto sent = cap.with(p.client_ip, type);
  ASSERT_EQ(sent.size(), 5u);  // the first and 4 retransmissions
  EXPECT_EQ(offsets(sent), (std::vector<Duration>{ms(0), ms(100), ms(300), ms(600), ms(900)}));
  const core::AssociationDown& d = p.client->downs[0];
  EXPECT_EQ(d.id, id);
  EXPECT_EQ(d.reason, core::DownReason::kCannotStart);
  EXPECT_EQ(since(p.net.now(), sent[0].time), ms(1200));
  EXPECT_TRUE(p.client->ups.empty());
  p.net.run_for(sec(2));
  EXPECT_EQ(cap.with(p.client_ip, type).size(), 5u);  // nothing more
  EXPECT_EQ(p.client->endpoint().association_count(), 0u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Handshake, InitRetransmitsExhausted,
                         ::testing::Values(ct::kInit, ct::kCookieEcho),
                         [](const ::testing::TestParamInfo<std::uint8_t>& pi) {
                           return std::string(pi.param == ct::kInit ? "Init" : "CookieEcho");
                         });

// §5.1.5 step 3, §5.2.6: a COOKIE ECHO arriving after the cookie's lifetime gets an ERROR with a
// Stale Cookie cause measuring the excess; the client starts again with a Cookie Preservative and
// the association comes up.
TEST(Handshake, StaleCookieAnsweredAndRetriedWithCookiePreservative) {
  core::AssociationOptions oc = fast_options();
  oc.rto_initial = sec(1);  // T1-cookie must not repeat the COOKIE ECHO before the delayed one
  oc.rto_min = sec(1);
  core::AssociationOptions os = fast_options();
  os.valid_cookie_life = ms(100);
  Pair p(14, {}, oc, os);
  Capture cap(p.net);
  bool held = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (held || !holds_chunk(pkt, ct::kCookieEcho)) return Verdict::kPass;
    held = true;
    p.net.inject(pkt.bytes, pkt.from, pkt.to, p.net.now() + ms(300));  // at the server 300 ms on
    return Verdict::kDrop;
  });
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));

  const auto inits = cap.with(p.client_ip, ct::kInit);
  ASSERT_EQ(inits.size(), 2u);
  const SeenPacket& init1 = inits[0];
  const auto acks = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_EQ(acks.size(), 2u);
  // Cookie made when the first INIT arrived (t0 + 5 ms), echoed at t0 + 10 ms, arriving at
  // t0 + 310 ms: 310 - 5 - 100 = 205 ms past its lifetime.
  const auto errors = cap.with(p.server_ip, ct::kError);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(since(errors[0].time, init1.time), ms(310));
  EXPECT_EQ(errors[0].vtag, init_fields(init1.chunks[0]).initiate_tag);
  EXPECT_EQ(errors[0].types(), std::vector<std::uint8_t>{ct::kError});
  const auto cs = causes(errors[0].chunks[0]);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cause_code(cs[0]), wire::cause_code::kStaleCookie);
  ASSERT_EQ(cs[0].size(), 8u);
  const std::uint32_t staleness_us = wire::load_be32(cs[0].data() + 4);
  EXPECT_EQ(staleness_us, 205000u);
  EXPECT_EQ(p.server->endpoint().endpoint_stats().stale_cookies, 1u);

  // The new INIT follows the ERROR at once and suggests a longer cookie life (§5.2.6): at least
  // the staleness, in milliseconds.
  const SeenPacket& init2 = inits[1];
  EXPECT_EQ(since(init2.time, errors[0].time), ms(5));
  EXPECT_EQ(init2.vtag, 0u);
  const InitFieldsSeen f2 = init_fields(init2.chunks[0]);
  const auto* preservative = find_param(f2, pt::kCookiePreservative);
  ASSERT_NE(preservative, nullptr);
  ASSERT_EQ(preservative->size(), 8u);
  EXPECT_GE(wire::load_be32(preservative->data() + 4), 205u);
  EXPECT_EQ(find_param(init_fields(init1.chunks[0]), pt::kCookiePreservative), nullptr);
  EXPECT_EQ(p.client->ups.size(), 1u);
  EXPECT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
  EXPECT_TRUE(p.client->downs.empty());
}

// §5.2.6: when every cookie arrives stale (the round trip exceeds what the server's lifetime and
// its cap on the Cookie Preservative allow), the client gives up after Max.Init.Retransmits tries.
TEST(Handshake, AlwaysStaleCookieGivesUp) {
  core::AssociationOptions oc = fast_options();
  oc.max_init_retransmits = 3;
  oc.rto_initial = sec(1);
  oc.rto_min = sec(1);
  core::AssociationOptions os = fast_options();
  os.valid_cookie_life = ms(10);  // at most 20 ms with a preservative
  LinkConfig link;
  link.delay = ms(20);
  Pair p(17, link, oc, os);
  Capture cap(p.net);
  p.connect();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(5)));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kCannotStart);
  const auto inits = cap.with(p.client_ip, ct::kInit);
  EXPECT_EQ(inits.size(), 4u);
  EXPECT_EQ(cap.with(p.server_ip, ct::kError).size(), 4u);
  for (std::size_t k = 1; k < inits.size(); ++k) {
    EXPECT_NE(find_param(init_fields(inits[k].chunks[0]), pt::kCookiePreservative), nullptr);
  }
  EXPECT_EQ(p.server->endpoint().endpoint_stats().stale_cookies, 4u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
  EXPECT_TRUE(p.server->ups.empty());
}

// §5.1 D: DATA bundled after the COOKIE ECHO is processed once the cookie created the
// association. The client's own copy of the same DATA, sent after the COOKIE ACK, is then a
// duplicate: the message is delivered once.
TEST(Handshake, DataBundledWithCookieEchoDelivered) {
  Pair p(18);
  Capture cap(p.net);
  const core::AssocId id = p.connect();
  const std::vector<std::uint8_t> payload = pattern(33, 6);
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(2), Ppid(77), payload, {}, p.net.now()),
            core::SendStatus::kOk);
  std::optional<TimePoint> arrival;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (!arrival && holds_chunk(pkt, ct::kCookieEcho)) {
      const std::uint32_t tsn =
          init_fields(cap.with(p.client_ip, ct::kInit)[0].chunks[0]).initial_tsn;
      insert_chunk(pkt.bytes, pkt.bytes.size(), raw_data(tsn, 2, 0, 77, payload));
      arrival = p.net.now() + ms(5);
    }
    return Verdict::kPass;
  });
  ASSERT_TRUE(p.run_until([&] { return arrival.has_value(); }, sec(1)));
  p.net.run_until(*arrival);
  ASSERT_EQ(p.server->ups.size(), 1u);
  ASSERT_EQ(p.server->received.size(), 1u);
  EXPECT_EQ(p.server->received[0].message.payload, payload);
  EXPECT_EQ(p.server->received[0].message.stream, StreamId(2));
  ASSERT_TRUE(p.run_until([&] { return !cap.with(p.client_ip, ct::kData).empty(); }, sec(1)));
  p.net.run_for(ms(500));
  EXPECT_EQ(p.server->received.size(), 1u);
  const auto st = p.server->endpoint().stats(p.server_assoc());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->duplicate_tsns_received, 1u);
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

// §5.1.5 step 1: a cookie whose MAC does not verify is discarded silently (and counted); the
// client's T1-cookie retransmission then gets through.
TEST(Handshake, ForgedCookieDroppedSilentlyAndCounted) {
  Pair p(15);
  Capture cap(p.net);
  bool done = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (!done && holds_chunk(pkt, ct::kCookieEcho)) {
      pkt.bytes[12 + 4 + 20] ^= 0x01;  // a byte inside the cookie
      reseal(pkt.bytes);
      done = true;
    }
    return Verdict::kPass;
  });
  p.connect();
  p.net.run_for(ms(50));
  EXPECT_EQ(p.server->endpoint().endpoint_stats().dropped_bad_cookie, 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
  // Nothing answered the forged cookie: the server sent only the INIT ACK.
  EXPECT_EQ(cap.from(p.server_ip).size(), 1u);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  EXPECT_EQ(p.server->endpoint().endpoint_stats().dropped_bad_cookie, 1u);
  EXPECT_EQ(cap.with(p.client_ip, ct::kCookieEcho).size(), 2u);
}

// §5.1.5 step 2 / §8.5.1 D: a COOKIE ECHO whose packet tag is not the cookie's tag is dropped.
TEST(Handshake, CookieEchoWithWrongTagDropped) {
  Pair p(16);
  Capture cap(p.net);
  bool done = false;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pkt) {
    if (!done && holds_chunk(pkt, ct::kCookieEcho)) {
      pkt.bytes[7] ^= 0x10;  // verification tag
      reseal(pkt.bytes);
      done = true;
    }
    return Verdict::kPass;
  });
  p.connect();
  p.net.run_for(ms(50));
  EXPECT_EQ(p.server->endpoint().endpoint_stats().dropped_bad_cookie, 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
  EXPECT_EQ(cap.from(p.server_ip).size(), 1u);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  EXPECT_EQ(p.server->ups.size(), 1u);
}

}  // namespace
}  // namespace sctps::sim
