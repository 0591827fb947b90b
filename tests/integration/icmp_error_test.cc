// The parsers of kernel input: control messages and extended errors, fed with hand-made buffers,
// including short and lying ones.
#include "net/icmp_error.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "net/control_messages.h"

namespace sctps::net {
namespace {

std::vector<std::uint8_t> extended_error(int level, int type, const sock_extended_err& ee,
                                         const void* offender, std::size_t offender_size) {
  std::vector<std::uint8_t> data(sizeof(ee) + offender_size);
  std::memcpy(data.data(), &ee, sizeof(ee));
  if (offender_size > 0) std::memcpy(data.data() + sizeof(ee), offender, offender_size);
  std::vector<std::uint8_t> control(256);
  ControlMessageWriter writer(control);
  EXPECT_TRUE(writer.add(level, type, data));
  control.resize(writer.size());
  return control;
}

std::vector<std::uint8_t> name_of(const SocketAddress& a) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(a.sockaddr_ptr());
  return std::vector<std::uint8_t>(p, p + a.sockaddr_length());
}

TEST(IcmpError, FragmentationNeededV4WithShortQuote) {
  sock_extended_err ee{};
  ee.ee_errno = EMSGSIZE;
  ee.ee_origin = SO_EE_ORIGIN_ICMP;
  ee.ee_type = 3;
  ee.ee_code = 4;
  ee.ee_info = 1280;
  sockaddr_in router{};
  router.sin_family = AF_INET;
  router.sin_addr.s_addr = htonl(0xc0000201);  // 192.0.2.1
  const auto control = extended_error(IPPROTO_IP, IP_RECVERR, ee, &router, sizeof(router));
  const auto name = name_of(SocketAddress::v4({198, 51, 100, 7}, 9899));
  // Only the SCTP ports were quoted: no verification tag to check.
  const std::uint8_t quote[] = {0x0b, 0x59, 0x0b, 0x5a};
  const auto e = parse_error_message(control, name, quote);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, IcmpError::Kind::kFragmentationNeeded);
  EXPECT_EQ(e->origin, IcmpError::Origin::kIcmp);
  EXPECT_EQ(e->mtu, 1280u);
  EXPECT_EQ(e->destination, SocketAddress::v4({198, 51, 100, 7}, 9899));
  EXPECT_EQ(e->reporter, SocketAddress::v4({192, 0, 2, 1}, 0));
  EXPECT_EQ(e->sctp_source_port, 2905);
  EXPECT_EQ(e->sctp_destination_port, 2906);
  EXPECT_FALSE(e->verification_tag);
  EXPECT_EQ(e->quoted_bytes, 4u);
}

TEST(IcmpError, PacketTooBigV6AndLocalEmsgsize) {
  sock_extended_err ee{};
  ee.ee_errno = EMSGSIZE;
  ee.ee_origin = SO_EE_ORIGIN_ICMP6;
  ee.ee_type = 2;
  ee.ee_info = 1400;
  const auto control = extended_error(IPPROTO_IPV6, IPV6_RECVERR, ee, nullptr, 0);
  const std::uint8_t quote[12] = {0, 1, 0, 2, 0x11, 0x22, 0x33, 0x44};
  const auto e = parse_error_message(control, {}, quote);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, IcmpError::Kind::kFragmentationNeeded);
  EXPECT_EQ(e->mtu, 1400u);
  EXPECT_TRUE(e->destination.is_unspecified());
  EXPECT_TRUE(e->reporter.is_unspecified());
  EXPECT_EQ(e->verification_tag, 0x11223344u);
  // The quote itself is kept for the engine (an INIT's Initiate Tag lies beyond the header).
  EXPECT_EQ(std::vector<std::uint8_t>(e->quoted().begin(), e->quoted().end()),
            std::vector<std::uint8_t>(std::begin(quote), std::end(quote)));

  ee.ee_origin = SO_EE_ORIGIN_LOCAL;
  ee.ee_type = 0;
  ee.ee_info = 1500;
  const auto local =
      parse_error_message(extended_error(IPPROTO_IP, IP_RECVERR, ee, nullptr, 0), {}, {});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->origin, IcmpError::Origin::kLocal);
  EXPECT_EQ(local->kind, IcmpError::Kind::kFragmentationNeeded);
  EXPECT_EQ(local->mtu, 1500u);
  EXPECT_FALSE(local->sctp_source_port);
}

