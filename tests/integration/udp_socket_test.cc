// UdpSocket over loopback: batches in both families, the local address of each datagram
// (pktinfo), source address selection, GSO and GRO, ICMP errors, and what the kernel refuses.
#include "net/udp_socket.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <set>

#include "net_test_util.h"

namespace sctps::net {
namespace {

using namespace std::chrono_literals;
using testing::Family;
using testing::index_of;
using testing::pattern;
using testing::receive_until;

UdpSocketOptions big_buffers() {
  UdpSocketOptions o;
  o.receive_buffer_bytes = 4 << 20;
  o.send_buffer_bytes = 4 << 20;
  return o;
}

class UdpSocketFamily : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override {
    if (!testing::loopback_available(GetParam())) {
      GTEST_SKIP() << testing::family_name(GetParam()) << " loopback not available here";
    }
  }
  Family family() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Loopback, UdpSocketFamily, ::testing::Values(Family::kV4, Family::kV6),
                         [](const auto& param_info) {
                           return testing::family_name(param_info.param);
                         });

TEST_P(UdpSocketFamily, BindsEphemeralPortAndReportsIt) {
  auto s = UdpSocket::open(SocketAddress::loopback(family(), 0));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_NE(s->local_address().port(), 0);
  EXPECT_EQ(s->local_address(), SocketAddress::loopback(family(), s->local_address().port()));
  // The same port again is taken, and the error says which address.
  auto again = UdpSocket::open(s->local_address());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, EADDRINUSE);
  EXPECT_NE(again.error().message.find(s->local_address().to_string()), std::string::npos)
      << again.error().message;
}

TEST_P(UdpSocketFamily, BatchRoundTripWithLocalAddress) {
  auto receiver = UdpSocket::open(SocketAddress::any(family(), 0), big_buffers());
  ASSERT_TRUE(receiver) << receiver.error().message;
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  ASSERT_TRUE(sender) << sender.error().message;
  const SocketAddress to = SocketAddress::loopback(family(), receiver->local_address().port());

  constexpr std::uint32_t kCount = 500;
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<OutgoingDatagram> out;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    payloads.push_back(pattern(4 + (i * 37) % 1400, i));
  }
  for (const auto& p : payloads) out.push_back(OutgoingDatagram{p, to, {}, 0});
  // In several calls, as a caller with a fixed batch size would.
  for (std::size_t first = 0; first < out.size();) {
    const std::size_t n = std::min<std::size_t>(100, out.size() - first);
    const SendResult r = sender->send_batch(std::span(out).subspan(first, n));
    ASSERT_FALSE(r.would_block);
    ASSERT_EQ(r.consumed, n);
    ASSERT_EQ(r.dropped, 0u) << "errno " << r.last_error;
    first += n;
  }
  EXPECT_EQ(sender->stats().datagrams_sent, kCount);
  // sendmmsg: one system call per batch of 100 (the scratch holds 64 entries: two calls each).
  EXPECT_EQ(sender->stats().send_calls, 10u);

  RecvBatch batch(64, 2048);
  std::set<std::uint32_t> seen;
  const std::size_t got = receive_until(*receiver, batch, kCount, 5000ms, [&](const auto& d) {
    const auto index = index_of(d.data);
    ASSERT_TRUE(index);
    ASSERT_LT(*index, kCount);
    EXPECT_TRUE(
        std::equal(d.data.begin(), d.data.end(), payloads[*index].begin(), payloads[*index].end()))
        << "datagram " << *index;
    EXPECT_EQ(d.from, sender->local_address());
    // Bound to the wildcard, the socket still learns which address the datagram was sent to.
    EXPECT_EQ(d.to, to);
    EXPECT_NE(d.interface_index, 0u);
    seen.insert(*index);
  });
  EXPECT_EQ(got, kCount);
  EXPECT_EQ(seen.size(), kCount);
  EXPECT_EQ(receiver->stats().datagrams_received, kCount);
  EXPECT_EQ(receiver->stats().truncated_dropped, 0u);
  // recvmmsg takes up to 64 at a time; calls that found nothing count too.
  EXPECT_GE(receiver->stats().receive_calls, (kCount + 63) / 64);
}

