#include "wire/reconfig_parameters.h"

#include <fmt/format.h>

namespace sctps::wire {
namespace {

template <std::size_t N>
Result<FixedReader<N>> exact_value(const TlvView& p, const char* what) {
  auto r = FixedReader<N>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, what);
  if (p.value.size() != N) return make_error(ParseErrorCode::kLengthMismatch, p.offset, what);
  return *r;
}

// The stream list that ends the two SSN reset requests (§4.1, §4.2): 16-bit entries to the end.
// `list_offset` is where the list starts inside the parameter, for the error offset.
Result<std::vector<StreamId>> parse_streams(Bytes list, const TlvView& p, std::size_t list_offset) {
  if (list.size() % 2 != 0)
    return make_error(ParseErrorCode::kBadLength, p.offset + list_offset, "stream list length odd");
  std::vector<StreamId> out;
  out.reserve(list.size() / 2);
  for (std::size_t i = 0; i + 2 <= list.size(); i += 2)
    out.emplace_back(load_be16(list.data() + i));
  return out;
}

// Returns false (writer overflowed, nothing written) when the 16-bit length cannot hold the size.
bool fits_length_field(ByteWriter& w, std::size_t encoded_size) {
  if (encoded_size <= 0xFFFF) return true;
  w.zeros(w.remaining() + 1);
  return false;
}

std::string streams_text(const std::vector<StreamId>& streams) {
  std::string out = "[";
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (i != 0) out += ',';
    out += fmt::format("{}", streams[i].value());
  }
  out += ']';
  return out;
}

}  // namespace

std::string_view reconfig_result_name(std::uint32_t result) {
  namespace r = reconfig_result;
  switch (result) {
    case r::kSuccessNothingToDo: return "Success - Nothing to do";
    case r::kSuccessPerformed: return "Success - Performed";
    case r::kDenied: return "Denied";
    case r::kErrorWrongSsn: return "Error - Wrong SSN";
    case r::kErrorRequestAlreadyInProgress: return "Error - Request already in progress";
    case r::kErrorBadSequenceNumber: return "Error - Bad Sequence Number";
    case r::kInProgress: return "In progress";
    default: return "unknown";
  }
}

// --- Outgoing SSN Reset Request (§4.1) ------------------------------------------------------

Result<OutgoingSsnResetRequestParameter> OutgoingSsnResetRequestParameter::parse(const TlvView& p) {
  auto r = FixedReader<kFixedSize - 4>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "Outgoing SSN Reset Request");
  auto streams = parse_streams(r->tail(), p, kFixedSize);
  if (!streams.ok()) return streams.error();
  OutgoingSsnResetRequestParameter o;
  o.request_seq = ReconfigRequestSeq(r->u32<0>());
  o.response_seq = ReconfigRequestSeq(r->u32<4>());
  o.sender_last_tsn = Tsn(r->u32<8>());
  o.streams = std::move(*streams);
  return o;
}

void OutgoingSsnResetRequestParameter::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  w.u32(request_seq.value());
  w.u32(response_seq.value());
  w.u32(sender_last_tsn.value());
  for (StreamId s : streams) w.u16(s.value());
}

std::string OutgoingSsnResetRequestParameter::describe() const {
  return fmt::format("req_seq={} resp_seq={} last_tsn={} streams={}", request_seq.value(),
                     response_seq.value(), sender_last_tsn.value(), streams_text(streams));
}

// --- Incoming SSN Reset Request (§4.2) ------------------------------------------------------

Result<IncomingSsnResetRequestParameter> IncomingSsnResetRequestParameter::parse(const TlvView& p) {
  auto r = FixedReader<kFixedSize - 4>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "Incoming SSN Reset Request");
  auto streams = parse_streams(r->tail(), p, kFixedSize);
  if (!streams.ok()) return streams.error();
  IncomingSsnResetRequestParameter i;
  i.request_seq = ReconfigRequestSeq(r->u32<0>());
  i.streams = std::move(*streams);
  return i;
}

void IncomingSsnResetRequestParameter::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  w.u32(request_seq.value());
  for (StreamId s : streams) w.u16(s.value());
}

std::string IncomingSsnResetRequestParameter::describe() const {
  return fmt::format("req_seq={} streams={}", request_seq.value(), streams_text(streams));
}

// --- SSN/TSN Reset Request (§4.3) -----------------------------------------------------------

Result<SsnTsnResetRequestParameter> SsnTsnResetRequestParameter::parse(const TlvView& p) {
  auto r = exact_value<kSize - 4>(p, "SSN/TSN Reset Request");
  if (!r.ok()) return r.error();
  return SsnTsnResetRequestParameter{ReconfigRequestSeq(r->u32<0>())};
}

void SsnTsnResetRequestParameter::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(request_seq.value());
}

std::string SsnTsnResetRequestParameter::describe() const {
  return fmt::format("req_seq={}", request_seq.value());
}

// --- Re-configuration Response (§4.4) -------------------------------------------------------

Result<ReconfigurationResponseParameter> ReconfigurationResponseParameter::parse(const TlvView& p) {
  auto r = FixedReader<kShortSize - 4>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "Re-configuration Response");
  ReconfigurationResponseParameter resp;
  resp.response_seq = ReconfigRequestSeq(r->u32<0>());
  resp.result = r->u32<4>();
  if (p.value.size() == kShortSize - 4) return resp;
  // Only the 20-byte form exists beyond 12: one TSN without the other is malformed.
  auto l = FixedReader<kLongSize - 4>::make(p.value);
  if (!l || p.value.size() != kLongSize - 4)
    return make_error(ParseErrorCode::kLengthMismatch, p.offset, "Re-configuration Response");
  resp.next_tsns = NextTsns{Tsn(l->u32<8>()), Tsn(l->u32<12>())};
  return resp;
}

void ReconfigurationResponseParameter::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(response_seq.value());
  w.u32(result);
  if (next_tsns) {
    w.u32(next_tsns->sender_next_tsn.value());
    w.u32(next_tsns->receiver_next_tsn.value());
  }
}

std::string ReconfigurationResponseParameter::describe() const {
  std::string out = fmt::format("resp_seq={} result={} ({})", response_seq.value(), result,
                                reconfig_result_name(result));
  if (next_tsns) {
    out += fmt::format(" sender_next_tsn={} receiver_next_tsn={}",
                       next_tsns->sender_next_tsn.value(), next_tsns->receiver_next_tsn.value());
  }
  return out;
}

// --- Add Outgoing / Incoming Streams Request (§4.5, §4.6) -----------------------------------

template <std::uint16_t Type>
Result<AddStreamsRequestParameter<Type>> AddStreamsRequestParameter<Type>::parse(const TlvView& p) {
  auto r = exact_value<kSize - 4>(p, "Add Streams Request");
  if (!r.ok()) return r.error();
  AddStreamsRequestParameter a;
  a.request_seq = ReconfigRequestSeq(r->template u32<0>());
  a.new_streams = r->template u16<4>();  // the reserved 16 bits that follow are ignored
  return a;
}

template <std::uint16_t Type>
void AddStreamsRequestParameter<Type>::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(request_seq.value());
  w.u16(new_streams);
  w.u16(0);
}

template <std::uint16_t Type>
std::string AddStreamsRequestParameter<Type>::describe() const {
  return fmt::format("req_seq={} new_streams={}", request_seq.value(), new_streams);
}

template struct AddStreamsRequestParameter<parameter_type::kAddOutgoingStreamsRequest>;
template struct AddStreamsRequestParameter<parameter_type::kAddIncomingStreamsRequest>;

}  // namespace sctps::wire
