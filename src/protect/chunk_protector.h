// The chunk protection operator of one association (draft-ietf-tsvwg-sctp-dtls-chunk): it keeps
// the association's DTLS key contexts, turns an outgoing packet's chunks into one DTLS chunk
// (seal) and a received DTLS chunk back into chunks (open), and offers key management the
// abstract API of draft §7. Sans-IO: no clock, no sockets, no allocation per packet (a restart
// key prepares its cipher contexts at its first use, once).
//
// Record layout (our reading #1 in shared/specs/README.md; RFC 9147 §4):
//   DTLS chunk header (4) | pre-padding 0 (1) | unified header 0x28|EE (1) | sequence (2, masked)
//   | AEAD(chunks || 23 || zero padding) || tag (16) | post-padding to 4 bytes
// AAD = the three unified-header bytes with the unmasked sequence number. Chunk Length counts
// everything up to the tag (reading #2).
//
// Send key selection (draft §5.2, §7.4, §7.8): the key chosen with set_send_key(); installing a
// primary send key selects it at once unless a newer primary epoch is selected; a restart send key
// is selected by installation only when no key is selected (the restarting endpoint, draft §5.4).
// Destroying the selected key falls back to the newest primary, else the newest restart key.
//
// Receive key selection: the R bit picks primary or restart contexts, the epoch bits EE the one
// installed receive context whose epoch has those low two bits. Two receive contexts of the same
// kind whose epochs share the low two bits cannot be installed at the same time.
//
// What the caller (the engine) does around this:
// - Verify the CRC32c of a received packet before open() (reading #7); open() does not.
// - Route a received packet by classify(): kProtected to open(); kBundledDtls is discarded
//   silently (open() would count it as kBundled); kUnprotected is processed only if
//   accepts_unprotected(first chunk type), else dropped and counted with count_unprotected_drop().
// - Send every packet through seal() once has_send_key(), except INIT and INIT ACK, which are
//   never protected (draft §5.4). Leave overhead() bytes free in each packet for it.
// - Whether a chunk is allowed inside a restart-protected packet (R=1: COOKIE ECHO / COOKIE ACK
//   of a protected restart, then user traffic of the restarted association, draft §5.4) is
//   association state; open() reports the R bit for that decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "protect/cipher_suite.h"
#include "protect/key_context.h"
#include "protect/key_log.h"
#include "protect/key_material.h"
#include "protect/protection_stats.h"
#include "protect/replay_window.h"
#include "wire/byte_io.h"
#include "wire/dtls_chunk.h"
#include "wire/packet.h"

