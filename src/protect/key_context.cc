#include "protect/key_context.h"

#include <algorithm>

namespace sctps::protect {

namespace {

constexpr std::uint64_t kLimitCeiling = std::uint64_t{1} << 56;

}  // namespace

AeadLimits AeadLimits::for_suite(const CipherSuite& suite) {
  return AeadLimits{suite.confidentiality_limit, suite.integrity_limit, kDefaultWarnPercent};
}

LimitLevel AeadLimits::level(std::uint64_t count, std::uint64_t limit, std::uint32_t warn_percent) {
  limit = std::min(limit, kLimitCeiling);
  count = std::min(count, kLimitCeiling);
  if (count >= limit) return LimitLevel::kReached;
  const std::uint64_t percent = std::min<std::uint64_t>(warn_percent, 100);
  if (count * 100 >= limit * percent) return LimitLevel::kApproaching;
  return LimitLevel::kOk;
}

std::optional<DirectionCipher::Prepared> DirectionCipher::make(const KeyMaterial& material,
                                                               Aead::Mode mode) {
  auto aead = Aead::create(*material.suite, material.key.bytes(), material.iv.bytes(), mode);
  auto mask = SequenceMask::create(*material.suite, material.sn_key.bytes());
  if (!aead || !mask) return std::nullopt;
  return Prepared{std::move(*aead), std::move(*mask)};
}

std::optional<DirectionCipher> DirectionCipher::create(const KeyMaterial& material, Aead::Mode mode,
                                                       Preparation preparation) {
  if (!material.valid()) return std::nullopt;
  auto prepared = make(material, mode);
  if (!prepared) return std::nullopt;
  if (preparation == Preparation::kNow) return DirectionCipher(State(std::move(*prepared)));
  // `prepared` frees its contexts on return; the material waits for prepare().
  if (mode == Aead::Mode::kSeal) return DirectionCipher(State(DeferredSeal{material.clone()}));
  return DirectionCipher(State(DeferredOpen{material.clone()}));
}

const KeyMaterial* DirectionCipher::deferred_material() const {
  if (const auto* seal = std::get_if<DeferredSeal>(&state_)) return &seal->material;
  if (const auto* open = std::get_if<DeferredOpen>(&state_)) return &open->material;
  return nullptr;
}

std::size_t DirectionCipher::tag_length() const {
  if (const auto* p = std::get_if<Prepared>(&state_)) return p->aead.tag_length();
  // create() prepared this material once, so its suite's tag length is the one Aead accepted.
  const KeyMaterial* material = deferred_material();
  return material != nullptr ? material->suite->tag_length : 0;
}

bool DirectionCipher::prepare() {
  const KeyMaterial* material = deferred_material();
  if (material == nullptr) return true;
  const Aead::Mode mode =
      std::holds_alternative<DeferredSeal>(state_) ? Aead::Mode::kSeal : Aead::Mode::kOpen;
  auto prepared = make(*material, mode);
  if (!prepared) return false;
  state_ = std::move(*prepared);  // the material is wiped as it is replaced
  return true;
}

bool KeyContext::install_send(const KeyMaterial& material, const AeadLimits& limits) {
  if (send_ || !material.valid()) return false;
  auto cipher = DirectionCipher::create(material, Aead::Mode::kSeal, preparation());
  if (!cipher) return false;
  send_.emplace(SendDirection{material.suite, std::move(*cipher), limits});
  return true;
}

bool KeyContext::install_receive(const KeyMaterial& material, const AeadLimits& limits,
                                 std::size_t replay_window) {
  if (receive_ || !material.valid()) return false;
  auto cipher = DirectionCipher::create(material, Aead::Mode::kOpen, preparation());
  if (!cipher) return false;
  receive_.emplace(
      ReceiveDirection{material.suite, std::move(*cipher), limits, ReplayWindow(replay_window)});
  return true;
}

LimitLevel KeyContext::send_limit_level() const {
  if (!send_) return LimitLevel::kOk;
  return std::max(
      AeadLimits::level(send_->encryptions, send_->limits.confidentiality,
                        send_->limits.warn_percent),
      AeadLimits::level(send_->next_sequence, kMaxRecordSequence + 1, send_->limits.warn_percent));
}

LimitLevel KeyContext::receive_limit_level() const {
  if (!receive_) return LimitLevel::kOk;
  return AeadLimits::level(receive_->failed_decryptions, receive_->limits.integrity,
                           receive_->limits.warn_percent);
}

}  // namespace sctps::protect