TEST_P(UdpSocketFamily, GsoBufferArrivesAsSeparateDatagrams) {
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  ASSERT_TRUE(receiver && sender);
  if (!sender->gso_enabled()) GTEST_SKIP() << "the kernel does not offer UDP GSO (UDP_SEGMENT)";
  constexpr std::size_t kSegment = 1200;
  // 60 segments do not fit one IP packet (72,000 bytes): two GSO buffers; the last is short.
  for (const std::size_t segments : {std::size_t{10}, std::size_t{60}}) {
    std::vector<std::uint8_t> buffer;
    for (std::uint32_t i = 0; i < segments; ++i) {
      const auto p = pattern(i + 1 == segments ? 500 : kSegment, i);
      buffer.insert(buffer.end(), p.begin(), p.end());
    }
    const auto before = sender->stats();
    const OutgoingDatagram d{buffer, receiver->local_address(), {}, kSegment};
    const SendResult r = sender->send_batch(std::span(&d, 1));
    ASSERT_EQ(r.consumed, 1u);
    ASSERT_EQ(r.dropped, 0u) << "errno " << r.last_error;
    EXPECT_EQ(sender->stats().datagrams_sent - before.datagrams_sent, segments);
    EXPECT_EQ(sender->stats().gso_buffers_sent - before.gso_buffers_sent, segments > 54 ? 2u : 1u);
    EXPECT_EQ(sender->stats().gso_fallbacks, 0u);
    EXPECT_EQ(sender->stats().send_calls - before.send_calls, 1u) << "one sendmmsg";

    RecvBatch batch(64, 2048);
    std::vector<std::uint32_t> order;
    receive_until(*receiver, batch, segments, 5000ms, [&](const ReceivedDatagram& got) {
      const auto index = index_of(got.data);
      ASSERT_TRUE(index);
      ASSERT_LT(*index, segments);
      const auto expected = pattern(*index + 1 == segments ? 500 : kSegment, *index);
      EXPECT_TRUE(std::equal(got.data.begin(), got.data.end(), expected.begin(), expected.end()));
      order.push_back(*index);
    });
    ASSERT_EQ(order.size(), segments);
    for (std::uint32_t i = 0; i < segments; ++i) EXPECT_EQ(order[i], i);
  }
}

// Without GSO (not offered, or refused by the kernel) a GSO-shaped datagram is split in software:
// callers never need two code paths.
TEST_P(UdpSocketFamily, GsoShapeIsSplitWhenGsoIsUnavailable) {
  UdpSocketOptions no_gso = big_buffers();
  no_gso.enable_gso = false;
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  auto plain = UdpSocket::open(SocketAddress::loopback(family(), 0), no_gso);
  auto refused = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  ASSERT_TRUE(receiver && plain && refused);
  EXPECT_FALSE(plain->gso_enabled());
  // The kernel refuses GSO on an IPv4 socket without UDP checksums (EINVAL): the socket then sends
  // that buffer datagram by datagram.
  const bool provoke = family() == Family::kV4 && refused->gso_enabled();
  if (provoke) {
    const int one = 1;
    ASSERT_EQ(::setsockopt(refused->fd(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
  }
  constexpr std::size_t kSegment = 700;
  constexpr std::uint32_t kSegments = 12;
  std::vector<std::uint8_t> buffer;
  for (std::uint32_t i = 0; i < kSegments; ++i) {
    const auto p = pattern(i + 1 == kSegments ? 10 : kSegment, i);
    buffer.insert(buffer.end(), p.begin(), p.end());
  }
  std::vector<UdpSocket*> senders = {&plain.value()};
  if (provoke) senders.push_back(&refused.value());
  for (UdpSocket* sender : senders) {
    const OutgoingDatagram d{buffer, receiver->local_address(), {}, kSegment};
    const SendResult r = sender->send_batch(std::span(&d, 1));
    EXPECT_EQ(r.consumed, 1u);
    EXPECT_EQ(r.dropped, 0u) << "errno " << r.last_error;
    EXPECT_EQ(sender->stats().datagrams_sent, kSegments);
    EXPECT_EQ(sender->stats().gso_buffers_sent, 0u);
    RecvBatch batch(64, 2048);
    std::vector<std::uint32_t> order;
    receive_until(*receiver, batch, kSegments, 5000ms, [&](const ReceivedDatagram& got) {
      const auto index = index_of(got.data);
      ASSERT_TRUE(index);
      EXPECT_EQ(got.data.size(), *index + 1 == kSegments ? 10u : kSegment);
      order.push_back(*index);
    });
    ASSERT_EQ(order.size(), kSegments);
    for (std::uint32_t i = 0; i < kSegments; ++i) EXPECT_EQ(order[i], i);
  }
  if (provoke) {
    EXPECT_EQ(refused->stats().gso_fallbacks, 1u);
  }
}

TEST_P(UdpSocketFamily, GroReceiveSplitsCoalescedRuns) {
  UdpSocketOptions gro = big_buffers();
  gro.enable_gro = true;
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0), gro);
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0), big_buffers());
  ASSERT_TRUE(receiver && sender);
  if (!receiver->gro_enabled()) GTEST_SKIP() << "the kernel does not offer UDP GRO (UDP_GRO)";

  // A GRO socket refuses batches whose slots cannot take a coalesced run.
  RecvBatch small(8, 2048);
  auto refused = receiver->recv_batch(small);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("GRO"), std::string::npos);

  constexpr std::size_t kSegment = 1000;
  constexpr std::uint32_t kSegments = 20;
  std::vector<std::uint8_t> buffer;
  for (std::uint32_t i = 0; i < kSegments; ++i) {
    const auto p = pattern(i + 1 == kSegments ? 123 : kSegment, i);
    buffer.insert(buffer.end(), p.begin(), p.end());
  }
  const OutgoingDatagram d{buffer, receiver->local_address(), {}, kSegment};
  ASSERT_EQ(sender->send_batch(std::span(&d, 1)).consumed, 1u);

  RecvBatch batch(8, kGroSlotSize);
  std::vector<std::uint32_t> order;
  receive_until(*receiver, batch, kSegments, 5000ms, [&](const ReceivedDatagram& got) {
    const auto index = index_of(got.data);
    ASSERT_TRUE(index);
    ASSERT_LT(*index, kSegments);
    const auto expected = pattern(*index + 1 == kSegments ? 123 : kSegment, *index);
    EXPECT_TRUE(std::equal(got.data.begin(), got.data.end(), expected.begin(), expected.end()));
    EXPECT_EQ(got.from, sender->local_address());
    EXPECT_EQ(got.to, receiver->local_address());
    order.push_back(*index);
  });
  ASSERT_EQ(order.size(), kSegments);
  for (std::uint32_t i = 0; i < kSegments; ++i) EXPECT_EQ(order[i], i);
  // On loopback a GSO buffer reaches a GRO socket whole: one slot held the run.
  if (sender->gso_enabled()) {
    EXPECT_GE(receiver->stats().gro_buffers_received, 1u);
  }
  std::printf("GRO: %llu coalesced buffers for %u datagrams\n",
              static_cast<unsigned long long>(receiver->stats().gro_buffers_received), kSegments);
}