namespace sctps::protect {

// Replies of the key-management API (draft §7: "Established or Failed", "Success or Error").
enum class KeyStatus : std::uint8_t {
  kOk,
  kInvalidKeyMaterial,  // unsupported suite or lengths that do not fit it
  kInvalidEpoch,        // epochs below 3 belong to a DTLS handshake (draft §7.4)
  kAlreadyInstalled,    // that direction of that (R, epoch) exists: keys are never replaced
  kEpochBitsInUse,      // a receive context of the same kind already uses these epoch bits
  kNotInstalled,        // no such direction of that (R, epoch)
  kInvalidArgument,     // replay window size out of range
  kCryptoFailure,       // OpenSSL refused the algorithm or key
};
std::string_view to_string(KeyStatus status);

enum class SealError : std::uint8_t {
  kNone,
  kNoSendKey,          // no send key selected
  kInvalidPacket,      // packet_len shorter than a common header and one chunk header, or
                       // longer than the buffer
  kBufferTooSmall,     // capacity cannot hold the sealed packet: leave overhead() free
  kRecordTooLarge,     // the record would not fit the 16-bit Chunk Length
  kSequenceExhausted,  // the 48-bit sequence space of the key is used up: rekey
  kLimitReached,       // the confidentiality limit of the key is reached: rekey
  kCryptoFailure,      // OpenSSL failed; the buffer content is destroyed
};
std::string_view to_string(SealError error);

struct SealResult {
  SealError error = SealError::kNone;
  std::size_t length = 0;  // of the sealed packet, common header included
  KeyId key;
  std::uint64_t sequence = 0;
  bool ok() const { return error == SealError::kNone; }
};

struct OpenResult {
  std::optional<DropReason> drop;  // set when the packet was dropped
  // The decrypted chunks, inside the packet buffer, 4-byte aligned; base_offset is their offset
  // in the packet.
  wire::ChunkRegion chunks;
  KeyId key;  // restart flag and full epoch of the key that opened it
  std::uint64_t sequence = 0;
  bool ok() const { return !drop.has_value(); }
};

// How a received packet is to be handled (draft §5.2).
enum class PacketKind : std::uint8_t {
  kUnprotected,  // no DTLS chunk: accepts_unprotected() decides
  kProtected,    // one DTLS chunk and nothing else: open()
  kBundledDtls,  // a DTLS chunk together with other chunks: discard silently
};

struct KeyLimitEvent {
  enum class Direction : std::uint8_t { kSend, kReceive };
  KeyId key;
  Direction direction = Direction::kSend;
  LimitLevel level = LimitLevel::kOk;
};

struct ProtectorOptions {
  // Records per receive window (draft §7.13, §8.4.10). Default 1024: room for the reordering of
  // several paths of a multihomed association (draft §3.1) at high packet rates.
  std::size_t replay_window = ReplayWindow::kDefaultSize;
  // Refuse to seal with a key past its confidentiality limit and to open with a key past its
  // integrity limit (RFC 9147 §4.5.3). On by default; key management must rekey in time.
  bool enforce_aead_limits = true;
  // Percentage of a limit at which poll_limit_event() reports kApproaching. Default 75.
  std::uint32_t limit_warn_percent = AeadLimits::kDefaultWarnPercent;
  // Non-zero: use instead of the suite's limits (tests, or a stricter policy).
  std::uint64_t confidentiality_limit_override = 0;
  std::uint64_t integrity_limit_override = 0;
};

class ChunkProtector {
 public:
  // Bytes protection adds to a packet's chunks: DTLS chunk header 4, pre-padding 1, unified
  // header 3, content type 1, tag 16, post-padding at most 3.
  static constexpr std::size_t kOverhead =
      wire::DtlsChunk::kHeaderSize + 1 + kAeadTagLength + wire::DtlsChunk::kMaxPostPadding;
  static constexpr std::uint8_t kApplicationData = 23;

  explicit ChunkProtector(ProtectorOptions options = {});
  ~ChunkProtector();
  ChunkProtector(ChunkProtector&&) noexcept;
  ChunkProtector& operator=(ChunkProtector&&) noexcept;
  ChunkProtector(const ChunkProtector&) = delete;
  ChunkProtector& operator=(const ChunkProtector&) = delete;

  // --- Key management API (draft §7) ---

  // §7.3.
  static std::span<const CipherSuite> cipher_suites() { return supported_cipher_suites(); }
  // §7.4 and §7.5. The material is copied into prepared cipher contexts.
  KeyStatus establish_send_key(bool restart, std::uint64_t epoch, const KeyMaterial& material);
  KeyStatus establish_receive_key(bool restart, std::uint64_t epoch, const KeyMaterial& material);
  // §7.6 and §7.7.
  KeyStatus destroy_send_key(bool restart, std::uint64_t epoch);
  KeyStatus destroy_receive_key(bool restart, std::uint64_t epoch);
  // §7.8: the key future packets are sealed with.
  KeyStatus set_send_key(bool restart, std::uint64_t epoch);
  std::optional<KeyId> send_key() const;
  bool has_send_key() const { return send_key().has_value(); }
  // §7.9. Irrevocable (as the socket option of §8.4.8).
  void require_protection() { protection_required_ = true; }
  bool protection_required() const { return protection_required_; }
  // §7.10-§7.12: nullopt if that direction of that key context does not exist. Decryptions count
  // every AEAD open attempt, the failed ones included.
  std::optional<std::uint64_t> encryptions(bool restart, std::uint64_t epoch) const;
  std::optional<std::uint64_t> decryptions(bool restart, std::uint64_t epoch) const;
  std::optional<std::uint64_t> failed_decryptions(bool restart, std::uint64_t epoch) const;
  // §7.13: window size in records for every receive context, present and future, primary and
  // restart. Between ReplayWindow::kMinSize and kMaxSize.
  KeyStatus configure_replay_window(std::size_t records);
  std::size_t replay_window() const { return options_.replay_window; }

