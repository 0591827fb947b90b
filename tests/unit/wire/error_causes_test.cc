#include "wire/error_causes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/hex.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;

Bytes text(const char* s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s), std::char_traits<char>::length(s));
}

std::vector<std::uint8_t> encode(const ErrorCause& c) {
  std::vector<std::uint8_t> buf(error_cause_encoded_size(c) + 8, 0xEE);
  ByteWriter w(buf);
  encode_error_cause(w, c);
  EXPECT_FALSE(w.overflowed());
  EXPECT_EQ(w.size(), error_cause_encoded_size(c));
  buf.resize(w.size());
  return buf;
}

// Parses the first cause of a cause block given in hex.
Result<ErrorCause> parse_first(const std::vector<std::uint8_t>& bytes) {
  auto block = TlvBlock::parse(bytes);
  if (!block) return block.error();
  if (block->empty()) return make_error(ParseErrorCode::kTruncated, 0, "test: empty block");
  return parse_error_cause(*block->begin());
}

// Hand-derived encodings (with padding) from the layouts of RFC 9260 §3.3.10, RFC 5061 §5.2 and
// the DTLS chunk draft §4.3.
struct Vector {
  const char* name;
  ErrorCause cause;
  std::string hex;
};

// Payloads the vectors point at; they live as long as the test binary.
const auto kIpv4Param = from_hex("00050008 c0000201");  // IPv4 192.0.2.1
const auto kChunkCopy = from_hex("f8000005 aa");        // chunk 0xF8, 1 byte value
const auto kOddParam = from_hex("abcd0005 78000000");   // param 0xABCD, padded
const auto kNewAddr = from_hex("00050008 0a000001");    // IPv4 10.0.0.1
const auto kAsconfParam = from_hex("c0020010 00000001 00050008 c0a80001");  // Delete IP Address
const auto kUnknownValue = from_hex("abcd");

std::vector<Vector> vectors() {
  return {
      {"invalid_stream", InvalidStreamIdentifierCause{StreamId(5)}, "00010008 00050000"},
      {"missing_mandatory", MissingMandatoryParameterCause{{0x0007, 0x0009, 0xC000}},
       "0002000e 00000003 00070009 c0000000"},
      {"missing_mandatory_none", MissingMandatoryParameterCause{}, "00020008 00000000"},
      {"stale_cookie", StaleCookieCause{0x01020304}, "00030008 01020304"},
      {"out_of_resource", OutOfResourceCause{}, "00040004"},
      {"unresolvable", UnresolvableAddressCause{kIpv4Param}, "0005000c 00050008 c0000201"},
      {"unrecognized_chunk", UnrecognizedChunkTypeCause{kChunkCopy}, "00060009 f8000005 aa000000"},
      {"invalid_mandatory", InvalidMandatoryParameterCause{}, "00070004"},
      {"unrecognized_params", UnrecognizedParametersCause{kOddParam}, "0008000c abcd0005 78000000"},
      {"no_user_data", NoUserDataCause{Tsn(0xDEADBEEF)}, "00090008 deadbeef"},
      {"cookie_shutdown", CookieReceivedWhileShuttingDownCause{}, "000a0004"},
      {"restart_new_addrs", RestartWithNewAddressesCause{kNewAddr}, "000b000c 00050008 0a000001"},
      {"user_abort", UserInitiatedAbortCause{text("bye")}, "000c0007 62796500"},
      {"user_abort_empty", UserInitiatedAbortCause{}, "000c0004"},
      {"protocol_violation", ProtocolViolationCause{text("x")}, "000d0005 78000000"},
      {"delete_last", DeleteLastRemainingAddressCause{kAsconfParam},
       "00a00014 c0020010 00000001 00050008 c0a80001"},
      {"resource_shortage", ResourceShortageCause{kAsconfParam},
       "00a10014 c0020010 00000001 00050008 c0a80001"},
      {"delete_source", DeleteSourceAddressCause{kAsconfParam},
       "00a20014 c0020010 00000001 00050008 c0a80001"},
      {"illegal_asconf_ack", IllegalAsconfAckCause{}, "00a30004"},
      {"no_authorization", NoAuthorizationCause{kAsconfParam},
       "00a40014 c0020010 00000001 00050008 c0a80001"},
      {"dtls_missing", MissingDtlsChunkSupportCause{}, "00640004"},
      {"dtls_no_common", NoCommonDtlsKeyManagementCause{}, "00650004"},
      {"dtls_tie", DtlsKeyManagementTieBreakerCollisionCause{}, "00660004"},
      {"dtls_roles", IncompatibleDtlsKeyManagementRolesCause{}, "00670004"},
      {"unknown", UnknownCause{0x1234, kUnknownValue}, "12340006 abcd0000"},
  };
}