TEST(IcmpError, ClassifiesUnreachables) {
  struct Case {
    std::uint8_t origin, type, code;
    IcmpError::Kind kind;
  };
  for (const Case c : {Case{SO_EE_ORIGIN_ICMP, 3, 3, IcmpError::Kind::kPortUnreachable},
                       Case{SO_EE_ORIGIN_ICMP, 3, 2, IcmpError::Kind::kProtocolUnreachable},
                       Case{SO_EE_ORIGIN_ICMP, 3, 1, IcmpError::Kind::kHostUnreachable},
                       Case{SO_EE_ORIGIN_ICMP, 3, 0, IcmpError::Kind::kNetUnreachable},
                       Case{SO_EE_ORIGIN_ICMP, 3, 13, IcmpError::Kind::kAdministrativelyProhibited},
                       Case{SO_EE_ORIGIN_ICMP, 11, 0, IcmpError::Kind::kTimeExceeded},
                       Case{SO_EE_ORIGIN_ICMP6, 1, 4, IcmpError::Kind::kPortUnreachable},
                       Case{SO_EE_ORIGIN_ICMP6, 1, 3, IcmpError::Kind::kHostUnreachable},
                       Case{SO_EE_ORIGIN_ICMP6, 1, 1, IcmpError::Kind::kAdministrativelyProhibited},
                       Case{SO_EE_ORIGIN_ICMP6, 4, 1, IcmpError::Kind::kProtocolUnreachable},
                       Case{SO_EE_ORIGIN_ICMP6, 3, 0, IcmpError::Kind::kTimeExceeded},
                       Case{SO_EE_ORIGIN_ICMP6, 200, 0, IcmpError::Kind::kOther}}) {
    sock_extended_err ee{};
    ee.ee_origin = c.origin;
    ee.ee_type = c.type;
    ee.ee_code = c.code;
    const auto e =
        parse_error_message(extended_error(IPPROTO_IP, IP_RECVERR, ee, nullptr, 0), {}, {});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, c.kind) << int{c.origin} << "/" << int{c.type} << "/" << int{c.code};
  }
}

TEST(IcmpError, IgnoresWhatIsNotAnError) {
  sock_extended_err ee{};
  ee.ee_origin = SO_EE_ORIGIN_TIMESTAMPING;
  EXPECT_FALSE(parse_error_message(extended_error(IPPROTO_IP, IP_RECVERR, ee, nullptr, 0), {}, {}));
  ee.ee_origin = SO_EE_ORIGIN_ICMP;
  // Another message type, and an extended error cut short.
  EXPECT_FALSE(parse_error_message(extended_error(IPPROTO_IP, IP_PKTINFO, ee, nullptr, 0), {}, {}));
  std::vector<std::uint8_t> control(64);
  ControlMessageWriter writer(control);
  const std::uint8_t short_data[4] = {};
  ASSERT_TRUE(writer.add(IPPROTO_IP, IP_RECVERR, short_data));
  control.resize(writer.size());
  EXPECT_FALSE(parse_error_message(control, {}, {}));
  EXPECT_FALSE(parse_error_message({}, {}, {}));
}

