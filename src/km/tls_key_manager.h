// Key-management method 192, TLS 1.3 (draft-porfiri-tsvwg-sctp-dtls-handshake), initial
// establishment (§6.1) as a core::KeyManager: a TLS 1.3 handshake carried in key-management
// messages (km_message.h, PPID 4242, stream 0), keys derived with the exporter (key_export.h) and
// installed in the DTLS chunk protector for epoch 3 (§5.4).
//
// Order of installation (§6.1, with our reading #4 of shared/specs/README.md):
//   client (key-management role, not necessarily the SCTP initiator):
//     start          create the TLS session and send its ClientHello
//     TLS complete   (the server's flight verified, our Finished sent) export every key and install
//                    the receive keys (the server's write keys; restart ones too when agreed); the
//                    send keys stay with us, not yet in the protector (step 7)
//     Protection     install the send keys, select the primary one, require protection, close the
//     Established    TLS connection: kProtected (step 12)
//   server:
//     start          create the TLS session and wait for the ClientHello
//     TLS complete   (the client's Finished verified) export and install both directions, select
//     the
//                    send key, require protection, send Protection Established, close the TLS
//                    connection: kProtected (steps 9-11)
// Every message of the initial handshake carries epoch 3, the DKC it creates (§4).
//
// Failures end the association (§7): a TLS failure (bad certificate, alert from the peer), the
// handshake not finished within `handshake_timeout`, or the protector refusing a key. failure()
// then tells why, with the TLS reason. Messages a receiver cannot use — malformed, of an unknown
// control type, for another epoch, arriving in a state that does not expect them, or TLS records
// after our TLS connection was closed (the peer's close_notify) — are dropped and counted
// (dropped_messages()), never fatal: the handshake decides by its own checks and its timeout.
//
// Not yet: rekeying (§6.2; rekey() returns false) and the protected restart (§6.3).
#pragma once

#include <cstdint>
#include <deque>
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

  // Both contexts from one set of credentials (an endpoint that may take either role), offering
  // `cipher_suites` (TLS 1.3 ids, preferred first; empty: every suite the protector supports).
  static KmResult<TlsKeyManagerConfig> from_credentials(
      const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites = {});
};

class TlsKeyManager final : public core::KeyManager {
 public:
  // The first DKC of an association (§5.4).
  static constexpr std::uint64_t kInitialEpoch = 3;

  // `config` must outlive the manager (the factory owns it).
  TlsKeyManager(const core::KeyManagementAgreement& agreement, const TlsKeyManagerConfig& config);
  ~TlsKeyManager() override;
  TlsKeyManager(const TlsKeyManager&) = delete;
  TlsKeyManager& operator=(const TlsKeyManager&) = delete;

  void start(protect::ChunkProtector& protector, TimePoint now) override;
  void on_message(std::span<const std::uint8_t> message, bool is_protected,
                  protect::ChunkProtector& protector, TimePoint now) override;
  void on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector& protector,
                TimePoint now) override;
  // Rekeying (§6.2) is not implemented yet: always false.
  bool rekey(protect::ChunkProtector& protector, TimePoint now) override;
  void advance_time(protect::ChunkProtector& protector, TimePoint now) override;
  TimePoint next_deadline() const override { return deadline_; }
  std::optional<std::vector<std::uint8_t>> poll_message() override;
  core::KeyManagerState state() const override { return state_; }
  std::string failure() const override { return failure_; }
  // 3 once protected, 0 before.
  std::uint64_t epoch() const override {
    return state_ == core::KeyManagerState::kProtected ? kInitialEpoch : 0;
  }

  TlsRole role() const { return role_; }
  // Messages dropped without effect (see the file comment).
  std::uint64_t dropped_messages() const { return dropped_messages_; }
  // Messages this manager handed to the engine.
  std::uint64_t messages_sent() const { return messages_sent_; }
  // After completion: the negotiated suite and the authenticated peer.
  const protect::CipherSuite* cipher_suite() const { return suite_; }
  const std::optional<PeerIdentity>& peer_identity() const { return peer_; }

 private:
  void begin(TimePoint now);
  void handle_records(wire::Bytes records, protect::ChunkProtector& protector);
  void on_handshake_complete(protect::ChunkProtector& protector);
  void on_protection_established(protect::ChunkProtector& protector);
  bool install(protect::ChunkProtector& protector, bool send, bool restart,
               const protect::KeyMaterial& material);
  void finish_installation(protect::ChunkProtector& protector);
  void collect_output();
  void fail(std::string why);
  void drop() { ++dropped_messages_; }

  core::KeyManagementAgreement agreement_;
  const TlsKeyManagerConfig& config_;
  TlsRole role_;
  core::KeyManagerState state_ = core::KeyManagerState::kPending;
  std::string failure_;
  bool started_ = false;
  TimePoint deadline_ = kTimeInfinite;
  std::optional<TlsSession> session_;
  // The client's send keys between TLS completion and Protection Established (step 12); wiped
  // when installed or when the manager goes.
  std::optional<ExportedKeys> pending_send_;
  bool receive_installed_ = false;  // client: step 7 done
  std::deque<std::vector<std::uint8_t>> outbox_;
  const protect::CipherSuite* suite_ = nullptr;
  std::optional<PeerIdentity> peer_;
  std::uint64_t dropped_messages_ = 0;
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
