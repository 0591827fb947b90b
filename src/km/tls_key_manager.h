// Key-management method 192, TLS 1.3 (draft-porfiri-tsvwg-sctp-dtls-handshake) as a
// core::KeyManager: TLS 1.3 handshakes carried in key-management messages (km_message.h, PPID 4242,
// stream 0), keys derived with the exporter (key_export.h) and installed in the DTLS chunk
// protector, first for epoch 3 (§5.4, §6.1), then for each rekey the previous epoch plus one
// (§6.2).
//
// Initial establishment (§6.1, with our reading #4 of shared/specs/README.md), TLS roles = the
// negotiated key-management roles:
//   client: start → ClientHello; TLS complete (server's flight verified, our Finished sent) →
//     install the receive keys (the server's write keys; restart ones too when agreed), keep the
//     send keys (step 7); Protection Established → install the send keys, select them, require
//     protection, close the TLS connection: kProtected (step 12).
//   server: TLS complete (client's Finished verified) → install both directions, select the send
//     key, require protection, send Protection Established, close the TLS connection (steps 9-11).
//
// Rekeying (§6.2) runs the same handshake inside the protected association with epoch N+1; the
// side that starts it is the TLS client of that handshake, whatever its negotiated role. Triggers
// (§3.4, §6.2.1): rekey() from the application, `rekey_interval` after the current keys took over,
// `rekey_bytes` protected under them, or the protector's warning that a current key approaches its
// AEAD limit. Both sides may start at once (§6.2.4): the ClientHello of the negotiated client wins,
// the negotiated server drops its own attempt and serves the peer's. States (§6.2.5): YOUNG = no
// handshake and no old keys; LOCAL/REMOTE AGED = our/the peer's handshake runs (old keys in use);
// LOCAL/REMOTE OLD = switched, old keys draining. A new handshake removes draining keys at once
// ("the flush timer is cleared"), so at most two primary epochs exist.
//
// Drain (§6.2.3): the old epoch's keys are destroyed `drain_time` after the switch; by default
// 120 s once the peer is known to use the new keys (the client knows it from Protection
// Established; the server from the first packet the new keys open), otherwise T_fail.
//
// Failures (§7) end the association, with failure() telling why: a TLS failure (bad certificate,
// an identity other than the first handshake's, an alert from the peer), the initial handshake not
// done within `handshake_timeout`, or the protector refusing a key. A rekey that times out before
// the server's flight arrived is retried (`rekey_attempts` in all, `rekey_retry_delay` apart) while
// the current keys are within their limits; one that times out after we installed the new receive
// keys cannot be retried (the peer may use them already) and ends the association. A TLS failure
// in a rekey is not retried: it comes from the credentials or an attacker, which a retry does not
// cure. Messages a receiver cannot use — malformed, of an unknown control type, for another epoch,
// arriving in a state that does not expect them — are dropped and counted (dropped_messages());
// TLS records of a handshake already finished (the peer's close_notify) are counted apart
// (late_messages()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/key_management.h"
#include "km/key_export.h"
#include "km/km_error.h"
#include "km/km_message.h"
#include "km/tls_credentials.h"
#include "km/tls_session.h"

namespace sctps::km {

// Seconds since 1970 at the engine's time `now`: km reads no clock (DESIGN.md), so the runtime
// passes the wall clock in through this (certificate validity, tls_session.h).
using UnixTimeSource = std::function<std::int64_t(TimePoint now)>;

// A source for tests and simulations: `unix_at_zero` seconds at TimePoint zero, moving with the
// engine's time.
UnixTimeSource unix_time_from(std::int64_t unix_at_zero);

struct TlsKeyManagerConfig {
  // The TLS contexts of the endpoint, shared by all its associations; the one of the role the
  // negotiation assigns is used (draft-ietf-tsvwg-sctp-dtls-chunk §5.1). A null context means the
  // endpoint cannot take that role: an association assigning it is aborted. Default: none.
  std::shared_ptr<const TlsContext> client_context;
  std::shared_ptr<const TlsContext> server_context;
  // What the peer's certificate must show besides a valid chain (§3.3), by our role: as client we
  // judge the server (normally an expected name), as server the client (default: any certificate
  // from our CA, PeerIdentityPolicy::chain_only()).
  PeerIdentityPolicy peer_when_client;
  PeerIdentityPolicy peer_when_server;
  // Time from start() until the association is protected. Default 10 s: a handshake takes two
  // round trips plus retransmissions; an attacker or a silent peer must not hold the association
  // (and the messages the application queued) pending for longer.
  Duration handshake_timeout = sec(10);
  // Wall clock for certificate validity. Required.
  UnixTimeSource unix_time;