TEST_P(UdpSocketFamily, IcmpPortUnreachableIsSurfaced) {
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0));
  ASSERT_TRUE(sender);
  std::uint16_t closed_port = 0;
  {
    auto temporary = UdpSocket::open(SocketAddress::loopback(family(), 0));
    ASSERT_TRUE(temporary);
    closed_port = temporary->local_address().port();
  }
  const SocketAddress closed = SocketAddress::loopback(family(), closed_port);
  // An SCTP common header: ports 5000 -> 5001, verification tag 0xdeadbeef, checksum 0.
  const std::vector<std::uint8_t> packet = {0x13, 0x88, 0x13, 0x89, 0xde, 0xad, 0xbe, 0xef,
                                            0,    0,    0,    0,    0x01, 0,    0,    4};
  const OutgoingDatagram d{packet, closed, {}, 0};
  ASSERT_EQ(sender->send_batch(std::span(&d, 1)).consumed, 1u);

  const short revents = testing::wait_fd(sender->fd(), 2000ms);
  EXPECT_NE(revents & POLLERR, 0) << "no error signalled on the socket";
  IcmpError errors[4];
  const std::size_t n = sender->read_errors(errors);
  ASSERT_EQ(n, 1u);
  const IcmpError& e = errors[0];
  EXPECT_EQ(e.kind, IcmpError::Kind::kPortUnreachable) << to_string(e.kind);
  EXPECT_EQ(e.origin,
            family() == Family::kV4 ? IcmpError::Origin::kIcmp : IcmpError::Origin::kIcmp6);
  EXPECT_EQ(e.error_code, ECONNREFUSED);
  EXPECT_EQ(e.destination, closed);
  EXPECT_TRUE(e.reporter.is_loopback());
  ASSERT_TRUE(e.verification_tag);
  EXPECT_EQ(*e.verification_tag, 0xdeadbeefu);
  EXPECT_EQ(e.sctp_source_port, 5000);
  EXPECT_EQ(e.sctp_destination_port, 5001);
  EXPECT_EQ(sender->read_errors(errors), 0u);

  // The socket keeps working: the error pending from the next ICMP message is absorbed by the
  // data path (retried) and left to the error queue.
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0));
  ASSERT_TRUE(receiver);
  ASSERT_EQ(sender->send_batch(std::span(&d, 1)).consumed, 1u);  // second ICMP error
  testing::wait_fd(sender->fd(), 2000ms);
  const auto ok = pattern(64, 7);
  const OutgoingDatagram live{ok, receiver->local_address(), {}, 0};
  const SendResult r = sender->send_batch(std::span(&live, 1));
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_EQ(r.dropped, 0u) << "errno " << r.last_error;
  RecvBatch batch(4, 2048);
  EXPECT_EQ(receive_until(*receiver, batch, 1, 2000ms, [](const auto&) {}), 1u);
  RecvBatch own(4, 2048);
  auto nothing = sender->recv_batch(own);
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_EQ(*nothing, 0u);
}