std::string strip(std::string s) {
  std::erase(s, ' ');
  return s;
}

TEST(ErrorCauses, ByteExactEncodingAndRoundTrip) {
  for (const Vector& v : vectors()) {
    SCOPED_TRACE(v.name);
    const auto bytes = encode(v.cause);
    EXPECT_EQ(to_hex(bytes), strip(v.hex));
    auto back = parse_first(bytes);
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(back->index(), v.cause.index());
    EXPECT_EQ(*back, v.cause);
    EXPECT_EQ(error_cause_code(*back), error_cause_code(v.cause));
    EXPECT_EQ(error_cause_code(v.cause), load_be16(bytes.data()));
    // Stable round trip.
    EXPECT_EQ(encode(*back), bytes);
  }
}

TEST(ErrorCauses, EveryVariantAlternativeIsCovered) {
  std::vector<bool> seen(std::variant_size_v<ErrorCause>, false);
  for (const Vector& v : vectors()) seen[v.cause.index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "alternative " << i;
}

TEST(ErrorCauses, CodesAndNames) {
  EXPECT_EQ(cause_code::kInvalidStreamIdentifier, 1);
  EXPECT_EQ(cause_code::kProtocolViolation, 13);
  EXPECT_EQ(cause_code::kDeleteLastRemainingAddress, 0xA0);
  EXPECT_EQ(cause_code::kNoAuthorization, 0xA4);
  EXPECT_EQ(cause_code::kMissingDtlsChunkSupport, 100);
  EXPECT_EQ(cause_code::kIncompatibleDtlsKeyManagementRoles, 103);
  EXPECT_EQ(error_cause_name(3), "Stale Cookie");
  EXPECT_EQ(error_cause_name(0xA3), "Association Aborted Due to Illegal ASCONF-ACK");
  EXPECT_EQ(error_cause_name(102), "DTLS Key Management Tie Breaker Collision");
  EXPECT_EQ(error_cause_name(14), "unknown");
  EXPECT_EQ(error_cause_name(0xFFFF), "unknown");
  for (const Vector& v : vectors()) {
    if (std::holds_alternative<UnknownCause>(v.cause)) continue;
    EXPECT_NE(error_cause_name(error_cause_code(v.cause)), "unknown") << v.name;
  }
}

TEST(ErrorCauses, Describe) {
  EXPECT_EQ(describe_error_cause(InvalidStreamIdentifierCause{StreamId(5)}),
            "Invalid Stream Identifier stream=5");
  EXPECT_EQ(describe_error_cause(StaleCookieCause{1500}), "Stale Cookie staleness_us=1500");
  EXPECT_EQ(describe_error_cause(NoUserDataCause{Tsn(77)}), "No User Data tsn=77");
  EXPECT_EQ(describe_error_cause(MissingMandatoryParameterCause{{7, 0xC000}}),
            "Missing Mandatory Parameter types=[0x0007, 0xc000]");
  EXPECT_EQ(describe_error_cause(OutOfResourceCause{}), "Out of Resource");
  EXPECT_EQ(describe_error_cause(UserInitiatedAbortCause{text("bye")}),
            "User-Initiated Abort len=3 \"bye\"");
  EXPECT_EQ(describe_error_cause(ProtocolViolationCause{kUnknownValue}),
            "Protocol Violation len=2 value=abcd");
  EXPECT_EQ(describe_error_cause(UnrecognizedChunkTypeCause{kChunkCopy}),
            "Unrecognized Chunk Type chunk=0xf8 len=5");
  EXPECT_EQ(describe_error_cause(UnresolvableAddressCause{kIpv4Param}),
            "Unresolvable Address tlvs=[0x0005/8]");
  EXPECT_EQ(describe_error_cause(UnknownCause{0x1234, kUnknownValue}),
            "unknown cause 0x1234 len=2 value=abcd");
}

TEST(ErrorCauses, Accessors) {
  UnrecognizedChunkTypeCause c{kChunkCopy};
  ASSERT_TRUE(c.copied_chunk_type().has_value());
  EXPECT_EQ(*c.copied_chunk_type(), 0xF8);
  EXPECT_FALSE(UnrecognizedChunkTypeCause{}.copied_chunk_type().has_value());

  const auto two = from_hex("00050008 c0000201 00060014 20010db8 00000000 00000000 00000001");
  RestartWithNewAddressesCause r{two};
  auto block = r.tlvs();
  ASSERT_TRUE(block.ok());
  ASSERT_EQ(block->count(), 2u);
  auto it = block->begin();
  EXPECT_EQ(it->type, 5);
  ++it;
  EXPECT_EQ(it->type, 6);
  EXPECT_EQ(it->value.size(), 16u);
}

TEST(ErrorCauses, ReservedBitsIgnoredAndZeroedOnSend) {
  const auto bytes = from_hex("00010008 0005ffff");
  auto c = parse_first(bytes);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::get<InvalidStreamIdentifierCause>(*c).stream_id, StreamId(5));
  EXPECT_EQ(to_hex(encode(*c)), "0001000800050000");
}

