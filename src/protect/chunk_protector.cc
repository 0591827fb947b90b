#include "protect/chunk_protector.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "protect/sequence_reconstruction.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"

namespace sctps::protect {

namespace {

using wire::DtlsChunk;

constexpr std::size_t kCommonHeaderSize = wire::CommonHeader::kSize;
constexpr std::size_t kRecordStart = kCommonHeaderSize + DtlsChunk::kRecordOffset;  // 20

}  // namespace

std::string_view to_string(KeyStatus status) {
  switch (status) {
    case KeyStatus::kOk: return "ok";
    case KeyStatus::kInvalidKeyMaterial: return "invalid key material";
    case KeyStatus::kInvalidEpoch: return "epoch below 3";
    case KeyStatus::kAlreadyInstalled: return "key already installed";
    case KeyStatus::kEpochBitsInUse: return "epoch bits in use by another receive key";
    case KeyStatus::kNotInstalled: return "no such key";
    case KeyStatus::kInvalidArgument: return "invalid argument";
    case KeyStatus::kCryptoFailure: return "crypto library failure";
  }
  return "unknown";
}

std::string_view to_string(SealError error) {
  switch (error) {
    case SealError::kNone: return "ok";
    case SealError::kNoSendKey: return "no send key";
    case SealError::kInvalidPacket: return "invalid packet";
    case SealError::kBufferTooSmall: return "buffer too small";
    case SealError::kRecordTooLarge: return "record too large";
    case SealError::kSequenceExhausted: return "sequence numbers exhausted";
    case SealError::kLimitReached: return "AEAD confidentiality limit reached";
    case SealError::kCryptoFailure: return "crypto library failure";
  }
  return "unknown";
}

ChunkProtector::ChunkProtector(ProtectorOptions options) : options_(options) {
  options_.replay_window =
      std::clamp(options_.replay_window, ReplayWindow::kMinSize, ReplayWindow::kMaxSize);
}

ChunkProtector::~ChunkProtector() = default;
// The contexts live on the heap, so the selection pointers stay valid in the new owner; the old
// one is left empty, without keys.
ChunkProtector::ChunkProtector(ChunkProtector&& other) noexcept {
  *this = std::move(other);
}

ChunkProtector& ChunkProtector::operator=(ChunkProtector&& other) noexcept {
  if (this == &other) return *this;
  options_ = other.options_;
  contexts_ = std::move(other.contexts_);
  send_context_ = std::exchange(other.send_context_, nullptr);
  receive_index_ = std::exchange(other.receive_index_, {});
  protection_required_ = other.protection_required_;
  stats_ = other.stats_;
  local_tag_ = other.local_tag_;
  peer_tag_ = other.peer_tag_;
  key_log_ = std::move(other.key_log_);
  other.contexts_.clear();
  return *this;
}

// --- Unprotected packets ---

PacketKind ChunkProtector::classify(const wire::PacketView& packet) {
  bool dtls = false;
  for (const wire::ChunkView& c : packet) dtls = dtls || c.type == DtlsChunk::kType;
  if (!dtls) return PacketKind::kUnprotected;
  return packet.chunk_count() == 1 ? PacketKind::kProtected : PacketKind::kBundledDtls;
}

bool ChunkProtector::accepts_unprotected(std::uint8_t first_chunk_type) const {
  if (first_chunk_type == wire::chunk_type::kDtls) return false;
  if (!protection_required_) return true;
  return first_chunk_type == wire::chunk_type::kInit ||
         first_chunk_type == wire::chunk_type::kInitAck;
}

void ChunkProtector::count_unprotected_drop() {
  ++stats_.dropped_unprotected;
  ++stats_.dropped[static_cast<std::size_t>(DropReason::kUnprotected)];
}

// --- Seal ---

SealResult ChunkProtector::seal(wire::MutableBytes packet, std::size_t packet_len,
                                std::size_t capacity, std::size_t record_padding) {
  SealResult result;
  auto fail = [&](SealError e) {
    ++stats_.seal_failures;
    result.error = e;
    return result;
  };
  capacity = std::min(capacity, packet.size());
  if (packet_len > packet.size() || packet_len < kCommonHeaderSize + wire::ChunkView::kHeaderSize)
    return fail(SealError::kInvalidPacket);
  if (send_context_ == nullptr) return fail(SealError::kNoSendKey);
  SendDirection& tx = *send_context_->send();
  if (tx.next_sequence > kMaxRecordSequence) return fail(SealError::kSequenceExhausted);
  if (options_.enforce_aead_limits && tx.encryptions >= tx.limits.confidentiality)
    return fail(SealError::kLimitReached);

  const std::size_t chunks_len = packet_len - kCommonHeaderSize;
  if (record_padding > DtlsChunk::kMaxRecordSize) return fail(SealError::kRecordTooLarge);
  const std::size_t inner_len = chunks_len + 1 + record_padding;
  const std::size_t tag_len = tx.cipher.tag_length();
  const std::size_t record_len = inner_len + tag_len;
  if (record_len > DtlsChunk::kMaxRecordSize) return fail(SealError::kRecordTooLarge);
  const std::size_t total = kRecordStart + wire::padded4(record_len);
  if (total > capacity) return fail(SealError::kBufferTooSmall);
  if (!tx.cipher.prepare()) return fail(SealError::kCryptoFailure);  // nothing consumed yet

  const KeyId id = send_context_->id();
  const std::uint64_t sequence = tx.next_sequence++;  // consumed even if OpenSSL fails below
  ++tx.encryptions;

  // DTLSInnerPlaintext: the chunks moved behind the DTLS chunk header, the content type, padding.
  std::uint8_t* p = packet.data();
  std::memmove(p + kRecordStart, p + kCommonHeaderSize, chunks_len);
  p[kRecordStart + chunks_len] = kApplicationData;
  if (record_padding > 0) std::memset(p + kRecordStart + chunks_len + 1, 0, record_padding);

  // DTLS chunk header and unified header, with the plain sequence number for the AAD.
  std::uint8_t* chunk = p + kCommonHeaderSize;
  chunk[0] = DtlsChunk::kType;
  chunk[1] = id.restart ? DtlsChunk::kRestartFlag : std::uint8_t{0};
  wire::store_be16(chunk + 2,
                   static_cast<std::uint16_t>(DtlsChunk::encoded_size_for_record(record_len)));
  chunk[DtlsChunk::kPrePaddingOffset] = 0;
  chunk[DtlsChunk::kCiphertextOffset] = DtlsChunk::unified_header_byte(id.epoch_bits());
  wire::store_be16(chunk + DtlsChunk::kSequenceOffset, static_cast<std::uint16_t>(sequence));

  const wire::Bytes aad(chunk + DtlsChunk::kCiphertextOffset, DtlsChunk::kUnifiedHeaderSize);
  if (!tx.cipher.aead().seal(sequence, aad, packet.subspan(kRecordStart, inner_len),
                             packet.subspan(kRecordStart + inner_len, tag_len)))
    return fail(SealError::kCryptoFailure);
  const auto mask = tx.cipher.mask().compute(packet.subspan(kRecordStart, record_len));
  if (!mask) return fail(SealError::kCryptoFailure);
  chunk[DtlsChunk::kSequenceOffset] ^= (*mask)[0];
  chunk[DtlsChunk::kSequenceOffset + 1] ^= (*mask)[1];

  const std::size_t post_padding = wire::padded4(record_len) - record_len;
  if (post_padding > 0) std::memset(p + kRecordStart + record_len, 0, post_padding);
  wire::write_sctp_checksum(packet.first(total));

  ++stats_.sent_protected;
  stats_.sent_protected_bytes += chunks_len;
  result.length = total;
  result.key = id;
  result.sequence = sequence;
  return result;
}

// --- Open ---

OpenResult ChunkProtector::dropped(DropReason reason) {
  ++stats_.dropped[static_cast<std::size_t>(reason)];
  OpenResult r;
  r.drop = reason;
  return r;
}

OpenResult ChunkProtector::open(wire::MutableBytes packet) {
  auto view = wire::PacketView::parse(packet);
  if (!view) return dropped(DropReason::kMalformed);
  switch (classify(*view)) {
    case PacketKind::kProtected: break;
    case PacketKind::kUnprotected: return dropped(DropReason::kNotDtlsChunk);
    case PacketKind::kBundledDtls: return dropped(DropReason::kBundled);  // draft §5.2
  }
  const wire::ChunkView& first = view->first_chunk();
  auto dtls = DtlsChunk::parse(first);
  if (!dtls) return dropped(DropReason::kMalformed);

  KeyContext* ctx = receive_index_[dtls->restart ? 1 : 0][dtls->epoch_bits];
  if (ctx == nullptr) return dropped(DropReason::kUnknownKeyContext);
  ReceiveDirection& rx = *ctx->receive();
  const std::size_t tag_len = rx.cipher.tag_length();
  const std::size_t record_len = dtls->encrypted_record.size();
  if (record_len < tag_len + 1) return dropped(DropReason::kMalformed);  // no room for a type
  if (options_.enforce_aead_limits && rx.failed_decryptions >= rx.limits.integrity)
    return dropped(DropReason::kIntegrityLimit);
  // A restart key's contexts are made here the first time (key_context.h). Failing means OpenSSL
  // could not allocate; counted with the other packets that could not be processed.
  if (!rx.cipher.prepare()) return dropped(DropReason::kMalformed);

  // Sequence number: unmask (RFC 9147 §4.2.3), reconstruct (§4.2.2), check the window (§4.5.1).
  const auto mask = rx.cipher.mask().compute(dtls->encrypted_record);
  if (!mask) return dropped(DropReason::kMalformed);
  const auto low = static_cast<std::uint16_t>(dtls->encrypted_sequence ^
                                              ((unsigned{(*mask)[0]} << 8) | unsigned{(*mask)[1]}));
  const std::uint64_t sequence = reconstruct_sequence(rx.replay.next_expected(), low);
  switch (rx.replay.check(sequence)) {
    case ReplayWindow::Verdict::kNew: break;
    case ReplayWindow::Verdict::kDuplicate: return dropped(DropReason::kReplayDuplicate);
    case ReplayWindow::Verdict::kTooOld: return dropped(DropReason::kReplayTooOld);
  }

  std::array<std::uint8_t, DtlsChunk::kUnifiedHeaderSize> aad{};
  aad[0] = first.whole[DtlsChunk::kCiphertextOffset];
  wire::store_be16(aad.data() + 1, low);
  const std::size_t record_at = first.offset + DtlsChunk::kRecordOffset;
  const std::size_t inner_len = record_len - tag_len;
  const wire::MutableBytes inner = packet.subspan(record_at, inner_len);
  const wire::Bytes tag = packet.subspan(record_at + inner_len, tag_len);
  ++rx.decryptions;
  if (!rx.cipher.aead().open(sequence, aad, inner, tag)) {
    ++rx.failed_decryptions;
    ++stats_.aead_failures;
    return dropped(DropReason::kAuthenticationFailed);
  }
  rx.replay.commit(sequence);  // authenticated: the record counts as received from here on

  // DTLSInnerPlaintext: the content type is the last non-zero byte (RFC 9147 §4, RFC 8446 §5.4).
  std::size_t type_at = inner_len;
  while (type_at > 0 && inner[type_at - 1] == 0) --type_at;
  if (type_at == 0) return dropped(DropReason::kBadPadding);
  --type_at;
  if (inner[type_at] != kApplicationData) return dropped(DropReason::kBadContentType);
  auto region = wire::ChunkRegion::parse(inner.first(type_at), record_at);
  if (!region || region->chunk_count == 0) return dropped(DropReason::kBadPlaintext);
  for (const wire::ChunkView& c : *region) {
    if (c.type == DtlsChunk::kType) return dropped(DropReason::kBadPlaintext);
  }

  ++stats_.recv_protected;
  stats_.recv_protected_bytes += type_at;
  OpenResult r;
  r.chunks = *region;
  r.key = ctx->id();
  r.sequence = sequence;
  return r;
}

}  // namespace sctps::protect
