// A DTLS key context (draft §3.1): identified within its association by the restart indicator and
// the epoch, it holds the send and/or the receive direction of that epoch's keys. Each direction
// has its prepared AEAD and sequence-number mask; the send direction has the next record sequence
// number (from 0, 48 bits, never reused), the receive direction the replay window. Both count
// their AEAD invocations (draft §7.10-§7.12) and compare them with the suite's AEAD limits
// (RFC 9147 §4.5.3, see cipher_suite.h), so that key management can rekey in time.
//
// The OpenSSL contexts of a direction take about 1.8 KB (AES-GCM 1.15 KB, AES-ECB 0.64 KB), for
// each of up to four directions per association (issue #6). Primary keys are used at once, so their
// contexts are prepared at installation and the raw key material is not kept: it lives on only
// inside the OpenSSL contexts, which wipe it when they are freed. Restart keys (draft §5.4) serve
// only if the association restarts, which most never do: their contexts are prepared the first time
// they seal or open, and until then the material is held in SecretBytes, wiped when the direction
// goes. Installation still prepares them once, so that it fails exactly as for a primary key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "protect/aead.h"
#include "protect/cipher_suite.h"
#include "protect/key_material.h"
#include "protect/replay_window.h"
#include "protect/sequence_mask.h"

namespace sctps::protect {

struct KeyId {
  bool restart = false;
  std::uint64_t epoch = 0;

  // What a DTLS chunk carries of it: the R flag and the low two epoch bits (draft §4.2).
  std::size_t restart_index() const { return restart ? 1 : 0; }
  std::uint8_t epoch_bits() const { return static_cast<std::uint8_t>(epoch & 3U); }
  friend bool operator==(const KeyId&, const KeyId&) = default;
};

enum class LimitLevel : std::uint8_t {
  kOk,
  kApproaching,  // at or above the warning fraction of the limit: time to rekey
  kReached,      // at or above the limit: the key must not be used any more
};

struct AeadLimits {
  static constexpr std::uint32_t kDefaultWarnPercent = 75;
  std::uint64_t confidentiality = 0;  // records one send key may protect
  std::uint64_t integrity = 0;        // records that may fail authentication with one receive key
  std::uint32_t warn_percent = kDefaultWarnPercent;

  static AeadLimits for_suite(const CipherSuite& suite);
  // Limits are clamped to 2^56 so that the percentage arithmetic cannot overflow.
  static LimitLevel level(std::uint64_t count, std::uint64_t limit, std::uint32_t warn_percent);
};

// When a direction's OpenSSL contexts are made.
enum class Preparation : std::uint8_t {
  kNow,         // at installation; the raw material is not kept
  kOnFirstUse,  // at the first prepare(); the material is kept until then
};

// The AEAD and the sequence-number mask of one direction.
class DirectionCipher {
 public:
  // nullopt if OpenSSL refuses the suite or the material (also for kOnFirstUse: the contexts are
  // made once and dropped, to check).
  static std::optional<DirectionCipher> create(const KeyMaterial& material, Aead::Mode mode,
                                               Preparation preparation);

  // Makes the contexts if that was deferred. False if OpenSSL fails (out of memory); the material
  // is kept for another try.
  bool prepare();
  bool prepared() const { return std::holds_alternative<Prepared>(state_); }
  // Only once prepare() returned true.
  Aead& aead() { return std::get_if<Prepared>(&state_)->aead; }
  SequenceMask& mask() { return std::get_if<Prepared>(&state_)->mask; }
  // Known without preparing.
  std::size_t tag_length() const;

 private:
  struct Prepared {
    Aead aead;
    SequenceMask mask;
  };
  // Material waiting for prepare(), inline rather than on the heap (no larger than the prepared
  // alternative plus a heap block). The mode it is prepared for is the alternative itself, so a
  // cipher is no larger than its material (issue #6: memory per association).
  struct DeferredSeal {
    KeyMaterial material;
  };
  struct DeferredOpen {
    KeyMaterial material;
  };
  using State = std::variant<Prepared, DeferredSeal, DeferredOpen>;
  static std::optional<Prepared> make(const KeyMaterial& material, Aead::Mode mode);
  const KeyMaterial* deferred_material() const;
  explicit DirectionCipher(State state) : state_(std::move(state)) {}

  State state_;
};

struct SendDirection {
  const CipherSuite* suite = nullptr;
  DirectionCipher cipher;
  AeadLimits limits;
  std::uint64_t next_sequence = 0;
  std::uint64_t encryptions = 0;
  LimitLevel reported = LimitLevel::kOk;  // the highest level already signalled
};

struct ReceiveDirection {
  const CipherSuite* suite = nullptr;
  DirectionCipher cipher;
  AeadLimits limits;
  ReplayWindow replay;
  std::uint64_t decryptions = 0;  // every AEAD open attempt, successful or not
  std::uint64_t failed_decryptions = 0;
  LimitLevel reported = LimitLevel::kOk;
};

class KeyContext {
 public:
  explicit KeyContext(KeyId id) : id_(id) {}

  KeyId id() const { return id_; }

  // False if the direction is already installed (a key is never replaced: its sequence numbers
  // would start again at 0 and repeat nonces), the material is invalid, or OpenSSL fails. The
  // contexts of a restart key context are prepared on first use (see the top of this file).
  bool install_send(const KeyMaterial& material, const AeadLimits& limits);
  bool install_receive(const KeyMaterial& material, const AeadLimits& limits,
                       std::size_t replay_window);
  void destroy_send() { send_.reset(); }
  void destroy_receive() { receive_.reset(); }

  SendDirection* send() { return send_ ? &*send_ : nullptr; }
  const SendDirection* send() const { return send_ ? &*send_ : nullptr; }
  ReceiveDirection* receive() { return receive_ ? &*receive_ : nullptr; }
  const ReceiveDirection* receive() const { return receive_ ? &*receive_ : nullptr; }
  bool empty() const { return !send_ && !receive_; }

  // Encryptions against the confidentiality limit and the sequence-number space (kOk if there is
  // no send direction).
  LimitLevel send_limit_level() const;
  // Failed decryptions against the integrity limit (kOk if there is no receive direction).
  LimitLevel receive_limit_level() const;

 private:
  Preparation preparation() const {
    return id_.restart ? Preparation::kOnFirstUse : Preparation::kNow;
  }

  KeyId id_;
  std::optional<SendDirection> send_;
  std::optional<ReceiveDirection> receive_;
};

}  // namespace sctps::protect
