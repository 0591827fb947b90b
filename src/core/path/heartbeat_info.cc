#include "core/path/heartbeat_info.h"

#include <algorithm>

namespace sctps::core {
namespace {

void store_be64(std::uint8_t* p, std::uint64_t v) {
  wire::store_be32(p, static_cast<std::uint32_t>(v >> 32));
  wire::store_be32(p + 4, static_cast<std::uint32_t>(v));
}

std::uint64_t join64(std::uint32_t high, std::uint32_t low) {
  return (std::uint64_t{high} << 32) | std::uint64_t{low};
}

}  // namespace

HeartbeatInfo::Encoded HeartbeatInfo::encode() const {
  Encoded out{};
  out[0] = kVersion;
  out[1] = static_cast<std::uint8_t>(address.family());
  wire::store_be16(&out[2], path_index);
  const std::int64_t t = std::max<std::int64_t>(sent_at.time_since_epoch().count(), 0);
  store_be64(&out[4], static_cast<std::uint64_t>(t));
  store_be64(&out[12], nonce);
  const auto addr = address.bytes();
  std::copy(addr.begin(), addr.end(), out.begin() + 20);
  return out;
}

wire::Result<HeartbeatInfo> HeartbeatInfo::decode(wire::Bytes bytes) {
  using wire::make_error;
  using wire::ParseErrorCode;
  const auto r = wire::FixedReader<kEncodedSize>::make(bytes);
  if (!r) return make_error(ParseErrorCode::kTruncated, bytes.size(), "heartbeat info: too short");
  if (bytes.size() != kEncodedSize) {
    return make_error(ParseErrorCode::kLengthMismatch, kEncodedSize, "heartbeat info: too long");
  }
  if (r->u8<0>() != kVersion) {
    return make_error(ParseErrorCode::kInvalidValue, 0, "heartbeat info: version");
  }
  HeartbeatInfo info;
  const std::uint8_t family = r->u8<1>();
  const auto addr = r->array<20, 16>();
  if (family == static_cast<std::uint8_t>(IpAddress::Family::kV4)) {
    // Canonical form only: anything in the unused 12 bytes was not written by us.
    if (!std::all_of(addr.begin() + 4, addr.end(), [](std::uint8_t b) { return b == 0; })) {
      return make_error(ParseErrorCode::kInvalidValue, 24, "heartbeat info: IPv4 padding");
    }
    info.address = IpAddress::v4({addr[0], addr[1], addr[2], addr[3]});
  } else if (family == static_cast<std::uint8_t>(IpAddress::Family::kV6)) {
    info.address = IpAddress::v6(addr);
  } else {
    return make_error(ParseErrorCode::kInvalidValue, 1, "heartbeat info: address family");
  }
  info.path_index = r->u16<2>();
  const std::uint64_t t = join64(r->u32<4>(), r->u32<8>());
  if (t > static_cast<std::uint64_t>(Duration::max().count())) {
    return make_error(ParseErrorCode::kInvalidValue, 4, "heartbeat info: send time");
  }
  info.sent_at = TimePoint(Duration(static_cast<std::int64_t>(t)));
  info.nonce = join64(r->u32<12>(), r->u32<16>());
  return info;
}

}  // namespace sctps::core