  // Rekeying policy (§3.4: at least every hour and every 100 GB). Zero disables a trigger.
  Duration rekey_interval = sec(3600);             // since the current keys took over
  std::uint64_t rekey_bytes = 100'000'000'000ULL;  // protected both ways under the current keys
  // How long old keys stay after a switch (§6.2.3). Unset: 120 s from when the peer is known to
  // use the new keys, otherwise the association's T_fail.
  std::optional<Duration> drain_time;
  // A rekey not finished in this time is given up (and retried, see the file comment).
  Duration rekey_timeout = sec(10);
  int rekey_attempts = 3;
  Duration rekey_retry_delay = sec(1);

  // Both contexts from one set of credentials (an endpoint that may take either role), offering
  // `cipher_suites` (TLS 1.3 ids, preferred first; empty: every suite the protector supports).
  // `context_options`: resumption (tls_session.h) for both roles.
  static KmResult<TlsKeyManagerConfig> from_credentials(
      const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites = {},
      const TlsContextOptions& context_options = {});
};

class TlsKeyManager final : public core::KeyManager {
 public:
  // The first DKC of an association (§5.4).
  static constexpr std::uint64_t kInitialEpoch = 3;
  // Drain time once the peer is known to use the new keys (§6.2.3: one MSL).
  static constexpr Duration kConfirmedDrain = sec(120);

  // `config` must outlive the manager (the factory owns it). `client_policy`, if given, replaces
  // config.peer_when_client for this association (a client that expects the address it
  // connected to).
  TlsKeyManager(const core::KeyManagementAgreement& agreement, const TlsKeyManagerConfig& config,
                std::optional<PeerIdentityPolicy> client_policy = std::nullopt);
  ~TlsKeyManager() override;
  TlsKeyManager(const TlsKeyManager&) = delete;
  TlsKeyManager& operator=(const TlsKeyManager&) = delete;

  void start(protect::ChunkProtector& protector, TimePoint now) override;
  void on_message(std::span<const std::uint8_t> message, bool is_protected,
                  protect::ChunkProtector& protector, TimePoint now) override;
  void on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector& protector,
                TimePoint now) override;
  // Starts a rekey as its TLS client; false unless protected with no handshake running.
  bool rekey(protect::ChunkProtector& protector, TimePoint now) override;
  void advance_time(protect::ChunkProtector& protector, TimePoint now) override;
  TimePoint next_deadline() const override;
  std::optional<std::vector<std::uint8_t>> poll_message() override;
  core::KeyManagerState state() const override { return state_; }
  std::string failure() const override { return failure_; }
  // The epoch of the send keys: 3 once protected, 0 before.
  std::uint64_t epoch() const override { return epoch_; }
  void on_traffic(protect::ChunkProtector& protector, TimePoint now) override;
  std::optional<core::KeyTransition> poll_transition() override;
  const protect::CipherSuite* cipher_suite() const override { return suite_; }
  bool resumed() const override { return resumed_; }

  TlsRole role() const { return role_; }  // negotiated key-management role
  // Whether a handshake runs (initial or rekey), and the epoch of the keys still draining.
  bool handshaking() const { return hs_ != nullptr; }
  // Whether a TLS session (OpenSSL objects, secrets) is still held: during a handshake, and
  // briefly after it (restart exports, the resumption ticket); never while idle (issue #6).
  bool holds_tls_session() const { return hs_ != nullptr || closing_ != nullptr; }
  std::optional<std::uint64_t> draining_epoch() const;
  std::uint64_t rekeys() const { return rekeys_; }
  std::uint64_t rekey_retries() const { return rekey_retries_; }
  // Messages dropped without effect, and late TLS records of finished handshakes (file comment).
  std::uint64_t dropped_messages() const { return dropped_messages_; }
  std::uint64_t late_messages() const { return late_messages_; }
  // Our ClientHellos that lost a simultaneous start (§6.2.4), and the peer's we dropped for it.
  std::uint64_t collisions() const { return collisions_; }
  // Messages this manager handed to the engine.
  std::uint64_t messages_sent() const { return messages_sent_; }
  // After the first completion: the authenticated peer (its identity may not change).
  const std::optional<PeerIdentity>& peer_identity() const { return peer_; }

 private:
  // One TLS handshake: the initial one or a rekey (epoch = the DKC it creates).
  struct Handshake {
    TlsSession session;
    std::uint64_t epoch = 0;
    TlsRole role = TlsRole::kClient;  // our TLS role in this handshake
    TimePoint started;
    TimePoint deadline;
    bool receive_installed = false;  // client: the server's keys are in (step 4 / step 7)
    // The client's send keys until Protection Established; wiped when installed or dropped.
    std::optional<ExportedKeys> pending_send;
    // Client, initial handshake: it completed; exports and installs wait until our last flight
    // has left (run_deferred), so that they overlap the server's work instead of delaying it.
    bool completion_due = false;
  };
  struct Drain {
    std::uint64_t epoch = 0;
    TimePoint until;
    bool confirmed = false;  // the peer is known to use the new keys
  };