  // AEAD limits (RFC 9147 §4.5.3; draft §10.2): each call returns the next not yet reported
  // change of a key direction to kApproaching or kReached, or nullopt. Poll after seal/open.
  std::optional<KeyLimitEvent> poll_limit_event();
  // The current level of a direction (kOk if it does not exist).
  LimitLevel send_limit_level(bool restart, std::uint64_t epoch) const;
  LimitLevel receive_limit_level(bool restart, std::uint64_t epoch) const;

  // --- Packets ---

  std::size_t overhead() const { return kOverhead; }

  // `packet` holds the common header and the plaintext chunks in its first `packet_len` bytes and
  // may grow to `capacity` bytes (at most packet.size()). Rewrites it in place into the common
  // header and one DTLS chunk, with `record_padding` zero bytes of DTLSInnerPlaintext padding,
  // and recomputes the CRC32c. On error the buffer is unchanged, except for kCryptoFailure.
  SealResult seal(wire::MutableBytes packet, std::size_t packet_len, std::size_t capacity,
                  std::size_t record_padding = 0);

  // A received packet (CRC already verified) whose first chunk is a DTLS chunk. Decrypts in place;
  // the chunks are returned as a region of the same buffer. A dropped packet is counted; its
  // buffer may have been changed.
  OpenResult open(wire::MutableBytes packet);

  // Routing of a parsed packet; looks at every chunk's type (a DTLS chunk anywhere but alone makes
  // the packet one to discard).
  static PacketKind classify(const wire::PacketView& packet);

  // Whether a packet without a DTLS chunk and with this first chunk type may be processed: always
  // before require_protection(), afterwards only INIT and INIT ACK (draft §5.2). False for the
  // DTLS chunk type itself (such packets go to open()).
  bool accepts_unprotected(std::uint8_t first_chunk_type) const;
  void count_unprotected_drop();

  const ProtectionStats& stats() const { return stats_; }

  // --- Key log (reading #6) ---

  // Verification tags for the key log lines: `local` is carried by packets we receive, `peer` by
  // those we send. Set them before installing keys.
  void set_verification_tags(std::uint32_t local, std::uint32_t peer);
  // Called once per installed key direction; never called unless set. Pass {} to stop.
  void set_key_log(KeyLogCallback callback) { key_log_ = std::move(callback); }

 private:
  KeyContext* find(KeyId id);
  const KeyContext* find(KeyId id) const;
  void remove_if_empty(KeyId id);
  void reselect_send_key();
  void rebuild_receive_index();
  void log_key(KeyId id, const KeyMaterial& material, bool send);
  AeadLimits limits_for(const CipherSuite& suite) const;
  OpenResult dropped(DropReason reason);

  ProtectorOptions options_;
  // Few contexts live at once (current, next, draining, restart); a linear scan is fastest.
  std::vector<std::unique_ptr<KeyContext>> contexts_;
  KeyContext* send_context_ = nullptr;
  std::array<std::array<KeyContext*, 4>, 2> receive_index_{};  // [R][epoch & 3]
  bool protection_required_ = false;
  ProtectionStats stats_;
  std::uint32_t local_tag_ = 0;
  std::uint32_t peer_tag_ = 0;
  KeyLogCallback key_log_;
};

}  // namespace sctps::protect
