// The key-management side of ChunkProtector (draft §7): key contexts, send key selection,
// counters, AEAD limit events, replay configuration and the key log. Packets: chunk_protector.cc.
#include <algorithm>

#include "protect/chunk_protector.h"

namespace sctps::protect {

namespace {

constexpr std::uint64_t kFirstEpoch = 3;  // draft §3.1

}  // namespace

// --- Key contexts ---

KeyContext* ChunkProtector::find(KeyId id) {
  for (auto& c : contexts_) {
    if (c->id() == id) return c.get();
  }
  return nullptr;
}

const KeyContext* ChunkProtector::find(KeyId id) const {
  for (const auto& c : contexts_) {
    if (c->id() == id) return c.get();
  }
  return nullptr;
}

void ChunkProtector::remove_if_empty(KeyId id) {
  std::erase_if(contexts_, [&](const auto& c) { return c->id() == id && c->empty(); });
}

AeadLimits ChunkProtector::limits_for(const CipherSuite& suite) const {
  AeadLimits limits = AeadLimits::for_suite(suite);
  if (options_.confidentiality_limit_override != 0)
    limits.confidentiality = options_.confidentiality_limit_override;
  if (options_.integrity_limit_override != 0) limits.integrity = options_.integrity_limit_override;
  limits.warn_percent = options_.limit_warn_percent;
  return limits;
}

KeyStatus ChunkProtector::establish_send_key(bool restart, std::uint64_t epoch,
                                             const KeyMaterial& material) {
  if (!material.valid()) return KeyStatus::kInvalidKeyMaterial;
  if (epoch < kFirstEpoch) return KeyStatus::kInvalidEpoch;
  const KeyId id{restart, epoch};
  KeyContext* ctx = find(id);
  if (ctx != nullptr && ctx->send() != nullptr) return KeyStatus::kAlreadyInstalled;
  const AeadLimits limits = limits_for(*material.suite);
  if (ctx != nullptr) {
    if (!ctx->install_send(material, limits)) return KeyStatus::kCryptoFailure;
  } else {
    auto fresh = std::make_unique<KeyContext>(id);
    if (!fresh->install_send(material, limits)) return KeyStatus::kCryptoFailure;
    ctx = fresh.get();
    contexts_.push_back(std::move(fresh));
  }
  // Selection (draft §5.2, §7.4, §7.8): a new primary key is used at once unless a newer primary
  // epoch is in use; a restart key only when there is nothing else.
  if (send_context_ == nullptr) {
    send_context_ = ctx;
  } else if (!restart) {
    const KeyId current = send_context_->id();
    if (current.restart || current.epoch < epoch) send_context_ = ctx;
  }
  log_key(id, material, true);
  return KeyStatus::kOk;
}

KeyStatus ChunkProtector::establish_receive_key(bool restart, std::uint64_t epoch,
                                                const KeyMaterial& material) {
  if (!material.valid()) return KeyStatus::kInvalidKeyMaterial;
  if (epoch < kFirstEpoch) return KeyStatus::kInvalidEpoch;
  const KeyId id{restart, epoch};
  KeyContext* existing = find(id);
  if (existing != nullptr && existing->receive() != nullptr) return KeyStatus::kAlreadyInstalled;
  if (receive_index_[id.restart_index()][id.epoch_bits()] != nullptr)
    return KeyStatus::kEpochBitsInUse;
  const AeadLimits limits = limits_for(*material.suite);
  if (existing != nullptr) {
    if (!existing->install_receive(material, limits, options_.replay_window))
      return KeyStatus::kCryptoFailure;
  } else {
    auto fresh = std::make_unique<KeyContext>(id);
    if (!fresh->install_receive(material, limits, options_.replay_window))
      return KeyStatus::kCryptoFailure;
    contexts_.push_back(std::move(fresh));
  }
  rebuild_receive_index();
  log_key(id, material, false);
  return KeyStatus::kOk;
}

KeyStatus ChunkProtector::destroy_send_key(bool restart, std::uint64_t epoch) {
  const KeyId id{restart, epoch};
  KeyContext* ctx = find(id);
  if (ctx == nullptr || ctx->send() == nullptr) return KeyStatus::kNotInstalled;
  ctx->destroy_send();
  const bool was_selected = send_context_ == ctx;
  remove_if_empty(id);
  if (was_selected) {
    send_context_ = nullptr;
    reselect_send_key();
  }
  return KeyStatus::kOk;
}

KeyStatus ChunkProtector::destroy_receive_key(bool restart, std::uint64_t epoch) {
  const KeyId id{restart, epoch};
  KeyContext* ctx = find(id);
  if (ctx == nullptr || ctx->receive() == nullptr) return KeyStatus::kNotInstalled;
  ctx->destroy_receive();
  remove_if_empty(id);
  rebuild_receive_index();
  return KeyStatus::kOk;
}

void ChunkProtector::reselect_send_key() {
  KeyContext* best = nullptr;
  for (auto& c : contexts_) {
    if (c->send() == nullptr) continue;
    if (best == nullptr) {
      best = c.get();
      continue;
    }
    const KeyId a = c->id();
    const KeyId b = best->id();
    // Primary before restart; within a kind, the newest epoch.
    if ((!a.restart && b.restart) || (a.restart == b.restart && a.epoch > b.epoch)) best = c.get();
  }
  send_context_ = best;
}

void ChunkProtector::rebuild_receive_index() {
  receive_index_ = {};
  for (auto& c : contexts_) {
    if (c->receive() == nullptr) continue;
    receive_index_[c->id().restart_index()][c->id().epoch_bits()] = c.get();
  }
}

KeyStatus ChunkProtector::set_send_key(bool restart, std::uint64_t epoch) {
  KeyContext* ctx = find(KeyId{restart, epoch});
  if (ctx == nullptr || ctx->send() == nullptr) return KeyStatus::kNotInstalled;
  send_context_ = ctx;
  return KeyStatus::kOk;
}

std::optional<KeyId> ChunkProtector::send_key() const {
  if (send_context_ == nullptr) return std::nullopt;
  return send_context_->id();
}

std::optional<std::uint64_t> ChunkProtector::encryptions(bool restart, std::uint64_t epoch) const {
  const KeyContext* ctx = find(KeyId{restart, epoch});
  if (ctx == nullptr || ctx->send() == nullptr) return std::nullopt;
  return ctx->send()->encryptions;
}

std::optional<std::uint64_t> ChunkProtector::decryptions(bool restart, std::uint64_t epoch) const {
  const KeyContext* ctx = find(KeyId{restart, epoch});
  if (ctx == nullptr || ctx->receive() == nullptr) return std::nullopt;
  return ctx->receive()->decryptions;
}

std::optional<std::uint64_t> ChunkProtector::failed_decryptions(bool restart,
                                                                std::uint64_t epoch) const {
  const KeyContext* ctx = find(KeyId{restart, epoch});
  if (ctx == nullptr || ctx->receive() == nullptr) return std::nullopt;
  return ctx->receive()->failed_decryptions;
}

KeyStatus ChunkProtector::configure_replay_window(std::size_t records) {
  if (records < ReplayWindow::kMinSize || records > ReplayWindow::kMaxSize)
    return KeyStatus::kInvalidArgument;
  options_.replay_window = records;
  for (auto& c : contexts_) {
    if (ReceiveDirection* rx = c->receive()) rx->replay.resize(records);
  }
  return KeyStatus::kOk;
}

LimitLevel ChunkProtector::send_limit_level(bool restart, std::uint64_t epoch) const {
  const KeyContext* ctx = find(KeyId{restart, epoch});
  return ctx != nullptr ? ctx->send_limit_level() : LimitLevel::kOk;
}

LimitLevel ChunkProtector::receive_limit_level(bool restart, std::uint64_t epoch) const {
  const KeyContext* ctx = find(KeyId{restart, epoch});
  return ctx != nullptr ? ctx->receive_limit_level() : LimitLevel::kOk;
}

std::optional<KeyLimitEvent> ChunkProtector::poll_limit_event() {
  for (auto& c : contexts_) {
    if (SendDirection* tx = c->send()) {
      const LimitLevel level = c->send_limit_level();
      if (level > tx->reported) {
        tx->reported = level;
        return KeyLimitEvent{c->id(), KeyLimitEvent::Direction::kSend, level};
      }
    }
    if (ReceiveDirection* rx = c->receive()) {
      const LimitLevel level = c->receive_limit_level();
      if (level > rx->reported) {
        rx->reported = level;
        return KeyLimitEvent{c->id(), KeyLimitEvent::Direction::kReceive, level};
      }
    }
  }
  return std::nullopt;
}

// --- Key log ---

void ChunkProtector::set_verification_tags(std::uint32_t local, std::uint32_t peer) {
  local_tag_ = local;
  peer_tag_ = peer;
}

void ChunkProtector::log_key(KeyId id, const KeyMaterial& material, bool send) {
  if (!key_log_) return;
  std::string line = format_key_log_line(send ? peer_tag_ : local_tag_, id, material);
  key_log_(line);
  wipe_key_log_line(line);
}

}  // namespace sctps::protect