TEST_P(UdpSocketFamily, OversizedAndWrongFamilyDatagramsAreDroppedNotFatal) {
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0));
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0));
  ASSERT_TRUE(sender && receiver);
  const Family other = family() == Family::kV4 ? Family::kV6 : Family::kV4;
  const std::vector<std::uint8_t> huge(70000, 1);
  const auto good = pattern(100, 3);
  const OutgoingDatagram batch[] = {
      {huge, receiver->local_address(), {}, 0},
      {good, SocketAddress::loopback(other, 9), {}, 0},
      {good, receiver->local_address(), {}, 0},
  };
  const SendResult r = sender->send_batch(batch);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_EQ(r.dropped, 2u);
  EXPECT_FALSE(r.would_block);
  RecvBatch rb(4, 2048);
  std::size_t sizes = 0;
  EXPECT_EQ(receive_until(*receiver, rb, 1, 2000ms, [&](const auto& d) { sizes += d.data.size(); }),
            1u);
  EXPECT_EQ(sizes, 100u);
}

TEST_P(UdpSocketFamily, DatagramLargerThanSlotIsDroppedAndCounted) {
  auto sender = UdpSocket::open(SocketAddress::loopback(family(), 0));
  auto receiver = UdpSocket::open(SocketAddress::loopback(family(), 0));
  ASSERT_TRUE(sender && receiver);
  const auto big = pattern(300, 1);
  const auto small = pattern(50, 2);
  const OutgoingDatagram out[] = {{big, receiver->local_address(), {}, 0},
                                  {small, receiver->local_address(), {}, 0}};
  ASSERT_EQ(sender->send_batch(out).consumed, 2u);
  RecvBatch batch(4, 100);
  std::vector<std::uint32_t> got;
  receive_until(*receiver, batch, 1, 2000ms,
                [&](const auto& d) { got.push_back(*index_of(d.data)); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], 2u);
  EXPECT_EQ(receiver->stats().truncated_dropped, 1u);
}

TEST(UdpSocket, SourceAddressChosenPerDatagram) {
  // 127.0.0.0/8 is all local on Linux: a wildcard socket can send from, and receive on, several
  // loopback addresses, like a multihomed endpoint.
  auto sender = UdpSocket::open(SocketAddress::any(Family::kV4, 0));
  auto receiver = UdpSocket::open(SocketAddress::any(Family::kV4, 0));
  ASSERT_TRUE(sender && receiver);
  const std::uint16_t port = receiver->local_address().port();
  const auto p1 = pattern(20, 1);
  const auto p2 = pattern(20, 2);
  const OutgoingDatagram out[] = {
      {p1, SocketAddress::v4({127, 0, 0, 3}, port), SocketAddress::v4({127, 0, 0, 2}, 0), 0},
      {p2, SocketAddress::v4({127, 0, 0, 5}, port), SocketAddress::v4({127, 0, 0, 4}, 0), 0},
  };
  const SendResult r = sender->send_batch(out);
  ASSERT_EQ(r.consumed, 2u);
  ASSERT_EQ(r.dropped, 0u) << "errno " << r.last_error;
  std::map<std::uint32_t, std::pair<SocketAddress, SocketAddress>> seen;
  RecvBatch batch(4, 2048);
  receive_until(*receiver, batch, 2, 2000ms, [&](const auto& d) {
    seen[*index_of(d.data)] = {d.from, d.to};
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, SocketAddress::v4({127, 0, 0, 2}, sender->local_address().port()));
  EXPECT_EQ(seen[1].second, SocketAddress::v4({127, 0, 0, 3}, port));
  EXPECT_EQ(seen[2].first, SocketAddress::v4({127, 0, 0, 4}, sender->local_address().port()));
  EXPECT_EQ(seen[2].second, SocketAddress::v4({127, 0, 0, 5}, port));
}

TEST(UdpSocket, Ipv6SocketIsIpv6Only) {
  if (!testing::loopback_available(Family::kV6)) GTEST_SKIP() << "no IPv6 loopback";
  // A v6 wildcard socket and a v4 wildcard socket can share a port: no dual stack.
  auto v6 = UdpSocket::open(SocketAddress::any(Family::kV6, 0));
  ASSERT_TRUE(v6);
  auto v4 = UdpSocket::open(SocketAddress::any(Family::kV4, v6->local_address().port()));
  EXPECT_TRUE(v4) << v4.error().message;
}

}  // namespace
}  // namespace sctps::net
