// Remote UDP encapsulation ports per association and destination address (RFC 6951 §5.1, §5.4):
// two clients on one IP with their own UDP ports talk to one server at the same time, and a client
// whose UDP port changes mid-association (a NAT rebinding, emulated by a relay in this test) keeps
// its association. Loopback only, ephemeral ports, bounded time.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "net/udp_socket.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using Family = net::SocketAddress::Family;

std::vector<std::uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}
std::string text(const std::vector<std::uint8_t>& b) {
  return {b.begin(), b.end()};
}

// One runtime driven by the test: its events, and the messages it received per association.
struct Node {
  std::unique_ptr<Runtime> rt;
  std::vector<core::AssocId> up;  // AssociationUp, in order
  std::vector<core::AssocId> down;
  std::map<core::AssocId, std::vector<std::string>> received;
  std::vector<std::uint16_t> sent_to_udp_ports;  // every datagram's destination port

  static Node create(RuntimeOptions o) {
    Node n;
    auto sent = std::make_shared<std::vector<std::uint16_t>>();
    o.packet_observer = [sent](const PacketTrace& t) {
      if (t.direction == PacketTrace::Direction::kSent) sent->push_back(t.to.port());
    };
    auto created = Runtime::create(o);
    EXPECT_TRUE(created.ok()) << created.error().message;
    if (created.ok()) n.rt = std::move(created).value();
    n.sent_ = sent;
    return n;
  }
  // Runs once and takes the events; `echo`: answer every message with itself.
  void step(std::chrono::microseconds wait, bool echo) {
    rt->run_once(wait);
    while (auto e = rt->poll_event()) {
      if (const auto* u = std::get_if<core::AssociationUp>(&*e)) up.push_back(u->id);
      if (const auto* d = std::get_if<core::AssociationDown>(&*e)) down.push_back(d->id);
      if (auto* m = std::get_if<core::MessageReceived>(&*e)) {
        const std::string s = text(m->message.payload);
        received[m->id].push_back(s);
        if (echo && s.rfind("echo:", 0) != 0) {
          EXPECT_EQ(rt->send(m->id, 0, 0, bytes("echo:" + s)), core::SendStatus::kOk);
        }
      }
    }
    sent_to_udp_ports = *sent_;
  }
  std::size_t count(core::AssocId id, const std::string& prefix) const {
    const auto it = received.find(id);
    if (it == received.end()) return 0;
    std::size_t n = 0;
    for (const auto& s : it->second) n += s.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<std::vector<std::uint16_t>> sent_;
};

bool run_until(const std::function<void()>& step, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  const auto end = net::monotonic_now() + timeout;
  while (net::monotonic_now() < end) {
    step();
    if (done()) return true;
  }
  return done();
}

TEST(RuntimeUdpPorts, TwoClientsOnOneIpWithTheirOwnUdpPortsEchoBothWays) {
  Node server = Node::create(testing::loopback_options(Family::kV4, 5000));
  ASSERT_TRUE(server.rt);
  std::vector<Node> clients;
  for (const std::uint16_t sctp_port : {5001, 5002}) {
    RuntimeOptions o = testing::loopback_options(Family::kV4, sctp_port);
    o.remote_udp_port = server.rt->udp_port();
    clients.push_back(Node::create(o));
    ASSERT_TRUE(clients.back().rt);
  }
  ASSERT_NE(clients[0].rt->udp_port(), clients[1].rt->udp_port());
  // Both handshakes at once: the server sees both INITs from 127.0.0.1 before answering either.
  std::vector<core::AssocId> ids;
  for (Node& c : clients) {
    ids.push_back(c.rt->connect(net::SocketAddress::loopback(Family::kV4, 5000)));
    ASSERT_NE(ids.back(), 0u);
  }
  const auto step = [&] {
    for (Node& c : clients) c.step(0us, true);
    server.step(1ms, true);
  };
  ASSERT_TRUE(run_until(
      step,
      [&] { return server.up.size() == 2 && !clients[0].up.empty() && !clients[1].up.empty(); },
      5000ms));
  ASSERT_NE(server.up[0], server.up[1]);

  // Interleaved: each client sends its own messages, the server greets each association; each
  // side echoes what the other sent.
  constexpr std::size_t kMessages = 20;
  for (std::size_t i = 0; i < kMessages; ++i) {
    for (std::size_t c = 0; c < clients.size(); ++c) {
      const std::string m = "c" + std::to_string(c) + "-" + std::to_string(i);
      ASSERT_EQ(clients[c].rt->send(ids[c], 0, 0, bytes(m)), core::SendStatus::kOk);
    }
    for (const core::AssocId id : server.up) {
      const std::string m = "s" + std::to_string(id) + "-" + std::to_string(i);
      ASSERT_EQ(server.rt->send(id, 0, 0, bytes(m)), core::SendStatus::kOk);
    }
    step();
  }
  const auto all_echoed = [&] {
    for (std::size_t c = 0; c < clients.size(); ++c) {
      if (clients[c].count(ids[c], "echo:c") != kMessages) return false;
      if (clients[c].count(ids[c], "s") != kMessages) return false;
    }
    for (const core::AssocId id : server.up) {
      if (server.count(id, "echo:s") != kMessages) return false;
    }
    return true;
  };
  ASSERT_TRUE(run_until(step, all_echoed, 8000ms));

  // Each message reached the association it was meant for, in order.
  for (std::size_t c = 0; c < clients.size(); ++c) {
    const auto& got = clients[c].received.at(ids[c]);
    std::vector<std::string> echoes;
    std::string greeting_prefix;
    for (const auto& s : got) {
      if (s.rfind("echo:", 0) == 0) {
        echoes.push_back(s);
      } else {
        greeting_prefix = s.substr(0, s.find('-') + 1);
      }
    }
    ASSERT_EQ(echoes.size(), kMessages);
    for (std::size_t i = 0; i < kMessages; ++i) {
      EXPECT_EQ(echoes[i], "echo:c" + std::to_string(c) + "-" + std::to_string(i));
    }
    // The greetings this client got all came from one server association, not the other's.
    for (const auto& s : got) {
      if (s.rfind("echo:", 0) != 0) {
        EXPECT_EQ(s.rfind(greeting_prefix, 0), 0u) << s;
      }
    }
    // Nothing for the other client's SCTP port arrived here (it would be dropped as wrong port).
    EXPECT_EQ(clients[c].rt->endpoint_stats().dropped_wrong_port, 0u);
    EXPECT_EQ(clients[c].rt->endpoint_stats().dropped_out_of_the_blue, 0u);
    EXPECT_TRUE(clients[c].down.empty());
  }
  for (const core::AssocId id : server.up) {
    // Each server association got the messages of exactly one client.
    const bool c0 = server.count(id, "c0-") == kMessages && server.count(id, "c1-") == 0;
    const bool c1 = server.count(id, "c1-") == kMessages && server.count(id, "c0-") == 0;
    EXPECT_TRUE(c0 || c1) << "association " << id;
  }
  EXPECT_TRUE(server.down.empty());
  // The server sent to both client ports and no other (in particular not the default 9899).
  for (const std::uint16_t port : server.sent_to_udp_ports) {
    EXPECT_TRUE(port == clients[0].rt->udp_port() || port == clients[1].rt->udp_port()) << port;
  }
}

// A NAT between a client and the server: the client sends to `inside`; the relay forwards from
// its current outside socket to the server and back. rebind() moves to a new outside socket (a
// new public port), after which the old mapping is gone: what the server still sends there is
// dropped, as a NAT whose binding expired drops it.
class NatRelay {
 public:
  static std::unique_ptr<NatRelay> create(std::uint16_t server_udp_port) {
    auto relay = std::unique_ptr<NatRelay>(new NatRelay());
    relay->server_ = net::SocketAddress::loopback(Family::kV4, server_udp_port);
    auto inside = net::UdpSocket::open(net::SocketAddress::loopback(Family::kV4, 0));
    if (!inside.ok()) return nullptr;
    relay->inside_ = std::make_unique<net::UdpSocket>(std::move(inside).value());
    if (!relay->rebind()) return nullptr;
    return relay;
  }
  bool rebind() {
    auto outside = net::UdpSocket::open(net::SocketAddress::loopback(Family::kV4, 0));
    if (!outside.ok()) return false;
    if (outside_) retired_.push_back(std::move(outside_));
    outside_ = std::make_unique<net::UdpSocket>(std::move(outside).value());
    return true;
  }
  std::uint16_t inside_port() const { return inside_->local_address().port(); }
  std::uint16_t outside_port() const { return outside_->local_address().port(); }
  std::size_t dropped() const { return dropped_; }

