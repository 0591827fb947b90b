// An ICMP error about a packet we sent, reduced by the runtime to what the engine needs (RFC 9260
// §10 and Appendix C; RFC 6951 §5.5 for UDP encapsulation).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/address.h"
#include "wire/byte_io.h"

namespace sctps::core {

struct IcmpReport {
  enum class Kind : std::uint8_t {
    kFragmentationNeeded,  // ICMPv4 3/4, ICMPv6 Packet Too Big: `mtu` is set
    kProtocolUnreachable,  // ICMPv4 3/2, ICMPv6 4/1; with UDP encapsulation also port unreachable
    kOther,                // any other unreachable: counted only (Appendix C ICMP9 is a MAY)
  };
  Kind kind = Kind::kOther;
  IpAddress peer;  // destination of the packet the ICMP message quotes
  // kFragmentationNeeded: the largest SCTP packet (common header onwards) the path carries, i.e.
  // the next-hop MTU less the IP and UDP headers; 0 when the router did not say.
  std::size_t mtu = 0;
  wire::Bytes quoted;  // the quoted SCTP packet from its common header, as much as was quoted
};

}  // namespace sctps::core
