// The Heartbeat Information our endpoint puts in a HEARTBEAT (RFC 9260 §3.3.5, §8.3) and gets back,
// unchanged, in the HEARTBEAT ACK (§3.3.6). Its content is ours to define: the destination it was
// sent to (path index and address, §8.3), the send time for the RTT measurement (§8.3) and a 64-bit
// random nonce (§5.4) that confirms the address and makes a forged ACK improbable.
//
// Layout, 36 bytes, big-endian:
//   0      version (1)
//   1      address family (4 or 6)
//   2..3   path index
//   4..11  send time, microseconds of the sender's clock (signed, never negative)
//   12..19 nonce
//   20..35 address: 4 bytes for IPv4 followed by 12 zero bytes, or 16 bytes for IPv6
//
// A HEARTBEAT ACK is network input: decode() accepts only exactly this layout. Whether the info is
// one we actually sent (nonce, time, path) is checked by the PathManager.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/address.h"
#include "core/time.h"
#include "wire/byte_io.h"
#include "wire/result.h"

namespace sctps::core {

struct HeartbeatInfo {
  static constexpr std::uint8_t kVersion = 1;
  static constexpr std::size_t kEncodedSize = 36;
  using Encoded = std::array<std::uint8_t, kEncodedSize>;

  std::uint16_t path_index = 0;
  IpAddress address;
  TimePoint sent_at = kTimeZero;
  std::uint64_t nonce = 0;

  // sent_at must not be before kTimeZero (a virtual clock starts there).
  Encoded encode() const;
  static wire::Result<HeartbeatInfo> decode(wire::Bytes bytes);

  friend bool operator==(const HeartbeatInfo&, const HeartbeatInfo&) = default;
};

}  // namespace sctps::core