  void pump() {
    forward(*inside_, *outside_, server_, true);
    if (!client_.is_unspecified()) forward(*outside_, *inside_, client_, false);
    for (auto& old : retired_) {
      auto n = old->recv_batch(batch_);
      if (n.ok()) dropped_ += *n;
    }
  }

 private:
  NatRelay() : batch_(64, 65536) {}
  void forward(net::UdpSocket& from, net::UdpSocket& to, const net::SocketAddress& destination,
               bool from_client) {
    for (int round = 0; round < 8; ++round) {
      auto n = from.recv_batch(batch_);
      if (!n.ok() || *n == 0) return;
      for (const net::ReceivedDatagram d : batch_) {
        if (from_client) client_ = d.from;
        const net::OutgoingDatagram out{d.data, destination, {}, 0};
        EXPECT_EQ(to.send_batch(std::span(&out, 1)).consumed, 1u);
      }
    }
  }

  net::SocketAddress server_;
  net::SocketAddress client_;
  std::unique_ptr<net::UdpSocket> inside_;
  std::unique_ptr<net::UdpSocket> outside_;
  std::vector<std::unique_ptr<net::UdpSocket>> retired_;
  net::RecvBatch batch_;
  std::size_t dropped_ = 0;
};

TEST(RuntimeUdpPorts, ClientWhoseUdpPortChangesMidAssociationKeepsWorking) {
  Node server = Node::create(testing::loopback_options(Family::kV4, 5000));
  ASSERT_TRUE(server.rt);
  auto relay = NatRelay::create(server.rt->udp_port());
  ASSERT_TRUE(relay);
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5001);
  o.remote_udp_port = relay->inside_port();
  Node client = Node::create(o);
  ASSERT_TRUE(client.rt);
  const core::AssocId id = client.rt->connect(net::SocketAddress::loopback(Family::kV4, 5000));
  ASSERT_NE(id, 0u);
  const auto step = [&] {
    client.step(0us, true);
    relay->pump();
    server.step(1ms, true);
    relay->pump();
  };
  ASSERT_TRUE(run_until(
      step, [&] { return !client.up.empty() && !server.up.empty(); }, 5000ms));
  const core::AssocId sid = server.up.front();

