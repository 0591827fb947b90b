// Key-management method 0, pre-shared keys (specs README reading #5): at ESTABLISHED the keys of
// the peer's section are installed as epoch 3 — the client→server keys as the send direction of
// the key-management client and the receive direction of the server, the other way round for
// server→client — the send key is selected and protection is required at once (draft §7.4-§7.9).
// Restart key material, when configured and both sides announced restart support, is installed
// as the restart context of epoch 3.
//
// The method has no messages (anything on PPID 4242 is dropped and counted) and cannot rekey: when
// the send key approaches its AEAD limit (RFC 9147 §4.5.3) the manager reports it through
// limit_warnings(); when the limit is reached the association ends (ChaCha20-Poly1305 has no
// practical limit, docs/psk.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/key_management.h"
#include "km/psk_key_file.h"

namespace sctps::km {

class PskKeyManager final : public core::KeyManager {
 public:
  // `keys` must outlive the manager (the factory owns them).
  PskKeyManager(const core::KeyManagementAgreement& agreement, const PskPeerKeys& keys);

  void start(protect::ChunkProtector& protector, TimePoint now) override;
  void on_message(std::span<const std::uint8_t> message, bool is_protected,
                  protect::ChunkProtector& protector, TimePoint now) override;
  void on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector& protector,
                TimePoint now) override;
  bool rekey(protect::ChunkProtector& protector, TimePoint now) override;
  void advance_time(protect::ChunkProtector&, TimePoint) override {}
  TimePoint next_deadline() const override { return kTimeInfinite; }
  std::optional<std::vector<std::uint8_t>> poll_message() override { return std::nullopt; }
  core::KeyManagerState state() const override { return state_; }
  std::string failure() const override { return failure_; }
  std::uint64_t epoch() const override { return kEpoch; }
  const protect::CipherSuite* cipher_suite() const override { return keys_.suite; }

  std::uint64_t dropped_messages() const { return dropped_messages_; }
  std::uint64_t limit_warnings() const { return limit_warnings_; }

  // Draft §7.4: epochs 0-2 belong to a handshake; pre-shared keys start at 3.
  static constexpr std::uint64_t kEpoch = 3;

 private:
  void fail(std::string why);

  core::KeyManagementAgreement agreement_;
  const PskPeerKeys& keys_;
  core::KeyManagerState state_ = core::KeyManagerState::kPending;
  std::string failure_;
  std::uint64_t dropped_messages_ = 0;
  std::uint64_t limit_warnings_ = 0;
};

// Serves method 0 from a key file; refuses other methods and peers without a section.
class PskKeyManagerFactory final : public core::KeyManagerFactory {
 public:
  explicit PskKeyManagerFactory(PskKeyFile keys) : keys_(std::move(keys)) {}
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override;
  const PskKeyFile& keys() const { return keys_; }

 private:
  PskKeyFile keys_;
};

}  // namespace sctps::km
