#include "wire/error_causes.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>
#include <utility>

namespace sctps::wire {
namespace {

ParseError length_mismatch(const TlvView& tlv, const char* what) {
  return make_error(ParseErrorCode::kLengthMismatch, tlv.offset, what);
}

Bytes capped(Bytes value) {
  return value.first(std::min(value.size(), kMaxCauseValueSize));
}

// A short human rendering of an opaque value: quoted text when it is printable ASCII (abort
// reasons usually are), hex otherwise; long values are cut.
std::string preview(Bytes b) {
  constexpr std::size_t kMaxText = 64;
  constexpr std::size_t kMaxHex = 32;
  if (b.empty()) return "";
  const bool text =
      std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7F; });
  std::string out;
  if (text) {
    const std::size_t n = std::min(b.size(), kMaxText);
    out = fmt::format(" \"{}\"", std::string_view(reinterpret_cast<const char*>(b.data()), n));
    if (n < b.size()) out += "...";
    return out;
  }
  out = " value=";
  const std::size_t n = std::min(b.size(), kMaxHex);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", b[i]);
  if (n < b.size()) out += "...";
  return out;
}

std::string describe_tlvs(Bytes value) {
  auto block = TlvBlock::parse(value);
  if (!block) return fmt::format(" len={} (malformed)", value.size());
  std::string out = " tlvs=[";
  bool first = true;
  for (const TlvView& t : *block) {
    out += fmt::format("{}0x{:04x}/{}", first ? "" : ", ", t.type, t.whole.size());
    first = false;
  }
  out += "]";
  return out;
}

// A fixed 8-byte cause: 4 bytes of value exactly.
std::optional<FixedReader<4>> fixed4(const TlvView& tlv) {
  if (tlv.value.size() != 4) return std::nullopt;
  return FixedReader<4>::make(tlv.value);
}

}  // namespace

// ---- fixed-size causes ----

Result<InvalidStreamIdentifierCause> InvalidStreamIdentifierCause::parse(const TlvView& tlv) {
  auto r = fixed4(tlv);
  if (!r) return length_mismatch(tlv, "Invalid Stream Identifier length");
  // The 16 reserved bits after the stream id are ignored (§3.3.10.1).
  return InvalidStreamIdentifierCause{StreamId(r->u16<0>())};
}

void InvalidStreamIdentifierCause::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u16(stream_id.value());
  w.u16(0);
}

std::string InvalidStreamIdentifierCause::describe() const {
  return fmt::format("{} stream={}", error_cause_name(kType), stream_id.value());
}

Result<StaleCookieCause> StaleCookieCause::parse(const TlvView& tlv) {
  auto r = fixed4(tlv);
  if (!r) return length_mismatch(tlv, "Stale Cookie length");
  return StaleCookieCause{r->u32<0>()};
}

void StaleCookieCause::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(staleness_us);
}

std::string StaleCookieCause::describe() const {
  return fmt::format("{} staleness_us={}", error_cause_name(kType), staleness_us);
}

Result<NoUserDataCause> NoUserDataCause::parse(const TlvView& tlv) {
  auto r = fixed4(tlv);
  if (!r) return length_mismatch(tlv, "No User Data length");
  return NoUserDataCause{Tsn(r->u32<0>())};
}

void NoUserDataCause::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(tsn.value());
}

std::string NoUserDataCause::describe() const {
  return fmt::format("{} tsn={}", error_cause_name(kType), tsn.value());
}

// ---- Missing Mandatory Parameter ----

Result<MissingMandatoryParameterCause> MissingMandatoryParameterCause::parse(const TlvView& tlv) {
  auto r = FixedReader<4>::make(tlv.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, tlv.offset, "Missing Mandatory count");
  const std::uint64_t count = r->u32<0>();
  const Bytes list = r->tail();
  // The count is the only size the receiver can trust to be meant; the length must agree with it.
  if (count * 2 != list.size()) return length_mismatch(tlv, "Missing Mandatory count vs length");
  MissingMandatoryParameterCause c;
  c.missing_types.reserve(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i + 2 <= list.size(); i += 2)
    c.missing_types.push_back(load_be16(list.data() + i));
  return c;
}

