// Reconstruction of the full record sequence number from the 16 low bits on the wire
// (RFC 9147 §4.2.2): the receiver takes the value with those low bits that lies closest to the
// next expected sequence number (one more than the highest successfully deprotected record of
// the epoch, or 0 before the first). The result lies in (expected - 2^15, expected + 2^15] (the
// choice at the tie is QUIC's, RFC 9000 Appendix A.3), is never negative and never leaves the
// 48-bit space.
#pragma once

#include <cstdint>

namespace sctps::protect {

std::uint64_t reconstruct_sequence(std::uint64_t expected, std::uint16_t low_bits);

}  // namespace sctps::protect