TEST(ControlMessages, ReaderStopsAtLyingLengths) {
  std::vector<std::uint8_t> control(128);
  ControlMessageWriter writer(control);
  const int value = 1200;
  ASSERT_TRUE(writer.add_value(SOL_UDP, UDP_GRO, value));
  const std::size_t first = writer.size();
  ASSERT_TRUE(writer.add_value(SOL_UDP, UDP_GRO, value));
  control.resize(writer.size());
  {
    ControlMessageReader reader(control);
    ASSERT_TRUE(reader.next());
    ASSERT_TRUE(reader.next());
    EXPECT_FALSE(reader.next());
  }
  // The second header claims more than the buffer holds.
  cmsghdr h{};
  std::memcpy(&h, control.data() + first, sizeof(h));
  h.cmsg_len = 4096;
  std::memcpy(control.data() + first, &h, sizeof(h));
  {
    ControlMessageReader reader(control);
    ASSERT_TRUE(reader.next());
    EXPECT_FALSE(reader.next());
  }
  // A length below the header size.
  h.cmsg_len = 3;
  std::memcpy(control.data(), &h, sizeof(h));
  {
    ControlMessageReader reader(control);
    EXPECT_FALSE(reader.next());
  }
  // A buffer shorter than one header.
  ControlMessageReader tiny(std::span<const std::uint8_t>(control.data(), 5));
  EXPECT_FALSE(tiny.next());
  // The writer refuses what does not fit.
  std::vector<std::uint8_t> small(cmsg_space(sizeof(int)) - 1);
  ControlMessageWriter full(small);
  EXPECT_FALSE(full.add_value(SOL_UDP, UDP_GRO, value));
  EXPECT_EQ(full.size(), 0u);
}

TEST(ControlMessages, ReceiveMetadataRoundTrip) {
  std::vector<std::uint8_t> control(kReceiveControlSize);
  ControlMessageWriter writer(control);
  in6_pktinfo info{};
  info.ipi6_addr.s6_addr[0] = 0xfe;
  info.ipi6_addr.s6_addr[1] = 0x80;
  info.ipi6_addr.s6_addr[15] = 9;
  info.ipi6_ifindex = 4;
  ASSERT_TRUE(writer.add_value(IPPROTO_IPV6, IPV6_PKTINFO, info));
  ASSERT_TRUE(writer.add_value(SOL_UDP, UDP_GRO, int{1200}));
  control.resize(writer.size());
  const ReceiveMetadata meta = parse_receive_metadata(control);
  ASSERT_TRUE(meta.local);
  EXPECT_TRUE(meta.local->is_v6());
  EXPECT_EQ(meta.local->scope_id(), 4u);  // link-local: the interface is part of the address
  EXPECT_EQ(meta.interface_index, 4u);
  EXPECT_EQ(meta.gro_segment_size, 1200);

  // Send side: pktinfo and segment size together fit the fixed buffer.
  std::array<std::uint8_t, kSendControlSize> out{};
  const auto size =
      write_send_metadata(out, SocketAddress::loopback(SocketAddress::Family::kV6, 0), 1200);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, cmsg_space(sizeof(in6_pktinfo)) + cmsg_space(sizeof(std::uint16_t)));
  EXPECT_EQ(write_send_metadata(out, SocketAddress(), 0), std::optional<std::size_t>(0));
}

TEST(IcmpError, LongQuoteKeepsItsFirst64Bytes) {
  sock_extended_err ee{};
  ee.ee_errno = ECONNREFUSED;
  ee.ee_origin = SO_EE_ORIGIN_ICMP;
  ee.ee_type = 3;
  ee.ee_code = 3;
  const auto control = extended_error(IPPROTO_IP, IP_RECVERR, ee, nullptr, 0);
  std::vector<std::uint8_t> quote(100);
  for (std::size_t i = 0; i < quote.size(); ++i) quote[i] = static_cast<std::uint8_t>(i);
  const auto e = parse_error_message(control, {}, quote);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->quoted_bytes, kMaxIcmpQuote);
  ASSERT_EQ(e->quoted().size(), kMaxIcmpQuote);
  EXPECT_EQ(e->quoted()[16], 16);
  EXPECT_EQ(e->quoted().back(), kMaxIcmpQuote - 1);
}

}  // namespace
}  // namespace sctps::net