std::size_t MissingMandatoryParameterCause::encoded_size() const {
  return 8 + 2 * std::min(missing_types.size(), kMaxTypes);
}

void MissingMandatoryParameterCause::encode(ByteWriter& w) const {
  const std::size_t n = std::min(missing_types.size(), kMaxTypes);
  TlvScope scope(w, kType);
  w.u32(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) w.u16(missing_types[i]);
}

std::string MissingMandatoryParameterCause::describe() const {
  std::string out = fmt::format("{} types=[", error_cause_name(kType));
  for (std::size_t i = 0; i < missing_types.size(); ++i)
    out += fmt::format("{}0x{:04x}", i == 0 ? "" : ", ", missing_types[i]);
  out += "]";
  return out;
}

// ---- empty causes ----

template <std::uint16_t Code>
Result<EmptyCause<Code>> EmptyCause<Code>::parse(const TlvView& tlv) {
  if (!tlv.value.empty()) return length_mismatch(tlv, "empty cause with a value");
  return EmptyCause{};
}

template <std::uint16_t Code>
void EmptyCause<Code>::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
}

template <std::uint16_t Code>
std::string EmptyCause<Code>::describe() const {
  return std::string(error_cause_name(kType));
}

// ---- byte-string causes ----

template <std::uint16_t Code, CauseBody Body>
Result<BytesCause<Code, Body>> BytesCause<Code, Body>::parse(const TlvView& tlv) {
  if constexpr (Body == CauseBody::kTlvs) {
    auto block = TlvBlock::parse(tlv.value);
    if (!block) {
      ParseError e = block.error();
      e.offset = static_cast<std::uint32_t>(tlv.offset + 4 + e.offset);
      return e;
    }
  }
  return BytesCause{tlv.value};
}

template <std::uint16_t Code, CauseBody Body>
std::size_t BytesCause<Code, Body>::encoded_size() const {
  return 4 + capped(value).size();
}

template <std::uint16_t Code, CauseBody Body>
void BytesCause<Code, Body>::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.bytes(capped(value));
}

template <std::uint16_t Code, CauseBody Body>
std::string BytesCause<Code, Body>::describe() const {
  const std::string_view name = error_cause_name(kType);
  if constexpr (Body == CauseBody::kTlvs) {
    return fmt::format("{}{}", name, describe_tlvs(value));
  } else if constexpr (Body == CauseBody::kChunk) {
    if (value.empty()) return fmt::format("{} len=0", name);
    return fmt::format("{} chunk=0x{:02x} len={}", name, value[0], value.size());
  } else {
    return fmt::format("{} len={}{}", name, value.size(), preview(value));
  }
}

template struct EmptyCause<cause_code::kOutOfResource>;
template struct EmptyCause<cause_code::kInvalidMandatoryParameter>;
template struct EmptyCause<cause_code::kCookieReceivedWhileShuttingDown>;
template struct EmptyCause<cause_code::kMissingDtlsChunkSupport>;
template struct EmptyCause<cause_code::kNoCommonDtlsKeyManagement>;
template struct EmptyCause<cause_code::kDtlsKeyManagementTieBreakerCollision>;
template struct EmptyCause<cause_code::kIncompatibleDtlsKeyManagementRoles>;
template struct BytesCause<cause_code::kUnresolvableAddress, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kUnrecognizedChunkType, CauseBody::kChunk>;
template struct BytesCause<cause_code::kUnrecognizedParameters, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kRestartWithNewAddresses, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kUserInitiatedAbort, CauseBody::kOpaque>;
template struct BytesCause<cause_code::kProtocolViolation, CauseBody::kOpaque>;
template struct BytesCause<cause_code::kDeleteLastRemainingAddress, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kResourceShortage, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kDeleteSourceAddress, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kIllegalAsconfAck, CauseBody::kTlvs>;
template struct BytesCause<cause_code::kNoAuthorization, CauseBody::kTlvs>;

