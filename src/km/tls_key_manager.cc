#include "km/tls_key_manager.h"

#include <fmt/format.h>

#include <chrono>

#include "wire/dtls_km_parameter.h"

namespace sctps::km {

UnixTimeSource unix_time_from(std::int64_t unix_at_zero) {
  return [unix_at_zero](TimePoint now) {
    return unix_at_zero +
           std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  };
}

KmResult<TlsKeyManagerConfig> TlsKeyManagerConfig::from_credentials(
    const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites,
    const TlsContextOptions& context_options) {
  auto client = TlsContext::create(TlsRole::kClient, credentials, cipher_suites, context_options);
  if (!client) return client.error();
  auto server = TlsContext::create(TlsRole::kServer, credentials, cipher_suites, context_options);
  if (!server) return server.error();
  TlsKeyManagerConfig config;
  config.client_context = std::move(client.value());
  config.server_context = std::move(server.value());
  config.peer_when_server = PeerIdentityPolicy::chain_only();
  return config;
}

namespace {

TlsRole tls_role(core::DtlsRole role) {
  return role == core::DtlsRole::kClient ? TlsRole::kClient : TlsRole::kServer;
}

}  // namespace

TlsKeyManager::TlsKeyManager(const core::KeyManagementAgreement& agreement,
                             const TlsKeyManagerConfig& config,
                             std::optional<PeerIdentityPolicy> client_policy)
    : downgrade_data_(agreement.downgrade_data),
      failure_time_(agreement.failure_time),
      restart_(agreement.restart),
      config_(config),
      role_(tls_role(agreement.role)) {
  if (client_policy) client_policy_ = std::make_unique<PeerIdentityPolicy>(*client_policy);
  const PeerIdentityPolicy& policy = client_policy_ ? *client_policy_ : config.peer_when_client;
  if (role_ == TlsRole::kClient && config.client_context && config.client_context->resumption() &&
      !agreement.peer_addresses.empty()) {
    // A ticket belongs to the server that issued it, as judged by this policy: offering it to
    // another address would link our connections there (§8.2) and could not resume anyway.
    resumption_key_ = std::make_unique<std::string>(
        fmt::format("[{}]:{}|{}", agreement.peer_addresses.front().to_string(), agreement.peer_port,
                    policy.describe()));
  }
}

TlsKeyManager::~TlsKeyManager() = default;

namespace {

// A plaintext ClientHello opens the message: a handshake record (type 22) whose first handshake
// message is client_hello (1). TLS 1.3 sends every later client message encrypted.
bool starts_with_client_hello(wire::Bytes records) {
  return records.size() > kTlsRecordHeaderSize && records[0] == 22 &&
         records[kTlsRecordHeaderSize] == 1;
}

std::int64_t to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

void TlsKeyManager::fail(std::string why) {
  if (state_ == core::KeyManagerState::kFailed) return;
  // The alert that tells the peer why (§7) still goes out, if the engine sends it before ABORT.
  collect_output();
  state_ = core::KeyManagerState::kFailed;
  failure_ = std::move(why);
  hs_.reset();
  closing_.reset();
  drain_.reset();
  retry_at_ = kTimeInfinite;
}

bool TlsKeyManager::begin(TlsRole as, std::uint64_t epoch, TimePoint now) {
  const auto& context = as == TlsRole::kClient ? config_.client_context : config_.server_context;
  if (!context) {
    fail(fmt::format("no TLS credentials for the TLS {} role", to_string(as)));
    return false;
  }
  if (!config_.unix_time) {
    fail("no wall-clock source to judge certificate validity");
    return false;
  }
  TlsSessionOptions options;
  // The peer is judged by the policy of its negotiated role in every handshake, and from the
  // second one on must keep the identity the first one proved (§3.3).
  options.peer = role_ == TlsRole::kServer ? config_.peer_when_server
                 : client_policy_          ? *client_policy_
                                           : config_.peer_when_client;
  options.unix_time = config_.unix_time(now);
  options.previous_identity = peer_;
  if (epoch == kInitialEpoch && resumption_key_) {
    options.resumption_key = std::move(*resumption_key_);  // rekeys authenticate in full (§3.3)
    resumption_key_.reset();
  }
  auto session = TlsSession::create(context, std::move(options));
  if (!session) {
    fail(fmt::format("cannot start the TLS handshake for epoch {}: {}", epoch,
                     session.error().message));
    return false;
  }
  const bool initial = epoch == kInitialEpoch;
  hs_ = std::make_unique<Handshake>(Handshake{
      std::move(session.value()), epoch, as, now,
      now + (initial ? config_.handshake_timeout : config_.rekey_timeout), false, std::nullopt});
  collect_output();  // a client's ClientHello (§6.1 step 4, §6.2.2 step 1)
  return true;
}

void TlsKeyManager::start(protect::ChunkProtector&, TimePoint now) {
  if (started_ || state_ != core::KeyManagerState::kPending) return;
  started_ = true;
  begin(role_, kInitialEpoch, now);
}

void TlsKeyManager::collect_output() {
  if (hs_) collect_output(hs_->session, hs_->epoch);
}

void TlsKeyManager::collect_output(TlsSession& session, std::uint64_t epoch) {
  if (session.pending_output() == 0) return;
  std::vector<std::uint8_t> message;
  message.push_back(km_header(KmMessageType::kTlsRecords, epoch));
  session.append_output(message);
  if (message.size() > 1) outbox_.push_back(std::move(message));
}

std::optional<std::vector<std::uint8_t>> TlsKeyManager::poll_message() {
  if (outbox_.empty()) return std::nullopt;
  // Few messages at a time (a flight, Protection Established, close_notify): erasing the front is
  // cheap.
  std::vector<std::uint8_t> m = std::move(outbox_.front());
  outbox_.erase(outbox_.begin());
  if (outbox_.empty()) outbox_.shrink_to_fit();
  ++messages_sent_;
  return m;
}

std::optional<core::KeyTransition> TlsKeyManager::poll_transition() {
  if (transitions_.empty()) return std::nullopt;
  const core::KeyTransition t = transitions_.front();
  transitions_.erase(transitions_.begin());
  if (transitions_.empty()) transitions_.shrink_to_fit();
  return t;
}

std::optional<std::uint64_t> TlsKeyManager::draining_epoch() const {
  if (!drain_) return std::nullopt;
  return drain_->epoch;
}

void TlsKeyManager::on_message(std::span<const std::uint8_t> bytes, bool is_protected,
                               protect::ChunkProtector& protector, TimePoint now) {
  run_deferred(protector, now);
  if (state_ == core::KeyManagerState::kFailed) {
    drop();
    return;
  }
  const KmParseResult parsed = parse_km_message(bytes);
  if (!parsed.ok()) {
    drop();
    return;
  }
  if (state_ == core::KeyManagerState::kPending) {
    on_initial_message(parsed.message, is_protected, protector, now);
    return;
  }
  // Once protected, the engine hands us only what arrived inside DTLS chunks (§6.2.2 step 1).
  if (!is_protected) {
    drop();
    return;
  }
  on_rekey_message(parsed.message, protector, now);
}

void TlsKeyManager::on_initial_message(const KmMessage& message, bool is_protected,
                                       protect::ChunkProtector& protector, TimePoint now) {
  if (message.epoch != KmMessage::epoch_bits(kInitialEpoch)) {
    drop();
    return;
  }
  // The engine starts us first; a message before is still usable.
  if (!started_) start(protector, now);
  if (!hs_) return;  // failed to begin
  if (message.type == KmMessageType::kTlsRecords) {
    handle_records(message.tls_records, protector, now);
    return;
  }
  // Protection Established (§4.1.1): only the server sends it, only after it installed its keys,
  // so it arrives protected and after our handshake completed. Anything else is not it.
  if (hs_->role != TlsRole::kClient || !is_protected || !hs_->receive_installed) {
    drop();
    return;
  }
  on_protection_established(protector, now);
}

void TlsKeyManager::on_rekey_message(const KmMessage& message, protect::ChunkProtector& protector,
                                     TimePoint now) {
  const bool records = message.type == KmMessageType::kTlsRecords;
  const bool hello = records && starts_with_client_hello(message.tls_records);
  if (hs_ && message.epoch == KmMessage::epoch_bits(hs_->epoch)) {
    if (!records) {
      if (hs_->role == TlsRole::kClient && hs_->receive_installed) {
        on_protection_established(protector, now);
      } else {
        drop();
      }
      return;
    }
    if (hello && hs_->role == TlsRole::kClient && !hs_->receive_installed) {
      // Both sides started (§6.2.4): the negotiated client's ClientHello is the one processed.
      ++collisions_;
      if (role_ == TlsRole::kClient) {
        drop();  // ours wins; the peer drops its own attempt and answers ours
        return;
      }
      hs_.reset();
      serve_client_hello(message.tls_records, protector, now);
      return;
    }
    if (hello && hs_->role == TlsRole::kServer) {
      // The peer gave up its attempt (timeout) and tries again with the same epoch.
      hs_.reset();
      serve_client_hello(message.tls_records, protector, now);
      return;
    }
    handle_records(message.tls_records, protector, now);
    return;
  }
  if (!hs_ && hello && message.epoch == KmMessage::epoch_bits(epoch_ + 1)) {
    serve_client_hello(message.tls_records, protector, now);  // YOUNG or OLD → REMOTE AGED
    return;
  }
  if (records && message.epoch == KmMessage::epoch_bits(epoch_)) {
    ++late_messages_;  // the close_notify of the handshake that made the current keys
    if (closing_ && closing_->await_ticket && closing_->epoch == epoch_) {
      // A resuming client: the server's ticket, then its close_notify; ours answers it.
      TlsSession& session = closing_->session;
      session.handle_input(message.tls_records);
      if (session.peer_closed() || session.failed()) {
        session.close();
        collect_output(session, closing_->epoch);
        closing_.reset();
      }
    }
    return;
  }
  drop();
}

void TlsKeyManager::serve_client_hello(wire::Bytes records, protect::ChunkProtector& protector,
                                       TimePoint now) {
  flush_old_keys(protector);
  retry_at_ = kTimeInfinite;  // the peer's rekey makes ours unnecessary
  if (!begin(TlsRole::kServer, epoch_ + 1, now)) return;
  handle_records(records, protector, now);
}

void TlsKeyManager::handle_records(wire::Bytes records, protect::ChunkProtector& protector,
                                   TimePoint now) {
  hs_->session.handle_input(records);
  collect_output();
  if (hs_->session.failed()) {
    fail(hs_->epoch == kInitialEpoch
             ? hs_->session.error()
             : fmt::format("rekey to epoch {}: {}", hs_->epoch, hs_->session.error()));
    return;
  }
  // The client keeps its session after completion: the server may still reject our certificate
  // (its alert arrives here) until Protection Established.
  if (hs_->session.complete() && !hs_->receive_installed && !hs_->completion_due) {
    if (hs_->role == TlsRole::kClient && hs_->epoch == kInitialEpoch) {
      // The initial handshake's exports and installs wait until our Certificate,
      // CertificateVerify and Finished left (connect latency); a rekey's are not waited for.
      hs_->completion_due = true;
    } else {
      on_handshake_complete(protector, now);
    }
  }
}

bool TlsKeyManager::deferred_due() const {
  return (closing_ && (closing_->export_restart || closing_->issue_ticket)) ||
         (hs_ && hs_->completion_due);
}

void TlsKeyManager::run_deferred(protect::ChunkProtector& protector, TimePoint now) {
  if (closing_ && (closing_->export_restart || closing_->issue_ticket)) {
    Closing& c = *closing_;
    if (c.export_restart) {
      c.export_restart = false;
      export_restart_keys(protector, c.session, c.epoch);
      if (state_ == core::KeyManagerState::kFailed) return;
    }
    if (c.issue_ticket) {
      // After Protection Established, so the ticket never delays it; then close_notify (§6.1).
      c.issue_ticket = false;
      c.session.issue_ticket();
      c.session.close();
      collect_output(c.session, c.epoch);
    }
    if (!c.await_ticket) closing_.reset();
  }
  if (hs_ && hs_->completion_due && state_ != core::KeyManagerState::kFailed) {
    hs_->completion_due = false;
    on_handshake_complete(protector, now);
  }
}

void TlsKeyManager::export_restart_keys(protect::ChunkProtector& protector, TlsSession& session,
                                        std::uint64_t epoch) {
  auto client =
      export_key_material(session, KeyDirection::kClient, KeyRole::kRestart, downgrade_data_);
  auto server =
      export_key_material(session, KeyDirection::kServer, KeyRole::kRestart, downgrade_data_);
  if (!client || !server) {
    fail(fmt::format("exporting the restart keys of epoch {}: {}", epoch,
                     (!client ? client.error() : server.error()).message));
    return;
  }
  // A primary send key is selected already, so installing the restart one does not select it.
  if (!install(protector, false, true, epoch, *client)) return;
  install(protector, true, true, epoch, *server);
}

bool TlsKeyManager::install(protect::ChunkProtector& protector, bool send, bool restart,
                            std::uint64_t epoch, const protect::KeyMaterial& material) {
  const protect::KeyStatus s = send ? protector.establish_send_key(restart, epoch, material)
                                    : protector.establish_receive_key(restart, epoch, material);
  if (s == protect::KeyStatus::kOk) return true;
  fail(fmt::format("installing the {} {}key of epoch {}: {}", send ? "send" : "receive",
                   restart ? "restart " : "", epoch, protect::to_string(s)));
  return false;
}

void TlsKeyManager::on_handshake_complete(protect::ChunkProtector& protector, TimePoint now) {
  Handshake& hs = *hs_;
  // The server's initial restart keys wait until Protection Established has left
  // (run_deferred); a rekey's go in at once (nothing waits for them, see handle_records).
  const bool defer_restart = hs.role == TlsRole::kServer && restart_ && hs.epoch == kInitialEpoch;
  auto exported = export_keys(hs.session, downgrade_data_, restart_ && !defer_restart);
  if (!exported) {
    fail(fmt::format("exporting the keys of epoch {}: {}", hs.epoch, exported.error().message));
    return;
  }
  suite_ = hs.session.cipher_suite();
  peer_ = hs.session.peer_identity();
  if (hs.epoch == kInitialEpoch) resumed_ = hs.session.resumed();
  ExportedKeys& keys = exported.value();
  const bool with_restart = keys.client_restart.has_value() && keys.server_restart.has_value();
  hs.receive_installed = true;
  if (hs.role == TlsRole::kClient) {
    // §6.1 step 7 (reading #4) and §6.2.2 step 4: receive with the server's keys now; our send
    // keys wait for Protection Established, since the server cannot open packets under them
    // before it has verified our Finished.
    if (!install(protector, false, false, hs.epoch, keys.server_primary)) return;
    if (with_restart && !install(protector, false, true, hs.epoch, *keys.server_restart)) return;
    hs.pending_send.emplace(std::move(keys));
    return;
  }
  // §6.1 steps 9-11, §6.2.2 step 6. The primary send key goes in before the restart one:
  // installing a restart send key while no key is selected would select it (chunk_protector.h).
  if (!install(protector, false, false, hs.epoch, keys.client_primary)) return;
  if (!install(protector, true, false, hs.epoch, keys.server_primary)) return;
  if (with_restart) {
    if (!install(protector, false, true, hs.epoch, *keys.client_restart)) return;
    if (!install(protector, true, true, hs.epoch, *keys.server_restart)) return;
  }
  switch_keys(protector, now);
}

void TlsKeyManager::on_protection_established(protect::ChunkProtector& protector, TimePoint now) {
  Handshake& hs = *hs_;
  ExportedKeys keys = std::move(*hs.pending_send);
  hs.pending_send.reset();
  if (!install(protector, true, false, hs.epoch, keys.client_primary)) return;
  if (keys.client_restart && keys.server_restart &&
      !install(protector, true, true, hs.epoch, *keys.client_restart)) {
    return;
  }
  switch_keys(protector, now);
}

void TlsKeyManager::switch_keys(protect::ChunkProtector& protector, TimePoint now) {
  Handshake& hs = *hs_;
  const protect::KeyStatus s = protector.set_send_key(false, hs.epoch);
  if (s != protect::KeyStatus::kOk) {
    fail(fmt::format("selecting the send key of epoch {}: {}", hs.epoch, protect::to_string(s)));
    return;
  }
  const bool initial = hs.epoch == kInitialEpoch;
  if (initial) protector.require_protection();
  if (hs.role == TlsRole::kServer) {
    std::vector<std::uint8_t> message;
    encode_protection_established(hs.epoch, message);
    outbox_.push_back(std::move(message));
  }
  // §6.1: the TLS connection has done its work; close_notify goes out and the session (with its
  // secrets) is freed. A resuming server first gives the client a ticket, after Protection
  // Established (run_deferred); a resuming client waits for it, and for the server's
  // close_notify, before closing.
  const bool give_ticket =
      initial && hs.role == TlsRole::kServer && hs.session.issue_ticket_possible();
  const bool await_ticket = initial && hs.session.keeps_tickets() && !hs.session.peer_closed();
  if (!give_ticket && !await_ticket) {
    hs.session.close();
    collect_output();
  }
  if (!initial) {
    // §6.2.3: the client learnt from Protection Established that the server switched; the server
    // learns it from the first packet the new keys open (on_traffic).
    const bool confirmed = hs.role == TlsRole::kClient;
    const Duration drain = config_.drain_time.value_or(
        confirmed ? kConfirmedDrain : std::max(kConfirmedDrain, failure_time_));
    drain_ = Drain{epoch_, now + drain, confirmed};
    ++rekeys_;
    transitions_.push_back(
        core::KeyTransition{hs.epoch, now - hs.started, hs.role == TlsRole::kClient});
  }
  epoch_ = hs.epoch;
  keys_since_ = now;
  const protect::ProtectionStats& stats = protector.stats();
  bytes_at_switch_ = stats.sent_protected_bytes + stats.recv_protected_bytes;
  attempts_failed_ = 0;
  const bool export_restart = hs.role == TlsRole::kServer && restart_ && initial;
  if (export_restart || give_ticket || await_ticket) {
    closing_ = std::make_unique<Closing>(
        Closing{std::move(hs.session), hs.epoch, export_restart, give_ticket, await_ticket,
                await_ticket ? now + config_.handshake_timeout : kTimeInfinite});
  }
  hs_.reset();
  state_ = core::KeyManagerState::kProtected;
}

void TlsKeyManager::flush_old_keys(protect::ChunkProtector& protector) {
  if (!drain_) return;
  // Directions that were never installed (no restart keys) answer kNotInstalled: nothing to do.
  for (const bool restart : {false, true}) {
    protector.destroy_send_key(restart, drain_->epoch);
    protector.destroy_receive_key(restart, drain_->epoch);
  }
  drain_.reset();
}

bool TlsKeyManager::start_rekey(protect::ChunkProtector& protector, TimePoint now) {
  if (!protected_state() || hs_) return false;
  flush_old_keys(protector);  // §6.2.5: an aging event in OLD behaves as in YOUNG
  retry_at_ = kTimeInfinite;
  return begin(TlsRole::kClient, epoch_ + 1, now);
}

bool TlsKeyManager::rekey(protect::ChunkProtector& protector, TimePoint now) {
  run_deferred(protector, now);
  return start_rekey(protector, now);
}

void TlsKeyManager::on_limit(const protect::KeyLimitEvent& event,
                             protect::ChunkProtector& protector, TimePoint now) {
  run_deferred(protector, now);
  if (!protected_state() || event.key.restart || event.key.epoch != epoch_) return;
  if (hs_) return;  // new keys are on their way
  if (start_rekey(protector, now)) return;
  if (event.level == protect::LimitLevel::kReached && state_ != core::KeyManagerState::kFailed) {
    fail(fmt::format(
        "{} key of epoch {} reached its AEAD limit (RFC 9147 §4.5.3) and no rekey "
        "could start",
        event.direction == protect::KeyLimitEvent::Direction::kSend ? "send" : "receive",
        event.key.epoch));
  }
}

bool TlsKeyManager::rekey_due(const protect::ChunkProtector& protector, TimePoint now) const {
  if (config_.rekey_interval > Duration::zero() && now >= keys_since_ + config_.rekey_interval) {
    return true;
  }
  if (config_.rekey_bytes > 0) {
    const protect::ProtectionStats& stats = protector.stats();
    if (stats.sent_protected_bytes + stats.recv_protected_bytes - bytes_at_switch_ >=
        config_.rekey_bytes) {
      return true;
    }
  }
  return false;
}

void TlsKeyManager::on_traffic(protect::ChunkProtector& protector, TimePoint now) {
  if (!protected_state()) return;
  if (drain_ && !drain_->confirmed && !config_.drain_time) {
    const auto tried = protector.decryptions(false, epoch_);
    const auto failed = protector.failed_decryptions(false, epoch_);
    if (tried && failed && *tried > *failed) {
      drain_->confirmed = true;
      drain_->until = std::min(drain_->until, now + kConfirmedDrain);
    }
  }
  if (!hs_ && retry_at_ == kTimeInfinite && config_.rekey_bytes > 0 && rekey_due(protector, now)) {
    start_rekey(protector, now);
  }
}

void TlsKeyManager::on_rekey_timeout(protect::ChunkProtector& protector, TimePoint now) {
  Handshake& hs = *hs_;
  const std::uint64_t epoch = hs.epoch;
  if (hs.role == TlsRole::kServer) {
    hs_.reset();  // the peer's attempt; it retries or gives up itself
    return;
  }
  if (hs.receive_installed) {
    fail(fmt::format(
        "rekey to epoch {}: no Protection Established within {} ms; the peer may already send "
        "with the new keys, so the rekey cannot be tried again",
        epoch, to_ms(config_.rekey_timeout)));
    return;
  }
  ++attempts_failed_;
  const bool exhausted =
      protector.send_limit_level(false, epoch_) == protect::LimitLevel::kReached ||
      protector.receive_limit_level(false, epoch_) == protect::LimitLevel::kReached;
  if (attempts_failed_ >= config_.rekey_attempts || exhausted) {
    fail(fmt::format("rekey to epoch {}: no answer from the peer in {} attempt(s) of {} ms{}",
                     epoch, attempts_failed_, to_ms(config_.rekey_timeout),
                     exhausted ? " and the current keys reached their AEAD limit" : ""));
    return;
  }
  // §7: retry while the current keys may still be used.
  hs_.reset();
  ++rekey_retries_;
  retry_at_ = now + config_.rekey_retry_delay;
}

void TlsKeyManager::advance_time(protect::ChunkProtector& protector, TimePoint now) {
  run_deferred(protector, now);
  if (state_ == core::KeyManagerState::kFailed) return;
  if (state_ == core::KeyManagerState::kPending) {
    if (!hs_ || now < hs_->deadline) return;
    const char* waiting = hs_->role == TlsRole::kServer ? "the client's handshake messages"
                          : hs_->receive_installed      ? "Protection Established from the server"
                                                        : "the server's handshake messages";
    fail(fmt::format(
        "TLS handshake timeout: not protected {} ms after the start ({} waiting for {})",
        to_ms(config_.handshake_timeout), to_string(role_), waiting));
    return;
  }
  if (drain_ && now >= drain_->until) flush_old_keys(protector);
  if (closing_ && closing_->await_ticket && now >= closing_->until) {
    closing_->session.close();  // no ticket came: resume nothing next time
    collect_output(closing_->session, closing_->epoch);
    closing_.reset();
  }
  if (hs_) {
    if (now >= hs_->deadline) on_rekey_timeout(protector, now);
    return;
  }
  if (retry_at_ != kTimeInfinite) {
    if (now >= retry_at_) start_rekey(protector, now);
    return;
  }
  if (rekey_due(protector, now)) start_rekey(protector, now);
}

TimePoint TlsKeyManager::next_deadline() const {
  if (state_ == core::KeyManagerState::kFailed) return kTimeInfinite;
  // Deferred work is due at once: the engine runs it after transmitting (run_deferred).
  if (deferred_due()) return TimePoint{};
  TimePoint next = kTimeInfinite;
  if (hs_) next = hs_->deadline;
  if (state_ != core::KeyManagerState::kProtected) return next;
  if (drain_) next = std::min(next, drain_->until);
  if (closing_) next = std::min(next, closing_->until);
  if (!hs_) {
    if (retry_at_ != kTimeInfinite) {
      next = std::min(next, retry_at_);
    } else if (config_.rekey_interval > Duration::zero()) {
      next = std::min(next, keys_since_ + config_.rekey_interval);
    }
  }
  return next;
}

std::unique_ptr<core::KeyManager> TlsKeyManagerFactory::create(
    const core::KeyManagementAgreement& agreement, std::string& error) {
  if (agreement.method != wire::dtls_km_method::kTls13) {
    error = fmt::format("method {} is not served by the TLS 1.3 key manager (method {})",
                        agreement.method, wire::dtls_km_method::kTls13);
    return nullptr;
  }
  const TlsRole role = tls_role(agreement.role);
  const auto& context = role == TlsRole::kClient ? config_.client_context : config_.server_context;
  if (!context) {
    error = fmt::format("no TLS credentials for the key-management {} role", to_string(role));
    return nullptr;
  }
  if (!config_.unix_time) {
    error = "no wall-clock source to judge certificate validity";
    return nullptr;
  }
  return std::make_unique<TlsKeyManager>(agreement, config_);
}

}  // namespace sctps::km