  // A handshake's session after the switch, kept for what follows Protection Established: the
  // server's restart-key exports (§5.4) and its resumption ticket, done once Protection
  // Established has left (run_deferred); a resuming client waits in it for that ticket and the
  // server's close_notify.
  struct Closing {
    TlsSession session;
    std::uint64_t epoch = 0;
    bool export_restart = false;
    bool issue_ticket = false;
    bool await_ticket = false;
    // A client waits no longer than this for the ticket and close_notify (a peer that never
    // closes must not keep the session's memory for the association's life).
    TimePoint until = kTimeInfinite;
  };

  bool protected_state() const { return state_ == core::KeyManagerState::kProtected; }
  // Work put off until the messages it would delay were sent: the engine transmits what we
  // queued, then calls advance_time at the deadline `now` we gave (next_deadline); every other
  // entry point catches up first, in case it comes before.
  bool deferred_due() const;
  void run_deferred(protect::ChunkProtector& protector, TimePoint now);
  void export_restart_keys(protect::ChunkProtector& protector, TlsSession& session,
                           std::uint64_t epoch);
  bool begin(TlsRole as, std::uint64_t epoch, TimePoint now);
  bool start_rekey(protect::ChunkProtector& protector, TimePoint now);
  void serve_client_hello(wire::Bytes records, protect::ChunkProtector& protector, TimePoint now);
  void on_initial_message(const KmMessage& message, bool is_protected,
                          protect::ChunkProtector& protector, TimePoint now);
  void on_rekey_message(const KmMessage& message, protect::ChunkProtector& protector,
                        TimePoint now);
  void handle_records(wire::Bytes records, protect::ChunkProtector& protector, TimePoint now);
  void on_handshake_complete(protect::ChunkProtector& protector, TimePoint now);
  void on_protection_established(protect::ChunkProtector& protector, TimePoint now);
  bool install(protect::ChunkProtector& protector, bool send, bool restart, std::uint64_t epoch,
               const protect::KeyMaterial& material);
  void switch_keys(protect::ChunkProtector& protector, TimePoint now);
  void on_rekey_timeout(protect::ChunkProtector& protector, TimePoint now);
  void flush_old_keys(protect::ChunkProtector& protector);
  bool rekey_due(const protect::ChunkProtector& protector, TimePoint now) const;
  void collect_output();
  void collect_output(TlsSession& session, std::uint64_t epoch);
  void fail(std::string why);
  void drop() { ++dropped_messages_; }

  // What this manager needs of the agreement for its whole life (not the peer's addresses, which
  // only the factory looks at): memory per idle association (issue #6).
  std::vector<std::uint8_t> downgrade_data_;
  Duration failure_time_;
  bool restart_ = false;
  const TlsKeyManagerConfig& config_;
  TlsRole role_;
  core::KeyManagerState state_ = core::KeyManagerState::kPending;
  std::string failure_;
  bool started_ = false;
  std::unique_ptr<Handshake> hs_;     // only while a handshake runs
  std::unique_ptr<Closing> closing_;  // only between a switch and what follows it
  // Client with a resuming context, until the initial handshake starts: the peer's address and
  // our identity policy, under which its ticket is kept (tls_session.h).
  std::unique_ptr<std::string> resumption_key_;
  bool resumed_ = false;  // the initial handshake resumed a session
  // The client policy of this association when it differs from the configuration's.
  std::unique_ptr<PeerIdentityPolicy> client_policy_;
  std::uint64_t epoch_ = 0;
  std::optional<Drain> drain_;
  TimePoint keys_since_;               // when the current keys took over
  std::uint64_t bytes_at_switch_ = 0;  // protector bytes (both ways) at that moment
  int attempts_failed_ = 0;            // consecutive rekey timeouts
  TimePoint retry_at_ = kTimeInfinite;
  // Vectors, not deques: an idle association keeps these empty, and an empty std::deque already
  // holds a 576-byte block (memory per idle association, issue #6).
  std::vector<std::vector<std::uint8_t>> outbox_;
  std::vector<core::KeyTransition> transitions_;
  const protect::CipherSuite* suite_ = nullptr;
  std::optional<PeerIdentity> peer_;
  std::uint64_t rekeys_ = 0;
  std::uint64_t rekey_retries_ = 0;
  std::uint64_t dropped_messages_ = 0;
  std::uint64_t late_messages_ = 0;
  std::uint64_t collisions_ = 0;
  std::uint64_t messages_sent_ = 0;
};

// Serves method 192 with one configuration; refuses other methods and roles without a context.
class TlsKeyManagerFactory final : public core::KeyManagerFactory {
 public:
  explicit TlsKeyManagerFactory(TlsKeyManagerConfig config) : config_(std::move(config)) {}
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override;
  const TlsKeyManagerConfig& config() const { return config_; }

 private:
  TlsKeyManagerConfig config_;
};

}  // namespace sctps::km
