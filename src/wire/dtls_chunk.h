// DTLS chunk, draft-ietf-tsvwg-sctp-dtls-chunk §4.2: one DTLS 1.3 record (RFC 9147 §4) holding the
// protected chunks of an SCTP packet. The draft fixes the record header to one configuration.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 0x41   | reserved    |R|         Chunk Length          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Pre-Padding   |0|0|1|0|1|0|E E|   Sequence Number (16 bits)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /             Encrypted Record (AEAD ciphertext and tag)        /
// /                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                               |   Post-Padding (not counted)  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//                 \______________ DTLSCiphertext ______________/
//
// The DTLSCiphertext starts at byte 5: the unified header byte 0b001CSLEE with C=0 (no
// connection id), S=1 (16-bit sequence number), L=0 (no length field), EE = low two epoch bits;
// then the sequence number, encrypted as RFC 9147 §4.2.3 describes; then the AEAD output. The one
// pre-padding byte (zero on send, ignored on receipt) puts the encrypted record at byte 8, a 4-byte
// boundary, so it can be decrypted in place into a chunk sequence. Chunk Length = 4 + 1 +
// length of the DTLSCiphertext (our reading #2 in shared/specs/README.md); the post-padding to 4
// bytes is the usual chunk padding.
//
// Parse errors: fewer than 8 bytes -> kTruncated; a unified header byte of another configuration
// -> kInvalidValue; an encrypted record shorter than 16 bytes (the sample RFC 9147 §4.2.3 takes for
// the sequence-number mask) -> kTruncated.
// Left to the engine (draft §5.2): the DTLS chunk must be the first and only chunk of its packet; a
// packet bundling it with anything else is discarded silently. Key selection uses R and the epoch
// bits; sequence-number decryption, reconstruction (RFC 9147 §4.2.2) and AEAD are the protector's.
// The 7 reserved flag bits are zero on send and ignored on receipt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"

namespace sctps::wire {

struct DtlsChunk {
  static constexpr std::uint8_t kType = chunk_type::kDtls;
  static constexpr std::uint8_t kRestartFlag = 0x01;

  // Layout, as offsets from the chunk's first byte.
  static constexpr std::size_t kPrePaddingOffset = 4;
  static constexpr std::size_t kCiphertextOffset = 5;  // unified header byte
  static constexpr std::size_t kSequenceOffset = 6;
  static constexpr std::size_t kRecordOffset = 8;  // 4-byte aligned
  static constexpr std::size_t kHeaderSize = kRecordOffset;
  static constexpr std::size_t kUnifiedHeaderSize = 3;  // header byte and 16-bit sequence number

  // The unified header byte: fixed bits 001 0 1 0 in the top six, the epoch's low bits in EE.
  static constexpr std::uint8_t kUnifiedHeaderFixed = 0x28;
  static constexpr std::uint8_t kUnifiedHeaderFixedMask = 0xFC;
  static constexpr std::uint8_t kEpochBitsMask = 0x03;

  static constexpr std::size_t kMinRecordSize = 16;                    // RFC 9147 §4.2.3 sample
  static constexpr std::size_t kMaxRecordSize = 0xFFFF - kHeaderSize;  // Chunk Length limit
  // Bytes the chunk adds in front of the encrypted record (the record itself, i.e. inner content
  // type, record padding and AEAD tag, is the protector's business), and at most 3 more of
  // post-padding after it.
  static constexpr std::size_t kOverhead = kHeaderSize;
  static constexpr std::size_t kMaxPostPadding = 3;
  static constexpr std::size_t kMaxOverhead = kOverhead + kMaxPostPadding;

  bool restart = false;                  // R: protected with the restart key context
  std::uint8_t epoch_bits = 0;           // low two bits of the epoch (0..3)
  std::uint16_t encrypted_sequence = 0;  // the 16-bit sequence number as on the wire (masked)
  Bytes encrypted_record;                // AEAD ciphertext and tag
  // Set by parse only: the whole DTLSCiphertext (unified header, sequence number, record) as a
  // view into the packet, for the protector's AAD and mask. Not part of the value (operator==).
  Bytes ciphertext;

  static Result<DtlsChunk> parse(const ChunkView& chunk);

  // Chunk Length of a DTLS chunk around a record of `record_len` bytes (without post-padding;
  // padded4() of it is what it takes in the packet).
  static constexpr std::size_t encoded_size_for_record(std::size_t record_len) {
    return kHeaderSize + record_len;
  }
  static constexpr std::uint8_t unified_header_byte(std::uint8_t epoch_bits) {
    return static_cast<std::uint8_t>(kUnifiedHeaderFixed | (epoch_bits & kEpochBitsMask));
  }

  // Where the protector works after encode_in_place(). Both views point into the writer's buffer;
  // both are empty if the writer overflowed.
  struct InPlace {
    MutableBytes unified_header;  // 3 bytes: header byte and sequence number (the AAD)
    MutableBytes record;          // record_len zero bytes, 4-byte aligned relative to the chunk
    bool ok() const { return !record.empty(); }
  };
  // Writes the chunk header, pre-padding and unified header with `sequence`, reserves record_len
  // zero bytes for the record and writes the post-padding. The intended use: write the plaintext
  // sequence number here, take the 3 unified-header bytes as AAD, encrypt the record in place,
  // then XOR the sequence-number mask onto unified_header[1..2]. A record_len of 0 or above
  // kMaxRecordSize writes nothing and overflows the writer.
  static InPlace encode_in_place(ByteWriter& w, bool restart, std::uint8_t epoch_bits,
                                 std::uint16_t sequence, std::size_t record_len);

  std::size_t encoded_size() const { return encoded_size_for_record(encrypted_record.size()); }
  // An encrypted_record above kMaxRecordSize writes nothing and overflows the writer.
  void encode(ByteWriter& w) const;
  std::uint8_t flags() const { return restart ? kRestartFlag : std::uint8_t{0}; }
  std::string describe() const;  // "R=0 epoch_bits=3 seq=0x248d record=57"

  friend bool operator==(const DtlsChunk& a, const DtlsChunk& b);
};

}  // namespace sctps::wire
