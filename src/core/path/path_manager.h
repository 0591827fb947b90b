// The destinations of one association (RFC 9260 §6.4): the paths built from the peer's addresses,
// the primary path, the choice of destination for new data and for retransmissions with failover
// and return to the primary (§6.4, §6.4.1), path and association failure detection (§8.1, §8.2),
// and heartbeats: idle-path monitoring (§8.3) and address confirmation by probing (§5.4).
//
// Use, by the association:
//  - add_path() for each peer address (from INIT / INIT ACK, or the one used to set up); the first
//    is the primary unless set_primary() says otherwise. Confirmed per §5.4 rules 1 and 2.
//  - data_path() for new DATA; retransmission_path(last) for a chunk being retransmitted.
//  - path(id).on_data_sent(now) for each first transmission; path(id).rto().on_rtt_sample() for
//    RTT samples from SACKs (Karn's rule is the caller's); path(id).congestion() for cwnd.
//  - on_data_acked(id) when a SACK newly acknowledges data last sent to id (clears both error
//    counters, §8.1, §8.2); on_retransmission_timeout(id) when T3-rtx expires on id (§6.3.3 E1/E2,
//    §7.2.3, §8.1, §8.2).
//  - start_heartbeats(now) when the association is ESTABLISHED; whenever now >=
//    next_heartbeat_deadline(): call expire_heartbeat(now) until nullopt, then due_heartbeat(now)
//    until nullopt, sending a HEARTBEAT with the returned info to the returned address each time.
//    The deadline may be early (it does not know about data sent lately); then both return nullopt.
//  - on_heartbeat_ack(info, now) for each HEARTBEAT ACK.
// Every PathUpdate returned says what the application should hear (§8.2, §5.4) and whether the
// association must be closed because the peer is unreachable (§8.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/path/heartbeat_info.h"
#include "core/path/path.h"
#include "core/random.h"
#include "core/time.h"
#include "wire/byte_io.h"

namespace sctps::core {

struct PathManagerConfig {
  PathConfig path{};                 // defaults of every path
  int association_max_retrans = 10;  // Association.Max.Retrans (§8.1, §16)
  // HB.Max.Burst (§5.4, §16): probes of unconfirmed addresses sent per RTO. 0: no limit.
  std::size_t heartbeat_max_burst = 1;
  // Addresses come from the peer's INIT or INIT ACK: a bound on the paths keeps a hostile peer from
  // making us probe an unbounded list of (possibly third-party) addresses.
  std::size_t max_paths = 16;
  // ssthresh of new paths (§7.2.1: arbitrarily high, e.g. the peer's a_rwnd once known).
  std::size_t initial_ssthresh = 0xFFFFFFFFu;
};

// What one event did to a path and to the association.
struct PathUpdate {
  PathId path{};
  bool became_inactive = false;     // §8.2: report the address unreachable
  bool became_active = false;       // §8.2, §8.3: report the address reachable again
  bool became_confirmed = false;    // §5.4: the address was verified
  bool association_failed = false;  // §8.1: error count exceeded; close the association
  bool data_path_changed = false;   // §6.4.1: failover, or return to the primary
  bool any() const {
    return became_inactive || became_active || became_confirmed || association_failed ||
           data_path_changed;
  }
};

struct HeartbeatToSend {
  PathId path{};
  IpAddress destination;
  HeartbeatInfo::Encoded info{};  // the value of the Heartbeat Info parameter (§3.3.5)
  bool probe = false;             // to an unconfirmed address (§5.4)
};

// Why a HEARTBEAT ACK was not accepted; the ACK must then be ignored (and counted).
enum class HeartbeatAckError : std::uint8_t {
  kMalformed,        // the info is not one of our encodings
  kUnknownPath,      // path index out of range
  kAddressMismatch,  // the address is not that of the indexed path
  kNotOutstanding,   // no heartbeat awaits an ACK on that path (duplicate, replay, too late)
  kNonceMismatch,    // nonce or send time differ from the heartbeat outstanding (forged, stale)
};
std::string_view to_string(HeartbeatAckError error);

struct HeartbeatAckResult {
  std::optional<HeartbeatAckError> error;  // set: rejected, nothing changed
  PathUpdate update;
  Duration rtt{0};  // the RTT measured by this ACK (§8.3)
  bool ok() const { return !error.has_value(); }
};

class PathManager {
 public:
  // `random` must outlive the manager; it draws heartbeat jitter and nonces.
  PathManager(const PathManagerConfig& config, RandomSource& random);
  // Pinned: its paths refer to the path settings it holds (config_.path).
  PathManager(const PathManager&) = delete;
  PathManager& operator=(const PathManager&) = delete;

