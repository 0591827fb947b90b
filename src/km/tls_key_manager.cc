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
    const TlsCredentials& credentials, std::span<const std::uint16_t> cipher_suites) {
  auto client = TlsContext::create(TlsRole::kClient, credentials, cipher_suites);
  if (!client) return client.error();
  auto server = TlsContext::create(TlsRole::kServer, credentials, cipher_suites);
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
                             const TlsKeyManagerConfig& config)
    : agreement_(agreement), config_(config), role_(tls_role(agreement.role)) {}

TlsKeyManager::~TlsKeyManager() = default;

void TlsKeyManager::fail(std::string why) {
  if (state_ == core::KeyManagerState::kFailed) return;
  // The alert that tells the peer why (§7) still goes out, if the engine sends it before ABORT.
  collect_output();
  state_ = core::KeyManagerState::kFailed;
  failure_ = std::move(why);
  deadline_ = kTimeInfinite;
  pending_send_.reset();
  session_.reset();
}

void TlsKeyManager::begin(TimePoint now) {
  started_ = true;
  deadline_ = now + config_.handshake_timeout;
  const auto& context = role_ == TlsRole::kClient ? config_.client_context : config_.server_context;
  if (!context) {
    fail(fmt::format("no TLS credentials for the key-management {} role", to_string(role_)));
    return;
  }
  if (!config_.unix_time) {
    fail("no wall-clock source to judge certificate validity");
    return;
  }
  TlsSessionOptions options;
  options.peer = role_ == TlsRole::kClient ? config_.peer_when_client : config_.peer_when_server;
  options.unix_time = config_.unix_time(now);
  auto session = TlsSession::create(context, std::move(options));
  if (!session) {
    fail("cannot start the TLS handshake: " + session.error().message);
    return;
  }
  session_.emplace(std::move(session.value()));
  collect_output();  // the client's ClientHello (§6.1 step 4)
}

void TlsKeyManager::start(protect::ChunkProtector&, TimePoint now) {
  if (started_ || state_ != core::KeyManagerState::kPending) return;
  begin(now);
}

void TlsKeyManager::collect_output() {
  if (!session_ || session_->pending_output() == 0) return;
  std::vector<std::uint8_t> message;
  message.push_back(km_header(KmMessageType::kTlsRecords, kInitialEpoch));
  session_->append_output(message);
  if (message.size() > 1) outbox_.push_back(std::move(message));
}

std::optional<std::vector<std::uint8_t>> TlsKeyManager::poll_message() {
  if (outbox_.empty()) return std::nullopt;
  std::vector<std::uint8_t> m = std::move(outbox_.front());
  outbox_.pop_front();
  ++messages_sent_;
  return m;
}

void TlsKeyManager::on_message(std::span<const std::uint8_t> bytes, bool is_protected,
                               protect::ChunkProtector& protector, TimePoint now) {
  if (state_ != core::KeyManagerState::kPending) {
    // Protected: only the peer's close_notify can still come (we freed the session); failed:
    // nothing matters any more.
    drop();
    return;
  }
  const KmParseResult parsed = parse_km_message(bytes);
  if (!parsed.ok() || parsed.message.epoch != KmMessage::epoch_bits(kInitialEpoch)) {
    drop();
    return;
  }
  if (!started_) begin(now);  // the engine starts us first; a message before is still usable
  if (state_ != core::KeyManagerState::kPending) return;
  if (parsed.message.type == KmMessageType::kTlsRecords) {
    if (!session_) {
      drop();
      return;
    }
    handle_records(parsed.message.tls_records, protector);
    return;
  }
  // Protection Established (§4.1.1): only the server sends it, only after it installed its keys,
  // so it arrives protected and after our handshake completed. Anything else is not it.
  if (role_ != TlsRole::kClient || !is_protected || !receive_installed_) {
    drop();
    return;
  }
  on_protection_established(protector);
}

void TlsKeyManager::handle_records(wire::Bytes records, protect::ChunkProtector& protector) {
  session_->handle_input(records);
  collect_output();
  if (session_->failed()) {
    fail(session_->error());
    return;
  }
  // The client keeps its session after completion: the server may still reject our certificate
  // (its alert arrives here) until Protection Established.
  if (session_->complete() && !receive_installed_) on_handshake_complete(protector);
}