// ---- unknown ----

Result<UnknownCause> UnknownCause::parse(const TlvView& tlv) {
  return UnknownCause{tlv.type, tlv.value};
}

std::size_t UnknownCause::encoded_size() const {
  return 4 + capped(value).size();
}

void UnknownCause::encode(ByteWriter& w) const {
  TlvScope scope(w, code);
  w.bytes(capped(value));
}

std::string UnknownCause::describe() const {
  return fmt::format("unknown cause 0x{:04x} len={}{}", code, value.size(), preview(value));
}

// ---- the variant ----

namespace {

template <typename T>
Result<ErrorCause> parse_as(const TlvView& tlv) {
  auto r = T::parse(tlv);
  if (!r) return r.error();
  return ErrorCause(std::move(*r));
}

}  // namespace

Result<ErrorCause> parse_error_cause(const TlvView& tlv) {
  namespace c = cause_code;
  switch (tlv.type) {
    case c::kInvalidStreamIdentifier: return parse_as<InvalidStreamIdentifierCause>(tlv);
    case c::kMissingMandatoryParameter: return parse_as<MissingMandatoryParameterCause>(tlv);
    case c::kStaleCookie: return parse_as<StaleCookieCause>(tlv);
    case c::kOutOfResource: return parse_as<OutOfResourceCause>(tlv);
    case c::kUnresolvableAddress: return parse_as<UnresolvableAddressCause>(tlv);
    case c::kUnrecognizedChunkType: return parse_as<UnrecognizedChunkTypeCause>(tlv);
    case c::kInvalidMandatoryParameter: return parse_as<InvalidMandatoryParameterCause>(tlv);
    case c::kUnrecognizedParameters: return parse_as<UnrecognizedParametersCause>(tlv);
    case c::kNoUserData: return parse_as<NoUserDataCause>(tlv);
    case c::kCookieReceivedWhileShuttingDown:
      return parse_as<CookieReceivedWhileShuttingDownCause>(tlv);
    case c::kRestartWithNewAddresses: return parse_as<RestartWithNewAddressesCause>(tlv);
    case c::kUserInitiatedAbort: return parse_as<UserInitiatedAbortCause>(tlv);
    case c::kProtocolViolation: return parse_as<ProtocolViolationCause>(tlv);
    case c::kDeleteLastRemainingAddress: return parse_as<DeleteLastRemainingAddressCause>(tlv);
    case c::kResourceShortage: return parse_as<ResourceShortageCause>(tlv);
    case c::kDeleteSourceAddress: return parse_as<DeleteSourceAddressCause>(tlv);
    case c::kIllegalAsconfAck: return parse_as<IllegalAsconfAckCause>(tlv);
    case c::kNoAuthorization: return parse_as<NoAuthorizationCause>(tlv);
    case c::kMissingDtlsChunkSupport: return parse_as<MissingDtlsChunkSupportCause>(tlv);
    case c::kNoCommonDtlsKeyManagement: return parse_as<NoCommonDtlsKeyManagementCause>(tlv);
    case c::kDtlsKeyManagementTieBreakerCollision:
      return parse_as<DtlsKeyManagementTieBreakerCollisionCause>(tlv);
    case c::kIncompatibleDtlsKeyManagementRoles:
      return parse_as<IncompatibleDtlsKeyManagementRolesCause>(tlv);
    default: return parse_as<UnknownCause>(tlv);
  }
}

Result<std::vector<ErrorCause>> parse_error_causes(const TlvBlock& block) {
  std::vector<ErrorCause> out;
  out.reserve(block.count());
  for (const TlvView& tlv : block) {
    auto c = parse_error_cause(tlv);
    if (!c) return c.error();
    out.push_back(std::move(*c));
  }
  return out;
}

