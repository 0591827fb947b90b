#include "net/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <unordered_set>

namespace sctps::net {
namespace {

using Family = SocketAddress::Family;

TEST(SocketAddress, ParsesIpv4WithPort) {
  const auto a = SocketAddress::parse("192.0.2.7:9899");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->port(), 9899);
  EXPECT_EQ(a->ip_bytes().size(), 4u);
  EXPECT_EQ(a->ip_bytes()[0], 192);
  EXPECT_EQ(a->ip_bytes()[3], 7);
  EXPECT_EQ(a->to_string(), "192.0.2.7:9899");
  EXPECT_EQ(a->ip_string(), "192.0.2.7");
}

TEST(SocketAddress, ParsesIpv6InBrackets) {
  const auto a = SocketAddress::parse("[2001:db8::1]:0");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_EQ(a->port(), 0);
  EXPECT_EQ(a->ip_bytes().size(), 16u);
  EXPECT_EQ(a->ip_bytes()[0], 0x20);
  EXPECT_EQ(a->ip_bytes()[15], 1);
  EXPECT_EQ(a->to_string(), "[2001:db8::1]:0");
  const auto loop = SocketAddress::parse("[::1]:65535");
  ASSERT_TRUE(loop);
  EXPECT_TRUE(loop->is_loopback());
  EXPECT_EQ(*loop, SocketAddress::loopback(Family::kV6, 65535));
}

TEST(SocketAddress, ParsesNumericScope) {
  const auto a = SocketAddress::parse("[fe80::1%3]:80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scope_id(), 3u);
  EXPECT_EQ(a->to_string(), "[fe80::1%3]:80");
  const auto lo = SocketAddress::parse_ip("fe80::1%lo", 5);  // interface by name
  ASSERT_TRUE(lo);
  EXPECT_NE(lo->scope_id(), 0u);
}

TEST(SocketAddress, RejectsMalformedText) {
  for (const char* text :
       {"", ":", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+5", "1.2.3.4:12a",
        "1.2.3:80", "::1:80", "[::1]", "[::1]80", "[1.2.3.4]:80", "[::1]:123456", "host:80",
        "[fe80::1%]:80", "[fe80::1%nosuchinterface0]:80", "1.2.3.4%1:80",
        "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]:1"}) {
    EXPECT_FALSE(SocketAddress::parse(text)) << text;
  }
}

TEST(SocketAddress, FromSockaddrChecksLengthAndFamily) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(1234);
  v4.sin_addr.s_addr = htonl(0x7f000001);
  const auto a = SocketAddress::from_sockaddr(&v4, sizeof(v4));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, SocketAddress::loopback(Family::kV4, 1234));
  EXPECT_FALSE(SocketAddress::from_sockaddr(&v4, sizeof(v4) - 1));
  EXPECT_FALSE(SocketAddress::from_sockaddr(&v4, 1));
  EXPECT_FALSE(SocketAddress::from_sockaddr(nullptr, sizeof(v4)));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(9);
  v6.sin6_flowinfo = 77;  // not part of the address
  v6.sin6_addr.s6_addr[15] = 1;
  const auto b = SocketAddress::from_sockaddr(&v6, sizeof(v6));
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, SocketAddress::loopback(Family::kV6, 9));
  EXPECT_FALSE(SocketAddress::from_sockaddr(&v6, sizeof(sockaddr_in)));

  sockaddr_storage other{};
  other.ss_family = AF_UNIX;
  EXPECT_FALSE(SocketAddress::from_sockaddr(&other, sizeof(other)));
}

TEST(SocketAddress, SockaddrViewMatchesContents) {
  const SocketAddress a = SocketAddress::loopback(Family::kV4, 4242);
  ASSERT_EQ(a.sockaddr_length(), sizeof(sockaddr_in));
  sockaddr_in raw{};
  std::memcpy(&raw, a.sockaddr_ptr(), sizeof(raw));
  EXPECT_EQ(raw.sin_family, AF_INET);
  EXPECT_EQ(ntohs(raw.sin_port), 4242);
  EXPECT_EQ(ntohl(raw.sin_addr.s_addr), 0x7f000001u);
  EXPECT_EQ(SocketAddress().sockaddr_ptr(), nullptr);
  EXPECT_EQ(SocketAddress().sockaddr_length(), 0u);
}

TEST(SocketAddress, EqualityHashAndOrder) {
  const SocketAddress a = SocketAddress::loopback(Family::kV4, 1);
  const SocketAddress b = SocketAddress::loopback(Family::kV4, 2);
  const SocketAddress c = SocketAddress::loopback(Family::kV6, 1);
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.same_ip(b));
  EXPECT_FALSE(a.same_ip(c));
  EXPECT_EQ(a.with_port(2), b);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(a < c);  // IPv4 before IPv6
  EXPECT_FALSE(b < a);
  std::unordered_set<SocketAddress> set{a, b, c, a.with_port(1)};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(SocketAddress::any(Family::kV6, 0).is_any());
  EXPECT_TRUE(SocketAddress().is_unspecified());
  EXPECT_EQ(SocketAddress().to_string(), "unspecified");
  EXPECT_EQ(SocketAddress::from_ip_bytes(a.ip_bytes(), 7), a.with_port(7));
  EXPECT_FALSE(SocketAddress::from_ip_bytes(std::span<const std::uint8_t>(), 7));
}

}  // namespace
}  // namespace sctps::net
