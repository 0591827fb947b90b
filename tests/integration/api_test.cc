// api::Runtime over loopback UDP encapsulation: association up, echo verified byte for byte,
// graceful shutdown from either side, abort. Ephemeral ports, bounded time.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "api/runtime.h"
#include "net_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Runtime> make_runtime(std::uint16_t remote_udp_port = 9899) {
  RuntimeOptions o;
  o.local_addresses = {net::SocketAddress::loopback(net::SocketAddress::Family::kV4, 0)};
  o.udp_port = 0;
  o.remote_udp_port = remote_udp_port;
  o.sctp_port = 5000;
  auto r = Runtime::create(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : nullptr;
}

struct Pair {
  std::unique_ptr<Runtime> server = make_runtime();
  std::unique_ptr<Runtime> client;
  core::AssocId client_id = 0;
  core::AssocId server_id = 0;
  std::vector<core::Event> client_events, server_events;

  Pair() {
    client = make_runtime(server->udp_port());
    client_id =
        client->connect(net::SocketAddress::loopback(net::SocketAddress::Family::kV4, 5000));
  }
  // Runs both until `done` or the timeout; collects events.
  bool run(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto end = net::monotonic_now() + timeout;
    while (net::monotonic_now() < end) {
      client->run_once(0us);
      server->run_once(1ms);
      while (auto e = client->poll_event()) client_events.push_back(std::move(*e));
      while (auto e = server->poll_event()) {
        if (auto* up = std::get_if<core::AssociationUp>(&*e)) server_id = up->id;
        server_events.push_back(std::move(*e));
      }
      if (done()) return true;
    }
    return done();
  }
  template <typename T>
  static const T* find(const std::vector<core::Event>& events) {
    for (const auto& e : events) {
      if (const auto* p = std::get_if<T>(&e)) return p;
    }
    return nullptr;
  }
  bool up() {
    return run([&] { return find<core::AssociationUp>(client_events) && server_id != 0; }, 5000ms);
  }
};

TEST(Runtime, BindErrorNamesAddress) {
  auto first = make_runtime();
  ASSERT_TRUE(first);
  RuntimeOptions o;
  o.local_addresses = {net::SocketAddress::loopback(net::SocketAddress::Family::kV4, 0)};
  o.udp_port = first->udp_port();
  auto second = Runtime::create(o);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot bind 127.0.0.1:"), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("Address already in use"), std::string::npos);
}

TEST(Runtime, AssociationComesUp) {
  Pair p;
  ASSERT_TRUE(p.up());
  EXPECT_EQ(p.client->engine().association_count(), 1u);
}

TEST(Runtime, EchoVerifiedOrderedAndUnordered) {
  Pair p;
  ASSERT_TRUE(p.up());
  const std::vector<std::size_t> sizes = {1, 1024, 65536, 1 << 20};
  struct Out {
    std::uint16_t stream;
    std::uint32_t index;
    bool unordered;
  };
  std::vector<std::vector<std::uint8_t>> sent;
  std::deque<Out> to_send;
  std::uint32_t index = 0;
  for (bool unordered : {false, true}) {
    for (std::size_t size : sizes) {
      for (std::uint16_t stream = 0; stream < 3; ++stream) {
        sent.push_back(net::testing::pattern(size, index));
        to_send.push_back(Out{stream, index, unordered});
        ++index;
      }
    }
  }
  std::deque<core::MessageReceived> echo_backlog;
  std::size_t echoed = 0;
  std::size_t verified = 0;
  ASSERT_TRUE(p.run(
      [&] {
        while (!to_send.empty()) {
          const Out& o = to_send.front();
          const auto status =
              p.client->send(p.client_id, o.stream, o.index, sent[o.index], o.unordered);
          if (status == core::SendStatus::kWouldBlock) break;
          EXPECT_EQ(status, core::SendStatus::kOk);
          to_send.pop_front();
        }
        for (auto& e : p.server_events) {
          if (auto* m = std::get_if<core::MessageReceived>(&e)) echo_backlog.push_back(*m);
        }
        p.server_events.clear();
        while (!echo_backlog.empty()) {
          const auto& m = echo_backlog.front();
          const auto status = p.server->send(m.id, m.message.stream.value(), m.message.ppid.value(),
                                             m.message.payload, m.message.unordered);
          if (status == core::SendStatus::kWouldBlock) break;
          EXPECT_EQ(status, core::SendStatus::kOk);
          echo_backlog.pop_front();
          ++echoed;
        }
        for (auto& e : p.client_events) {
          if (auto* m = std::get_if<core::MessageReceived>(&e)) {
            const auto i = m->message.ppid.value();
            EXPECT_EQ(m->message.payload, sent.at(i)) << "message " << i;
            EXPECT_EQ(m->message.unordered, i >= sent.size() / 2);
            ++verified;
          }
        }
        p.client_events.clear();
        return verified == sent.size();
      },
      20000ms));
  EXPECT_EQ(echoed, sent.size());
}

TEST(Runtime, GracefulShutdownFromClient) {
  Pair p;
  ASSERT_TRUE(p.up());
  ASSERT_TRUE(p.client->shutdown(p.client_id));
  ASSERT_TRUE(p.run(
      [&] {
        const auto* c = Pair::find<core::AssociationDown>(p.client_events);
        const auto* s = Pair::find<core::AssociationDown>(p.server_events);
        return c && s;
      },
      5000ms));
  EXPECT_EQ(Pair::find<core::AssociationDown>(p.client_events)->reason,
            core::DownReason::kShutdown);
  EXPECT_EQ(Pair::find<core::AssociationDown>(p.server_events)->reason,
            core::DownReason::kShutdown);
}

TEST(Runtime, GracefulShutdownFromServer) {
  Pair p;
  ASSERT_TRUE(p.up());
  ASSERT_TRUE(p.server->shutdown(p.server_id));
  ASSERT_TRUE(p.run(
      [&] {
        return Pair::find<core::AssociationDown>(p.client_events) &&
               Pair::find<core::AssociationDown>(p.server_events);
      },
      5000ms));
  EXPECT_EQ(Pair::find<core::AssociationDown>(p.client_events)->reason,
            core::DownReason::kShutdown);
}

TEST(Runtime, AbortReachesPeer) {
  Pair p;
  ASSERT_TRUE(p.up());
  ASSERT_TRUE(p.client->abort(p.client_id, "test"));
  ASSERT_TRUE(
      p.run([&] { return Pair::find<core::AssociationDown>(p.server_events) != nullptr; }, 5000ms));
  EXPECT_EQ(Pair::find<core::AssociationDown>(p.server_events)->reason,
            core::DownReason::kPeerAborted);
}

}  // namespace
}  // namespace sctps::api
