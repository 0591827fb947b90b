#include "km/psk_key_manager.h"

#include <fmt/format.h>

#include "wire/dtls_km_parameter.h"

namespace sctps::km {

PskKeyManager::PskKeyManager(const core::KeyManagementAgreement& agreement, const PskPeerKeys& keys)
    : agreement_(agreement), keys_(keys) {}

void PskKeyManager::fail(std::string why) {
  state_ = core::KeyManagerState::kFailed;
  failure_ = std::move(why);
}

void PskKeyManager::start(protect::ChunkProtector& protector, TimePoint) {
  if (state_ != core::KeyManagerState::kPending) return;
  const bool client = agreement_.role == core::DtlsRole::kClient;
  const auto install = [&](bool restart, const PskDirectionKeys& d) {
    const protect::KeyMaterial& send = client ? d.client_to_server : d.server_to_client;
    const protect::KeyMaterial& receive = client ? d.server_to_client : d.client_to_server;
    protect::KeyStatus s = protector.establish_send_key(restart, kEpoch, send);
    if (s == protect::KeyStatus::kOk) s = protector.establish_receive_key(restart, kEpoch, receive);
    if (s != protect::KeyStatus::kOk) {
      fail(fmt::format("installing the pre-shared {}keys: {}", restart ? "restart " : "",
                       protect::to_string(s)));
      return false;
    }
    return true;
  };
  if (!install(false, keys_.primary)) return;
  // Restart material only when both sides support restart (the R bits, draft §4.1).
  if (keys_.restart && agreement_.restart && !install(true, *keys_.restart)) return;
  const protect::KeyStatus s = protector.set_send_key(false, kEpoch);
  if (s != protect::KeyStatus::kOk) {
    fail(fmt::format("selecting the pre-shared send key: {}", protect::to_string(s)));
    return;
  }
  protector.require_protection();
  state_ = core::KeyManagerState::kProtected;
}

void PskKeyManager::on_message(std::span<const std::uint8_t>, bool, protect::ChunkProtector&,
                               TimePoint) {
  ++dropped_messages_;  // method 0 exchanges no messages
}

void PskKeyManager::on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector&,
                             TimePoint) {
  if (event.level == protect::LimitLevel::kApproaching) {
    ++limit_warnings_;
    return;
  }
  if (event.level == protect::LimitLevel::kReached) {
    fail(fmt::format(
        "pre-shared {} key reached its AEAD limit (RFC 9147 §4.5.3); method 0 "
        "cannot rekey",
        event.direction == protect::KeyLimitEvent::Direction::kSend ? "send" : "receive"));
  }
}

bool PskKeyManager::rekey(protect::ChunkProtector&, TimePoint) {
  return false;
}

std::unique_ptr<core::KeyManager> PskKeyManagerFactory::create(
    const core::KeyManagementAgreement& agreement, std::string& error) {
  if (agreement.method != wire::dtls_km_method::kPreSharedKeys) {
    error = fmt::format("method {} is not served by the pre-shared key configuration",
                        agreement.method);
    return nullptr;
  }
  const PskPeerKeys* keys = nullptr;
  for (const IpAddress& address : agreement.peer_addresses) {
    if ((keys = keys_.find(address)) != nullptr && keys->peer) break;
  }
  if (keys == nullptr) {
    error = fmt::format("no pre-shared key for peer {}",
                        agreement.peer_addresses.empty()
                            ? std::string("(no address)")
                            : agreement.peer_addresses.front().to_string());
    return nullptr;
  }
  return std::make_unique<PskKeyManager>(agreement, *keys);
}

}  // namespace sctps::km
