// Parameters of the RE-CONFIG chunk, RFC 6525 §4.1-§4.6.
//
// Outgoing SSN Reset Request (13), length 16 + 2 * N:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Parameter Type = 13       | Parameter Length = 16 + 2 * N |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Re-configuration Request Sequence Number            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Re-configuration Response Sequence Number           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                Sender's Last Assigned TSN                     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                            ......                             /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Incoming SSN Reset Request (14), length 8 + 2 * N:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Parameter Type = 14       |  Parameter Length = 8 + 2 * N |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Re-configuration Request Sequence Number            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
// /                            ......                             /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// SSN/TSN Reset Request (15), length 8:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Parameter Type = 15       |      Parameter Length = 8     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Re-configuration Request Sequence Number            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Re-configuration Response (16), length 12, or 20 with both TSNs:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Parameter Type = 16       |      Parameter Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Re-configuration Response Sequence Number             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            Result                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   Sender's Next TSN (optional)                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  Receiver's Next TSN (optional)               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Add Outgoing Streams Request (17) / Add Incoming Streams Request (18), length 12:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Parameter Type = 17 or 18   |      Parameter Length = 12    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Re-configuration Request Sequence Number             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      Number of new streams    |         Reserved              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Errors: a value shorter than the fixed part is kTruncated; a fixed-size parameter of another
// length is kLengthMismatch (for 16: any length other than 12 or 20); a stream list that is not a
// whole number of 16-bit entries is kBadLength.
//
// Semantic rules left to the engine (RFC 6525 §5): request sequence numbers are checked against
// the expected one (Result "Error - Bad Sequence Number"); an empty stream list means all streams;
// the TSNs of a response are meaningful only for an SSN/TSN reset; a request must not add zero
// streams or exceed 65535 streams in total; which combinations may share one RE-CONFIG chunk
// (§3.1). Stream lists longer than 32759 (13) / 32763 (14) entries cannot be encoded: encode()
// then writes nothing and leaves the writer overflowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/result.h"
#include "wire/tlv.h"
#include "wire/types.h"

namespace sctps::wire {

// Result field of a Re-configuration Response (RFC 6525 §4.4).
namespace reconfig_result {
inline constexpr std::uint32_t kSuccessNothingToDo = 0;
inline constexpr std::uint32_t kSuccessPerformed = 1;
inline constexpr std::uint32_t kDenied = 2;
inline constexpr std::uint32_t kErrorWrongSsn = 3;
inline constexpr std::uint32_t kErrorRequestAlreadyInProgress = 4;
inline constexpr std::uint32_t kErrorBadSequenceNumber = 5;
inline constexpr std::uint32_t kInProgress = 6;
}  // namespace reconfig_result
std::string_view reconfig_result_name(std::uint32_t result);  // "unknown" when unassigned

struct OutgoingSsnResetRequestParameter {
  static constexpr std::uint16_t kType = parameter_type::kOutgoingSsnResetRequest;
  static constexpr std::size_t kFixedSize = 16;

  ReconfigRequestSeq request_seq;
  ReconfigRequestSeq response_seq;
  Tsn sender_last_tsn;
  std::vector<StreamId> streams;  // empty: all outgoing streams

  static Result<OutgoingSsnResetRequestParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kFixedSize + 2 * streams.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const OutgoingSsnResetRequestParameter&,
                         const OutgoingSsnResetRequestParameter&) = default;
};

struct IncomingSsnResetRequestParameter {
  static constexpr std::uint16_t kType = parameter_type::kIncomingSsnResetRequest;
  static constexpr std::size_t kFixedSize = 8;

  ReconfigRequestSeq request_seq;
  std::vector<StreamId> streams;  // empty: all incoming streams

  static Result<IncomingSsnResetRequestParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kFixedSize + 2 * streams.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const IncomingSsnResetRequestParameter&,
                         const IncomingSsnResetRequestParameter&) = default;
};

struct SsnTsnResetRequestParameter {
  static constexpr std::uint16_t kType = parameter_type::kSsnTsnResetRequest;
  static constexpr std::size_t kSize = 8;

  ReconfigRequestSeq request_seq;

  static Result<SsnTsnResetRequestParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const SsnTsnResetRequestParameter&,
                         const SsnTsnResetRequestParameter&) = default;
};

struct ReconfigurationResponseParameter {
  static constexpr std::uint16_t kType = parameter_type::kReconfigurationResponse;
  static constexpr std::size_t kShortSize = 12;
  static constexpr std::size_t kLongSize = 20;

  // The optional TSN pair: both present or both absent.
  struct NextTsns {
    Tsn sender_next_tsn;
    Tsn receiver_next_tsn;
    friend bool operator==(const NextTsns&, const NextTsns&) = default;
  };

  ReconfigRequestSeq response_seq;
  std::uint32_t result = reconfig_result::kSuccessPerformed;
  std::optional<NextTsns> next_tsns;

  static Result<ReconfigurationResponseParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return next_tsns ? kLongSize : kShortSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const ReconfigurationResponseParameter&,
                         const ReconfigurationResponseParameter&) = default;
};

// Add Outgoing / Add Incoming Streams Request share one layout; the type tells them apart.
template <std::uint16_t Type>
struct AddStreamsRequestParameter {
  static constexpr std::uint16_t kType = Type;
  static constexpr std::size_t kSize = 12;

  ReconfigRequestSeq request_seq;
  std::uint16_t new_streams = 0;

  static Result<AddStreamsRequestParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;  // reserved field written as zero
  std::string describe() const;

  friend bool operator==(const AddStreamsRequestParameter&,
                         const AddStreamsRequestParameter&) = default;
};

using AddOutgoingStreamsRequestParameter =
    AddStreamsRequestParameter<parameter_type::kAddOutgoingStreamsRequest>;
using AddIncomingStreamsRequestParameter =
    AddStreamsRequestParameter<parameter_type::kAddIncomingStreamsRequest>;

extern template struct AddStreamsRequestParameter<parameter_type::kAddOutgoingStreamsRequest>;
extern template struct AddStreamsRequestParameter<parameter_type::kAddIncomingStreamsRequest>;

}  // namespace sctps::wire
