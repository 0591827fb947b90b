#include <gtest/gtest.h>

#include "sim_harness.h"

namespace sctps::sim {
namespace {

TEST(Establishment, FourWayHandshakeAndOneMessage) {
  Pair p;
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.client->ups[0].outbound_streams, 16);
  ASSERT_EQ(p.client->endpoint().send(id, StreamId(1), Ppid(42), pattern(100, 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return !p.server->received.empty(); }));
  const auto& m = p.server->received[0].message;
  EXPECT_EQ(m.stream, StreamId(1));
  EXPECT_EQ(m.ppid, Ppid(42));
  EXPECT_EQ(m.payload, pattern(100, 1));
}

}  // namespace
}  // namespace sctps::sim