TEST(ErrorCauses, LastCausePaddingMayBeMissing) {
  const auto bytes = from_hex("00040004 000c0007 627965");
  auto block = TlvBlock::parse(bytes);
  ASSERT_TRUE(block.ok());
  auto all = parse_error_causes(*block);
  ASSERT_TRUE(all.ok()) << to_string(all.error());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE(std::holds_alternative<OutOfResourceCause>((*all)[0]));
  EXPECT_EQ((*all)[1], ErrorCause(UserInitiatedAbortCause{text("bye")}));
}

TEST(ErrorCauses, FixedSizeLengthMismatch) {
  const char* bad[] = {
      "00010006 00050000",           // Invalid Stream Identifier, length 6
      "0001000c 00050000 00000000",  // Invalid Stream Identifier, length 12
      "00030004",                    // Stale Cookie without value
      "00030007 01020300",           // Stale Cookie, length 7
      "00090009 00000001 00000000",  // No User Data, length 9
      "00090004",                    // No User Data without TSN
      "00040008 00000000",           // Out of Resource with a value
      "00070005 00000000",           // Invalid Mandatory Parameter, length 5
      "000a0008 00000000",           // Cookie Received While Shutting Down with a value
      "00640005 00000000",           // DTLS causes: exactly 4
      "00650008 00000000",           //
      "00660006 00000000",           //
      "00670008 00000000",           //
  };
  for (const char* h : bad) {
    auto r = parse_first(from_hex(h));
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch) << h;
    EXPECT_EQ(r.error().offset, 0u) << h;
  }
}