  // Echoes both ways through the first binding.
  const auto exchange = [&](const std::string& tag, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(client.rt->send(id, 0, 0, bytes("c" + tag + std::to_string(i))),
                core::SendStatus::kOk);
      ASSERT_EQ(server.rt->send(sid, 0, 0, bytes("s" + tag + std::to_string(i))),
                core::SendStatus::kOk);
      step();
    }
  };
  constexpr std::size_t kMessages = 10;
  exchange("a", kMessages);
  const auto all_arrived = [&](const std::string& tag) {
    return [&, tag] {
      return client.count(id, "echo:c" + tag) == kMessages &&
             client.count(id, "s" + tag) == kMessages &&
             server.count(sid, "echo:s" + tag) == kMessages &&
             server.count(sid, "c" + tag) == kMessages;
    };
  };
  ASSERT_TRUE(run_until(step, all_arrived("a"), 5000ms));
  const std::uint16_t first_port = relay->outside_port();
  ASSERT_FALSE(server.sent_to_udp_ports.empty());
  for (const std::uint16_t p : server.sent_to_udp_ports) EXPECT_EQ(p, first_port);
  const std::size_t sent_before = server.sent_to_udp_ports.size();

  // The NAT rebinds: the client's packets now come from another port. RFC 6951 §5.4: the server
  // takes the new port from the first packet whose verification tag checks out, and sends there.
  ASSERT_TRUE(relay->rebind());
  const std::uint16_t second_port = relay->outside_port();
  ASSERT_NE(second_port, first_port);
  exchange("b", kMessages);
  ASSERT_TRUE(run_until(step, all_arrived("b"), 10000ms));
  // From some point on, everything went to the new port: the last datagrams, and most of them.
  ASSERT_GT(server.sent_to_udp_ports.size(), sent_before);
  EXPECT_EQ(server.sent_to_udp_ports.back(), second_port);
  std::size_t to_second = 0;
  bool back_to_first = false;
  for (std::size_t i = sent_before; i < server.sent_to_udp_ports.size(); ++i) {
    const std::uint16_t p = server.sent_to_udp_ports[i];
    EXPECT_TRUE(p == first_port || p == second_port) << p;
    if (p == second_port) ++to_second;
    if (p == first_port && to_second > 0) back_to_first = true;
  }
  EXPECT_GT(to_second, 0u);
  EXPECT_FALSE(back_to_first);      // once learned, the old binding is not used again
  EXPECT_EQ(server.up.size(), 1u);  // the same association throughout
  EXPECT_TRUE(server.down.empty());
  EXPECT_TRUE(client.down.empty());
}

}  // namespace
}  // namespace sctps::api
