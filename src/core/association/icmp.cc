// ICMP errors for an association (RFC 9260 §10 and Appendix C; RFC 6951 §5.5). The endpoint has
// already matched the quoted packet to us and checked its verification tag (ICMP5, ICMP6).
#include <algorithm>

#include "core/association/association.h"

namespace sctps::core {

namespace {

// A Packet Too Big never lowers a path below what IPv4 delivers without fragmentation (576-byte
// datagrams less a 60-byte IP header with options and the 8-byte UDP header): a forged or broken
// report cannot shrink packets to uselessness.
constexpr std::size_t kMinimumIcmpPathMtu = 508;

}  // namespace

void Association::handle_icmp(const IcmpReport& report, bool quotes_init, TimePoint now) {
  (void)now;
  if (closed()) return;
  switch (report.kind) {
    case IcmpReport::Kind::kFragmentationNeeded: {
      // ICMP7: path MTU discovery (RFC 8201 / RFC 1191): only ever lower, and only with a value.
      const auto id = paths_.find(report.peer);
      if (!id || report.mtu == 0) return;
      Path& path = paths_.path(*id);
      const std::size_t mtu = std::max(report.mtu, kMinimumIcmpPathMtu);
      if (mtu >= path.mtu()) return;
      path.set_mtu(mtu);
      ++stats_.icmp_mtu_updates;
      return;
    }
    case IcmpReport::Kind::kProtocolUnreachable:
      // Once protection is required, ICMP cannot end the association: it is not authenticated
      // and the tag it must quote travels in clear, so anyone on the path could forge it (the
      // same reason unprotected ABORTs are dropped, draft-ietf-tsvwg-sctp-dtls-chunk §5.2).
      if (protector_ && protector_->protection_required()) {
        ++stats_.icmp_unreachable;
        return;
      }
      // Deviation from ICMP8 for a multihomed peer: the report is about one of its addresses
      // (with UDP encapsulation typically a port not yet right for it); the other paths may be
      // fine, and heartbeats and T3 judge this one. Counted only.
      if (!quotes_init && paths_.size() > 1) {
        ++stats_.icmp_unreachable;
        return;
      }
      // ICMP8: as an ABORT; for our INIT only while we wait for the INIT ACK.
      if (quotes_init) {
        if (state_ == AssociationState::kCookieWait) {
          fail(DownReason::kCannotStart, "peer unreachable: ICMP protocol/port unreachable");
        }
        return;
      }
      fail(DownReason::kPeerAborted,
           "peer unreachable: ICMP protocol/port unreachable (treated as ABORT)");
      return;
    case IcmpReport::Kind::kOther:
      ++stats_.icmp_unreachable;  // ICMP9 leaves marking the path to heartbeats and T3
      return;
  }
}

}  // namespace sctps::core
