// Negotiation of the DTLS chunk during association set-up (draft-ietf-tsvwg-sctp-dtls-chunk §5.1),
// sans-IO: the local configuration (§7.1, socket option §8.4.1), the DTLS Key Management parameter
// we put in our INIT or INIT ACK (§4.1), and the decision taken once both parameters are known:
// protected, unprotected (loose mode) or ABORT with one of the causes of §4.3. The result also
// carries what §7.2 hands to the key-management method: its role, the method and the down-grade
// prevention data.
//
// Readings where §5.1 leaves room (the engine relies on them):
//  - Everything visible on the wire (roles, restart bit, tie breaker, method list) is taken from
//    the two parameters as sent, never from the configuration, so both endpoints decide on the
//    same input. The configuration only contributes `enabled` and the mode.
//  - Order of checks: no common method (101), then incompatible roles (103), then equal tie
//    breakers (102). A peer parameter with neither C nor S set offers no role: 103.
//  - Tie breaker: only consulted when both sides offer both roles; the larger value is the server.
//    Equal values abort with 102 also in loose mode: §5.1 case 2 says the association MUST be
//    aborted without a mode condition, and a new attempt (fresh tie breakers) is recommended, so
//    falling back to an unprotected association would be a needless downgrade.
//  - In loose mode every other failure (peer parameter absent, no common method, incompatible
//    roles) continues unprotected; `cause` then names what a strict endpoint would have sent.
//  - A strict endpoint receiving an INIT ACK without the parameter also aborts with 100 (§5.1 says
//    ABORT for INIT and INIT ACK; §4.3.1 only describes the INIT case).
//  - Method selection: the server's list in its order, the first identifier also listed by the
//    client (§5.1 last paragraph); the client's preference order plays no part.
//  - Down-grade data (specs README reading #3): the client's parameter then the server's, each as
//    on the wire without padding. Each record starts with its own header, whose length field makes
//    the concatenation separable (§7.2 "separable records").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/random.h"
#include "wire/dtls_km_parameter.h"
#include "wire/error_causes.h"

namespace sctps::core {

// Key-management roles an endpoint offers (§7.1: client only, server only, or both).
enum class DtlsRoles : std::uint8_t { kClient, kServer, kBoth };
// The role an endpoint ends up with.
enum class DtlsRole : std::uint8_t { kClient, kServer };
// §5.1: strict refuses to run without DTLS chunk protection, loose falls back to plain SCTP.
enum class DtlsMode : std::uint8_t { kStrict, kLoose };

// The local configuration (§7.1, SCTP_DTLS_LOCAL_CONFIG of §8.4.1).
struct DtlsChunkConfig {
  // Default off: the DTLS chunk is an extension the application asks for; an endpoint without it
  // sends no parameter and ignores the peer's (as an unaware endpoint would, §4.1 type bits 10).
  bool enabled = false;
  // Key-management identifiers, most preferred first (§4.1, sdc_kmids). Default {192}: TLS 1.3
  // (draft-porfiri), the one method with down-grade protection; 0 (pre-shared keys, specs README
  // reading #5) must be configured explicitly. Must not be empty.
  std::vector<std::uint8_t> methods{wire::dtls_km_method::kTls13};
  // Default both: works whichever side initiates and with simultaneous open (§7.1); the tie
  // breaker resolves the roles when the peer offers both too.
  DtlsRoles roles = DtlsRoles::kBoth;
  // Default true: our methods support the restart operation (R bit); restart is agreed only when
  // both sides set it.
  bool restart_supported = true;
  // Default strict (SCTP_DTLS_REQUIRED): an application enabling protection should not be silently
  // downgraded to plain SCTP; loose must be asked for.
  DtlsMode mode = DtlsMode::kStrict;

  // Methods listed (at least one) and fitting in a parameter.
  bool valid() const {
    return !methods.empty() && methods.size() <= wire::DtlsKeyManagementParameter::kMaxMethods;
  }
};

// The parameter for our INIT or INIT ACK: roles, restart bit and methods from `config`, and a
// fresh random tie breaker. Keep it: negotiate_dtls() needs exactly what was sent.
wire::DtlsKeyManagementParameter make_local_parameter(const DtlsChunkConfig& config,
                                                      RandomSource& random);

enum class DtlsOutcome : std::uint8_t {
  kProtected,         // agreed: method, role, restart and down-grade data are set
  kUnprotectedLoose,  // loose mode: continue without protection; `cause` says why
  kAbort,             // send ABORT with `cause`
  kDisabled,          // the DTLS chunk is not enabled locally: plain SCTP, peer's parameter ignored
};

struct NegotiationResult {
  DtlsOutcome outcome = DtlsOutcome::kDisabled;
  // kAbort: the error cause for the ABORT (100-103, wire::cause_code). kUnprotectedLoose: the cause
  // a strict endpoint would have sent (100, 101 or 103). Otherwise 0.
  std::uint16_t cause = 0;
  // kProtected only (otherwise 0 / client / false / empty).
  std::uint8_t method = 0;
  DtlsRole role = DtlsRole::kClient;
  bool restart = false;  // both parameters had the R bit set
  // The client's parameter then the server's, each header included and padding excluded.
  std::vector<std::uint8_t> downgrade_data;
  // Whether the SCTP initiator took the client role. When false, the porfiri draft's
  // "Initiator"/"Responder" names (its §5.2) do not match client/server; we follow the roles.
  bool initiator_is_client = false;

  bool is_protected() const { return outcome == DtlsOutcome::kProtected; }
};

// §5.1 with `local_sent` the parameter we put in our INIT/INIT ACK (from make_local_parameter) and
// `peer` the one received (nullopt when absent). For the peer's down-grade data its `wire` bytes
// are used when set (as parse() leaves them; set them from InitParameterScan::dtls_km_wire, which
// keeps reserved bits as the peer sent them), otherwise its re-encoding.
NegotiationResult negotiate_dtls(const DtlsChunkConfig& local,
                                 const wire::DtlsKeyManagementParameter& local_sent,
                                 const std::optional<wire::DtlsKeyManagementParameter>& peer,
                                 bool we_are_initiator);

// The error cause to ABORT with for a kAbort outcome's `cause` (draft §4.3: 100-103).
wire::ErrorCause dtls_abort_cause(std::uint16_t code);

}  // namespace sctps::core