bool TlsKeyManager::install(protect::ChunkProtector& protector, bool send, bool restart,
                            const protect::KeyMaterial& material) {
  const protect::KeyStatus s =
      send ? protector.establish_send_key(restart, kInitialEpoch, material)
           : protector.establish_receive_key(restart, kInitialEpoch, material);
  if (s == protect::KeyStatus::kOk) return true;
  fail(fmt::format("installing the {} {}key of epoch {}: {}", send ? "send" : "receive",
                   restart ? "restart " : "", kInitialEpoch, protect::to_string(s)));
  return false;
}

void TlsKeyManager::on_handshake_complete(protect::ChunkProtector& protector) {
  suite_ = session_->cipher_suite();
  peer_ = session_->peer_identity();
  auto exported = export_keys(*session_, agreement_.downgrade_data, agreement_.restart);
  if (!exported) {
    fail("exporting the keys: " + exported.error().message);
    return;
  }
  ExportedKeys& keys = exported.value();
  const bool with_restart = keys.client_restart.has_value() && keys.server_restart.has_value();
  receive_installed_ = true;
  if (role_ == TlsRole::kClient) {
    // Step 7 (reading #4): receive with the server's keys now; our send keys wait for the
    // server's Protection Established, since the server cannot open our packets before it has
    // verified our Finished.
    if (!install(protector, false, false, keys.server_primary)) return;
    if (with_restart && !install(protector, false, true, *keys.server_restart)) return;
    pending_send_.emplace(std::move(keys));
    return;
  }
  // Steps 9-11. The primary send key is installed before the restart one: installing a restart
  // send key while no key is selected would select it (chunk_protector.h).
  if (!install(protector, false, false, keys.client_primary)) return;
  if (!install(protector, true, false, keys.server_primary)) return;
  if (with_restart) {
    if (!install(protector, false, true, *keys.client_restart)) return;
    if (!install(protector, true, true, *keys.server_restart)) return;
  }
  finish_installation(protector);
}

void TlsKeyManager::on_protection_established(protect::ChunkProtector& protector) {
  ExportedKeys keys = std::move(*pending_send_);
  pending_send_.reset();
  if (!install(protector, true, false, keys.client_primary)) return;
  if (keys.client_restart && keys.server_restart &&
      !install(protector, true, true, *keys.client_restart)) {
    return;
  }
  finish_installation(protector);
}

void TlsKeyManager::finish_installation(protect::ChunkProtector& protector) {
  const protect::KeyStatus s = protector.set_send_key(false, kInitialEpoch);
  if (s != protect::KeyStatus::kOk) {
    fail(fmt::format("selecting the send key of epoch {}: {}", kInitialEpoch,
                     protect::to_string(s)));
    return;
  }
  protector.require_protection();
  if (role_ == TlsRole::kServer) {
    std::vector<std::uint8_t> message;
    encode_protection_established(kInitialEpoch, message);
    outbox_.push_back(std::move(message));
  }
  // §6.1: the TLS connection has done its work; close_notify goes out and the session (with its
  // secrets) is freed.
  session_->close();
  collect_output();
  session_.reset();
  state_ = core::KeyManagerState::kProtected;
  deadline_ = kTimeInfinite;
}

void TlsKeyManager::on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector&,
                             TimePoint) {
  if (event.level != protect::LimitLevel::kReached) return;
  fail(
      fmt::format("{} key of epoch {} reached its AEAD limit (RFC 9147 §4.5.3) and rekeying is not "
                  "implemented yet",
                  event.direction == protect::KeyLimitEvent::Direction::kSend ? "send" : "receive",
                  event.key.epoch));
}

bool TlsKeyManager::rekey(protect::ChunkProtector&, TimePoint) {
  return false;  // §6.2 comes later
}

void TlsKeyManager::advance_time(protect::ChunkProtector&, TimePoint now) {
  if (state_ != core::KeyManagerState::kPending || now < deadline_) return;
  const char* waiting = role_ == TlsRole::kServer ? "the client's handshake messages"
                        : receive_installed_      ? "Protection Established from the server"
                                                  : "the server's handshake messages";
  fail(fmt::format(
      "TLS handshake timeout: not protected {} ms after the start ({} waiting for {})",
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.handshake_timeout).count(),
      to_string(role_), waiting));
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
