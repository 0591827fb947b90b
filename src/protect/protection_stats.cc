#include "protect/protection_stats.h"

namespace sctps::protect {

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kMalformed: return "malformed";
    case DropReason::kNotDtlsChunk: return "not a DTLS chunk";
    case DropReason::kBundled: return "DTLS chunk bundled with other chunks";
    case DropReason::kUnprotected: return "unprotected packet while protection is required";
    case DropReason::kUnknownKeyContext: return "unknown key context";
    case DropReason::kIntegrityLimit: return "receive key past its integrity limit";
    case DropReason::kReplayDuplicate: return "replayed record";
    case DropReason::kReplayTooOld: return "record below the replay window";
    case DropReason::kAuthenticationFailed: return "AEAD authentication failed";
    case DropReason::kBadPadding: return "no inner content type";
    case DropReason::kBadContentType: return "inner content type not application_data";
    case DropReason::kBadPlaintext: return "malformed inner chunks";
  }
  return "unknown";
}

std::uint64_t ProtectionStats::dropped_total() const {
  std::uint64_t total = 0;
  for (const std::uint64_t n : dropped) total += n;
  return total;
}

}  // namespace sctps::protect