  // --- Paths ---
  // Adds a destination, or returns the existing one with that address (and confirms it if asked
  // to). nullopt when max_paths are present already. Heartbeating starts at once if started.
  std::optional<PathId> add_path(const IpAddress& address, bool confirmed,
                                 TimePoint now = kTimeZero);
  std::optional<PathId> find(const IpAddress& address) const;
  std::size_t size() const { return paths_.size(); }
  bool empty() const { return paths_.empty(); }
  bool contains(PathId id) const { return id.value < paths_.size(); }
  // id must be one add_path returned (aborts otherwise: a programming error).
  Path& path(PathId id);
  const Path& path(PathId id) const;
  const std::vector<Path>& paths() const { return paths_; }

  // --- Destination selection (§6.4, §6.4.1) ---
  // The user's choice of primary (SET PRIMARY). False for an unknown id. Data goes to the primary
  // whenever it is active and confirmed.
  bool set_primary(PathId id);
  std::optional<PathId> primary() const;
  // Where new data goes: the primary if usable; otherwise the alternate already failed over to
  // while it stays usable, else one newly chosen. With no usable path at all: the primary if
  // confirmed, else the last choice. nullopt only when no path is confirmed.
  std::optional<PathId> data_path() const;
  // §6.4: a usable destination other than the one the chunk was last sent to, preferring the
  // current data path; else `last_sent_to` if usable; else data_path().
  std::optional<PathId> retransmission_path(PathId last_sent_to) const;

  // --- Errors (§8.1, §8.2) ---
  // One error on the path and on the association.
  PathUpdate on_error(PathId id);
  // T3-rtx expired on the path: back off its RTO (§6.3.3 E2), cut its cwnd (§7.2.3) and count the
  // error (§8.1, §8.2).
  PathUpdate on_retransmission_timeout(PathId id);
  // Data last sent to the path was newly acknowledged: clears the path's and the association's
  // error counters (§8.1, §8.2). revive false: the acknowledgement came from another of the peer's
  // addresses, so it proves only that the data got through at some time, not that the path works
  // now; an inactive path then stays inactive (a heartbeat decides), as in common stacks.
  PathUpdate on_data_acked(PathId id, bool revive = true);
  int association_error_count() const { return association_errors_; }

  // --- Heartbeats (§8.3, §5.4) ---
  void start_heartbeats(TimePoint now);
  void stop_heartbeats();
  bool heartbeats_started() const { return started_; }
  void set_heartbeat_enabled(PathId id, bool enabled, TimePoint now);
  void set_heartbeat_interval(PathId id, Duration interval, TimePoint now);
  void request_heartbeat(PathId id, TimePoint now);
  TimePoint next_heartbeat_deadline() const;
  // One outstanding heartbeat whose RTO elapsed without an ACK: counts an error on its path (and
  // on the association when it is the data path and confirmed, §8.1; never for a probe, §5.4) and
  // backs off the path's RTO (§8.3). nullopt when none is due.
  std::optional<PathUpdate> expire_heartbeat(TimePoint now);
  // The next heartbeat to send, at most one per call; nullopt when none is due.
  std::optional<HeartbeatToSend> due_heartbeat(TimePoint now);
  // A HEARTBEAT ACK's info: validated against the heartbeat outstanding on the indicated path, then
  // an RTT sample, confirmation (§5.4), error counters cleared and the path active (§8.3).
  HeartbeatAckResult on_heartbeat_ack(wire::Bytes info, TimePoint now);

 private:
  bool usable(std::size_t i) const { return paths_[i].is_usable(); }
  void update_data_path();
  PathUpdate count_error(PathId id, bool count_for_association);
  bool probe_window_full(TimePoint now) const;
  TimePoint effective_deadline(const Path& p) const;

  PathManagerConfig config_;
  RandomSource* random_;
  std::vector<Path> paths_;
  std::size_t primary_ = 0;
  std::size_t current_ = 0;  // the destination of new data (sticky across failover, §6.4.1)
  int association_errors_ = 0;
  bool started_ = false;
  TimePoint probe_window_end_ = kTimeZero;
  std::size_t probes_in_window_ = 0;
};

}  // namespace sctps::core
