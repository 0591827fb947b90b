#include "core/handshake/dtls_negotiation.h"

#include <algorithm>

#include "wire/error_causes.h"

namespace sctps::core {

namespace {

using wire::DtlsKeyManagementParameter;

bool lists(const std::vector<std::uint8_t>& methods, std::uint8_t id) {
  return std::find(methods.begin(), methods.end(), id) != methods.end();
}

// The first identifier of the server's list that the client lists too (§5.1).
std::optional<std::uint8_t> select_method(const std::vector<std::uint8_t>& server,
                                          const std::vector<std::uint8_t>& client) {
  for (const std::uint8_t id : server) {
    if (lists(client, id)) return id;
  }
  return std::nullopt;
}

// Our role from the offered roles (§5.1 cases 1 and 2), nullopt when they do not complement each
// other. A collision of equal tie breakers is reported separately by the caller.
std::optional<DtlsRole> determine_role(const DtlsKeyManagementParameter& ours,
                                       const DtlsKeyManagementParameter& peer) {
  const bool we_can_client = ours.client && peer.server;
  const bool we_can_server = ours.server && peer.client;
  if (we_can_client && we_can_server) {
    // Both offer both roles: the larger tie breaker is the server.
    return ours.tie_breaker > peer.tie_breaker ? DtlsRole::kServer : DtlsRole::kClient;
  }
  if (we_can_client) return DtlsRole::kClient;
  if (we_can_server) return DtlsRole::kServer;
  return std::nullopt;
}

NegotiationResult fail(const DtlsChunkConfig& local, std::uint16_t cause) {
  NegotiationResult r;
  r.outcome = local.mode == DtlsMode::kLoose ? DtlsOutcome::kUnprotectedLoose : DtlsOutcome::kAbort;
  r.cause = cause;
  return r;
}

}  // namespace

DtlsKeyManagementParameter make_local_parameter(const DtlsChunkConfig& config,
                                                RandomSource& random) {
  DtlsKeyManagementParameter p;
  p.tie_breaker = random.next_u32();
  p.restart = config.restart_supported;
  p.server = config.roles != DtlsRoles::kClient;
  p.client = config.roles != DtlsRoles::kServer;
  p.methods = config.methods;
  return p;
}

NegotiationResult negotiate_dtls(const DtlsChunkConfig& local,
                                 const DtlsKeyManagementParameter& local_sent,
                                 const std::optional<DtlsKeyManagementParameter>& peer,
                                 bool we_are_initiator) {
  namespace cc = wire::cause_code;
  if (!local.enabled) return NegotiationResult{};
  if (!peer) return fail(local, cc::kMissingDtlsChunkSupport);

  // Compatibility (§5.1 conditions 1 and 2). A common method exists whichever side is the server.
  if (!select_method(local_sent.methods, peer->methods)) {
    return fail(local, cc::kNoCommonDtlsKeyManagement);
  }
  const std::optional<DtlsRole> role = determine_role(local_sent, *peer);
  if (!role) return fail(local, cc::kIncompatibleDtlsKeyManagementRoles);
  const bool both_offer_both =
      local_sent.client && local_sent.server && peer->client && peer->server;
  if (both_offer_both && local_sent.tie_breaker == peer->tie_breaker) {
    // §5.1 case 2: MUST abort, whatever the mode.
    NegotiationResult r;
    r.outcome = DtlsOutcome::kAbort;
    r.cause = cc::kDtlsKeyManagementTieBreakerCollision;
    return r;
  }

  const bool we_are_server = *role == DtlsRole::kServer;
  const DtlsKeyManagementParameter& server = we_are_server ? local_sent : *peer;
  const DtlsKeyManagementParameter& client = we_are_server ? *peer : local_sent;
  NegotiationResult r;
  r.outcome = DtlsOutcome::kProtected;
  r.method = *select_method(server.methods, client.methods);
  r.role = *role;
  r.restart = local_sent.restart && peer->restart;
  r.initiator_is_client = we_are_initiator == (*role == DtlsRole::kClient);
  const std::vector<std::uint8_t> ours = local_sent.encoded_bytes();
  const std::vector<std::uint8_t> theirs = peer->downgrade_data();
  const std::vector<std::uint8_t>& first = we_are_server ? theirs : ours;
  const std::vector<std::uint8_t>& second = we_are_server ? ours : theirs;
  r.downgrade_data.reserve(first.size() + second.size());
  r.downgrade_data.insert(r.downgrade_data.end(), first.begin(), first.end());
  r.downgrade_data.insert(r.downgrade_data.end(), second.begin(), second.end());
  return r;
}

wire::ErrorCause dtls_abort_cause(std::uint16_t code) {
  namespace cc = wire::cause_code;
  switch (code) {
    case cc::kNoCommonDtlsKeyManagement: return wire::NoCommonDtlsKeyManagementCause{};
    case cc::kDtlsKeyManagementTieBreakerCollision:
      return wire::DtlsKeyManagementTieBreakerCollisionCause{};
    case cc::kIncompatibleDtlsKeyManagementRoles:
      return wire::IncompatibleDtlsKeyManagementRolesCause{};
    default: return wire::MissingDtlsChunkSupportCause{};
  }
}

}  // namespace sctps::core
