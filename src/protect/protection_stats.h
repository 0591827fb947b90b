// Counters of the protection operator: those of the socket API (draft §8.4.9) and one per reason
// a received packet was dropped (every drop is counted, DESIGN.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sctps::protect {

enum class DropReason : std::uint8_t {
  kMalformed,             // packet framing, DTLS chunk header or record too short to open
  kNotDtlsChunk,          // open() given a packet whose first chunk is not a DTLS chunk
  kBundled,               // DTLS chunk bundled with other chunks (draft §5.2)
  kUnprotected,           // unprotected packet after protection was required (draft §5.2)
  kUnknownKeyContext,     // no receive key for the R bit and epoch bits
  kIntegrityLimit,        // the receive key saw too many failed decryptions (RFC 9147 §4.5.3)
  kReplayDuplicate,       // sequence number already received
  kReplayTooOld,          // sequence number below the replay window
  kAuthenticationFailed,  // AEAD open failed
  kBadPadding,            // decrypted record of zeros only: no content type
  kBadContentType,        // inner content type other than application_data (23)
  kBadPlaintext,          // inner chunks malformed, absent, or holding another DTLS chunk
};
inline constexpr std::size_t kDropReasonCount = 12;

std::string_view to_string(DropReason reason);

struct ProtectionStats {
  // Draft §8.4.9.
  std::uint64_t dropped_unprotected = 0;  // unprotected packets dropped after enforcement
  std::uint64_t aead_failures = 0;        // failed AEAD opens
  std::uint64_t recv_protected = 0;       // DTLS chunks opened successfully
  std::uint64_t sent_protected = 0;       // DTLS chunks sealed
  // Ours.
  std::uint64_t seal_failures = 0;
  std::uint64_t sent_protected_bytes = 0;  // plaintext chunk bytes sealed
  std::uint64_t recv_protected_bytes = 0;  // plaintext chunk bytes opened
  std::array<std::uint64_t, kDropReasonCount> dropped{};

  std::uint64_t dropped_for(DropReason reason) const {
    return dropped[static_cast<std::size_t>(reason)];
  }
  std::uint64_t dropped_total() const;
};

}  // namespace sctps::protect