TEST(ErrorCauses, MissingMandatoryMalformed) {
  // Shorter than the count field.
  auto r = parse_first(from_hex("00020006 00000000"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kTruncated);
  r = parse_first(from_hex("00020004"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kTruncated);
  // Count 2, one type present.
  r = parse_first(from_hex("0002000a 00000002 00070000"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch);
  // Count 1, two types present.
  r = parse_first(from_hex("0002000c 00000001 00070009"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch);
  // A huge count must not wrap around or allocate.
  r = parse_first(from_hex("00020008 ffffffff"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch);
  r = parse_first(from_hex("0002000a 80000001 0007"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kLengthMismatch);
  // Odd count, padded: valid.
  r = parse_first(from_hex("0002000a 00000001 00070000"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<MissingMandatoryParameterCause>(*r).missing_types,
            std::vector<std::uint16_t>{7});
}

TEST(ErrorCauses, NestedTlvFramingErrors) {
  // Second cause (at offset 4) holds a parameter claiming 16 bytes of which 8 exist.
  const auto overrun = from_hex("00040004 0008000c abcd0010 00000000");
  auto block = TlvBlock::parse(overrun);
  ASSERT_TRUE(block.ok());
  auto all = parse_error_causes(*block);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(all.error().offset, 8u);  // the inner parameter's header

  // Inner length below 4.
  auto r = parse_first(from_hex("00050008 00050002"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kBadLength);
  EXPECT_EQ(r.error().offset, 4u);

  // Second inner parameter's header cut short.
  r = parse_first(from_hex("000b000e 00050008 0a000001 0005"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kParameterOverrun);
  EXPECT_EQ(r.error().offset, 12u);

  for (const char* h : {"00a00006 c002", "00a10006 c002", "00a20006 c002", "00a30006 c002",
                        "00a40006 c002", "00080006 c002"}) {
    r = parse_first(from_hex(h));
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().code, ParseErrorCode::kParameterOverrun) << h;
  }

  // Opaque values and chunk copies are not framed: anything goes.
  for (const char* h : {"00060006 f800", "000c0006 0002", "000d0006 0002", "99990006 0002"}) {
    r = parse_first(from_hex(h));
    EXPECT_TRUE(r.ok()) << h;
  }
}

TEST(ErrorCauses, EncodeListForChunk) {
  const std::vector<ErrorCause> causes{OutOfResourceCause{}, UserInitiatedAbortCause{text("bye")}};
  EXPECT_EQ(error_causes_encoded_size(causes), 12u);
  std::vector<std::uint8_t> buf(12, 0xEE);
  auto out = encode_error_causes(causes, buf);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->data(), buf.data());
  // The last cause's padding is written but not part of the returned span.
  EXPECT_EQ(to_hex(*out), "00040004000c0007627965");
  EXPECT_EQ(buf[11], 0);
  // Parses back.
  auto block = TlvBlock::parse(*out);
  ASSERT_TRUE(block.ok());
  auto back = parse_error_causes(*block);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, causes);

  std::vector<std::uint8_t> small(11);
  EXPECT_FALSE(encode_error_causes(causes, small).has_value());

  auto none = encode_error_causes({}, small);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  // More than one chunk can carry.
  const std::vector<std::uint8_t> big(40000, 'a');
  const std::vector<ErrorCause> two{ProtocolViolationCause{big}, ProtocolViolationCause{big}};
  std::vector<std::uint8_t> huge(error_causes_encoded_size(two));
  EXPECT_FALSE(encode_error_causes(two, huge).has_value());
  const std::vector<ErrorCause> one{ProtocolViolationCause{big}};
  EXPECT_TRUE(encode_error_causes(one, huge).has_value());
}

TEST(ErrorCauses, LengthLimitIsRespected) {
  const std::vector<std::uint8_t> big(70000, 'z');
  const ErrorCause c = UserInitiatedAbortCause{big};
  EXPECT_EQ(std::get<UserInitiatedAbortCause>(c).encoded_size(), 0xFFFFu);
  const auto bytes = encode(c);
  EXPECT_EQ(bytes.size(), 0x10000u);
  EXPECT_EQ(load_be16(bytes.data() + 2), 0xFFFF);
  auto back = parse_first(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<UserInitiatedAbortCause>(*back).value.size(), kMaxCauseValueSize);

  MissingMandatoryParameterCause m;
  m.missing_types.assign(MissingMandatoryParameterCause::kMaxTypes + 3, 0x0007);
  const auto mb = encode(m);
  EXPECT_LE(mb.size(), 0x10000u);
  EXPECT_EQ(load_be16(mb.data() + 2), 8 + 2 * MissingMandatoryParameterCause::kMaxTypes);
  EXPECT_EQ(load_be32(mb.data() + 4), MissingMandatoryParameterCause::kMaxTypes);
  auto mback = parse_first(mb);
  ASSERT_TRUE(mback.ok()) << to_string(mback.error());
  EXPECT_EQ(std::get<MissingMandatoryParameterCause>(*mback).missing_types.size(),
            MissingMandatoryParameterCause::kMaxTypes);
}

TEST(ErrorCauses, UnknownKeepsCodeAndValue) {
  const auto bytes = from_hex("beef0009 0102030405000000");  // outlives the zero-copy view
  auto r = parse_first(bytes);
  ASSERT_TRUE(r.ok());
  const auto& u = std::get<UnknownCause>(*r);
  EXPECT_EQ(u.code, 0xBEEF);
  EXPECT_EQ(to_hex(u.value), "0102030405");
  EXPECT_EQ(error_cause_code(*r), 0xBEEF);
  EXPECT_EQ(to_hex(encode(*r)), "beef00090102030405000000");
}

}  // namespace
}  // namespace sctps::wire