void encode_error_cause(ByteWriter& w, const ErrorCause& cause) {
  std::visit([&w](const auto& c) { c.encode(w); }, cause);
}

std::size_t error_cause_encoded_size(const ErrorCause& cause) {
  return padded4(std::visit([](const auto& c) { return c.encoded_size(); }, cause));
}

std::uint16_t error_cause_code(const ErrorCause& cause) {
  return std::visit(
      [](const auto& c) -> std::uint16_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(c)>, UnknownCause>) {
          return c.code;
        } else {
          return std::decay_t<decltype(c)>::kType;
        }
      },
      cause);
}

std::string describe_error_cause(const ErrorCause& cause) {
  return std::visit([](const auto& c) { return c.describe(); }, cause);
}

std::string_view error_cause_name(std::uint16_t code) {
  namespace c = cause_code;
  switch (code) {
    case c::kInvalidStreamIdentifier: return "Invalid Stream Identifier";
    case c::kMissingMandatoryParameter: return "Missing Mandatory Parameter";
    case c::kStaleCookie: return "Stale Cookie";
    case c::kOutOfResource: return "Out of Resource";
    case c::kUnresolvableAddress: return "Unresolvable Address";
    case c::kUnrecognizedChunkType: return "Unrecognized Chunk Type";
    case c::kInvalidMandatoryParameter: return "Invalid Mandatory Parameter";
    case c::kUnrecognizedParameters: return "Unrecognized Parameters";
    case c::kNoUserData: return "No User Data";
    case c::kCookieReceivedWhileShuttingDown: return "Cookie Received While Shutting Down";
    case c::kRestartWithNewAddresses: return "Restart of an Association with New Addresses";
    case c::kUserInitiatedAbort: return "User-Initiated Abort";
    case c::kProtocolViolation: return "Protocol Violation";
    case c::kMissingDtlsChunkSupport: return "Missing DTLS Chunk Support";
    case c::kNoCommonDtlsKeyManagement: return "No Common DTLS Key Management Method";
    case c::kDtlsKeyManagementTieBreakerCollision:
      return "DTLS Key Management Tie Breaker Collision";
    case c::kIncompatibleDtlsKeyManagementRoles: return "Incompatible DTLS Key Management Roles";
    case c::kDeleteLastRemainingAddress: return "Request to Delete Last Remaining IP Address";
    case c::kResourceShortage: return "Operation Refused Due to Resource Shortage";
    case c::kDeleteSourceAddress: return "Request to Delete Source IP Address";
    case c::kIllegalAsconfAck: return "Association Aborted Due to Illegal ASCONF-ACK";
    case c::kNoAuthorization: return "Request Refused - No Authorization";
    default: return "unknown";
  }
}

std::size_t error_causes_encoded_size(std::span<const ErrorCause> causes) {
  std::size_t total = 0;
  for (const ErrorCause& c : causes) total += error_cause_encoded_size(c);
  return total;
}

std::optional<Bytes> encode_error_causes(std::span<const ErrorCause> causes, MutableBytes out) {
  const std::size_t total = error_causes_encoded_size(causes);
  if (total > out.size()) return std::nullopt;
  std::size_t last_padding = 0;
  if (!causes.empty()) {
    const std::size_t last =
        std::visit([](const auto& c) { return c.encoded_size(); }, causes.back());
    last_padding = padded4(last) - last;
  }
  const std::size_t unpadded = total - last_padding;
  // The enclosing chunk's 16-bit length counts its 4-byte header and the causes.
  if (unpadded > 0xFFFF - 4) return std::nullopt;
  ByteWriter w(out);
  for (const ErrorCause& c : causes) encode_error_cause(w, c);
  if (w.overflowed() || w.size() != total) return std::nullopt;
  return Bytes(out.data(), unpadded);
}

}  // namespace sctps::wire
