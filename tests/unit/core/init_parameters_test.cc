#include "core/handshake/init_parameters.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "core/handshake/capabilities.h"
#include "support/hex.h"
#include "support/json.h"
#include "wire/chunk_type.h"
#include "wire/error_causes.h"
#include "wire/tlv.h"

namespace sctps::core {
namespace {

using test::from_hex;

// Keeps the bytes alive for the TlvBlock views.
struct Block {
  std::vector<std::uint8_t> bytes;
  wire::TlvBlock block() const {
    auto b = wire::TlvBlock::parse(bytes);
    EXPECT_TRUE(b.ok());
    return b.ok() ? *b : *wire::TlvBlock::parse(wire::Bytes{});
  }
  InitParameterScan scan(bool is_init_ack) const {
    return scan_init_parameters(block(), is_init_ack);
  }
};

Block hex_block(const std::string& hex) {
  return Block{from_hex(hex)};
}

const IpAddress kAddr1 = *IpAddress::parse("192.0.2.1");

TEST(InitParameters, PocCaptureInit) {
  const auto json =
      test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/poc-capture-packets.json");
  const auto packet = from_hex(json["packets"][0]["hex"].str());
  ASSERT_EQ(packet[12], wire::chunk_type::kInit);
  const std::size_t chunk_len = wire::load_be16(&packet[14]);
  ASSERT_EQ(chunk_len, 36u);
  const Block b{std::vector<std::uint8_t>(packet.begin() + 32, packet.begin() + 12 + 36)};
  const auto s = b.scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.cookie_preservative_ms, 0u);
  // 0x8005 is PAD (RFC 4820) to this codec: ignored by definition, never reported.
  EXPECT_TRUE(s.unrecognized.empty());
  EXPECT_TRUE(s.ignored_types.empty());
  EXPECT_FALSE(s.stopped);
  EXPECT_TRUE(s.addresses.empty());
  EXPECT_FALSE(s.host_name_present());
  EXPECT_FALSE(s.forward_tsn_supported);
  EXPECT_FALSE(s.supported_extensions.has_value());
  EXPECT_TRUE(s.accepts(IpAddress::Family::kV4));
}

// Cookie Preservative, the unknown type under test (4-byte value), then an IPv4 address.
Block with_unknown(const char* type) {
  return hex_block(std::string("00090008 000003e8 ") + type + "0008 aabbccdd 00050008 c0000201");
}

TEST(InitParameters, UnknownStop) {
  const auto s = with_unknown("0123").scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.stopped_at_type, 0x0123);
  EXPECT_TRUE(s.unrecognized.empty());
  EXPECT_EQ(s.cookie_preservative_ms, 1000u);
  EXPECT_TRUE(s.addresses.empty());  // after the stop: not processed
}

TEST(InitParameters, UnknownStopAndReport) {
  const auto s = with_unknown("4123").scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.stopped_at_type, 0x4123);
  ASSERT_EQ(s.unrecognized.size(), 1u);
  EXPECT_EQ(s.unrecognized[0], from_hex("41230008 aabbccdd"));
  EXPECT_TRUE(s.addresses.empty());
}

TEST(InitParameters, UnknownSkip) {
  const auto s = with_unknown("8123").scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(s.stopped);
  EXPECT_TRUE(s.unrecognized.empty());
  ASSERT_EQ(s.addresses.size(), 1u);
  EXPECT_EQ(s.addresses[0], kAddr1);
}

TEST(InitParameters, UnknownSkipAndReport) {
  const auto s = with_unknown("c123").scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(s.stopped);
  ASSERT_EQ(s.unrecognized.size(), 1u);
  EXPECT_EQ(s.unrecognized[0], from_hex("c1230008 aabbccdd"));
  ASSERT_EQ(s.addresses.size(), 1u);
}

TEST(InitParameters, ReportsKeepOriginalBytesAndPadForTheCause) {
  // Two reports, the first with a 5-byte value (length 9, 3 padding bytes on the wire).
  const auto s = hex_block("c1230009 0102030405000000 c2340004").scan(true /* INIT ACK */);
  EXPECT_EQ(s.error, InitScanError::kMissingStateCookie);
  ASSERT_EQ(s.unrecognized.size(), 2u);
  EXPECT_EQ(s.unrecognized[0], from_hex("c1230009 0102030405"));
  EXPECT_EQ(s.unrecognized[1], from_hex("c2340004"));
  const auto value = s.unrecognized_cause_value();
  EXPECT_EQ(value, from_hex("c1230009 0102030405000000 c2340004"));
  // The value is what an Unrecognized Parameters cause carries (RFC 9260 §3.3.10.8).
  const wire::UnrecognizedParametersCause cause{value};
  std::vector<std::uint8_t> buf(wire::error_cause_encoded_size(cause));
  wire::ByteWriter w(buf);
  wire::encode_error_cause(w, cause);
  auto parsed_block = wire::TlvBlock::parse(buf);
  ASSERT_TRUE(parsed_block.ok());
  auto parsed = wire::parse_error_cause(*parsed_block->begin());
  ASSERT_TRUE(parsed.ok());
  auto tlvs = std::get<wire::UnrecognizedParametersCause>(*parsed).tlvs();
  ASSERT_TRUE(tlvs.ok());
  EXPECT_EQ(tlvs->count(), 2u);
}

TEST(InitParameters, ReportsAreCapped) {
  std::string hex;
  for (int i = 0; i < 200; ++i) hex += "c1230010 00000000 00000000 00000000 ";  // 16 bytes each
  const auto s = hex_block(hex).scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.unrecognized.size(), InitParameterScan::kMaxReportBytes / 16);
  EXPECT_TRUE(s.reports_truncated);
}

TEST(InitParameters, AddressesDeduplicatedAndCapped) {
  std::string hex =
      "00050008 c0000201 00060014 20010db8000000000000000000000001 00050008 c0000201 ";
  for (int i = 0; i < 100; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "00050008 0a0000%02x ", i);
    hex += buf;
  }
  const auto s = hex_block(hex).scan(false);
  EXPECT_TRUE(s.ok());
  ASSERT_EQ(s.addresses.size(), InitParameterScan::kMaxAddresses);
  EXPECT_EQ(s.addresses[0], kAddr1);
  EXPECT_EQ(s.addresses[1], *IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(s.addresses[2], *IpAddress::parse("10.0.0.0"));
  EXPECT_TRUE(s.addresses_truncated);
}

TEST(InitParameters, HostNameIsReported) {
  // "example.com" + NUL: length 16.
  const auto s = hex_block("000b0010 6578616d706c652e636f6d00 00050008 c0000201").scan(false);
  EXPECT_TRUE(s.ok());
  ASSERT_TRUE(s.host_name_present());
  EXPECT_EQ(*s.host_name_parameter, from_hex("000b0010 6578616d706c652e636f6d00"));
  EXPECT_EQ(s.addresses.size(), 1u);  // scanning continues
  // Ready for the Unresolvable Address cause (§3.3.10.5): its value is the whole parameter.
  EXPECT_TRUE(wire::TlvBlock::parse(*s.host_name_parameter).ok());
}

TEST(InitParameters, MissingCookieInInitAck) {
  const auto s = hex_block("00050008 c0000201").scan(true);
  EXPECT_EQ(s.error, InitScanError::kMissingStateCookie);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.addresses.size(), 1u);
  const auto empty = Block{}.scan(true);
  EXPECT_EQ(empty.error, InitScanError::kMissingStateCookie);
}

TEST(InitParameters, CookieBehindStopIsMissing) {
  const auto s = hex_block("01230004 00070008 01020304").scan(true);
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.error, InitScanError::kMissingStateCookie);
}

TEST(InitParameters, CookieInInitAck) {
  const auto s = hex_block("00070007 010203 00 00050008 c0000201").scan(true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s.state_cookie, from_hex("010203"));
}

TEST(InitParameters, MisplacedKnownParametersAreIgnored) {
  // State Cookie and Unrecognized Parameter in an INIT, Heartbeat Info, then an address.
  auto s = hex_block("00070008 01020304 00080008 c1230004 00010008 00000000 00050008 c0000201")
               .scan(false);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(s.state_cookie.has_value());
  EXPECT_FALSE(s.stopped);
  EXPECT_EQ(s.ignored_types, (std::vector<std::uint16_t>{7, 8, 1}));
  EXPECT_EQ(s.addresses.size(), 1u);
  EXPECT_TRUE(s.unrecognized.empty());
  // Cookie Preservative, Supported Address Types and PAD in an INIT ACK; a malformed misplaced
  // parameter is not even parsed.
  s = hex_block(
          "00090008 00000001 000c0006 0005 0000 80050005 00000000 00090005 00000000 "
          "00070008 01020304")
          .scan(true);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(s.cookie_preservative_ms.has_value());
  EXPECT_FALSE(s.supported_address_types.has_value());
  EXPECT_EQ(s.ignored_types, (std::vector<std::uint16_t>{9, 12, 0x8005, 9}));
}

TEST(InitParameters, MalformedKnownParameterIsAnError) {
  // IPv4 address of length 7 after a valid parameter.
  const auto s = hex_block("00090008 00000000 00050007 c00002 00").scan(false);
  EXPECT_EQ(s.error, InitScanError::kMalformedParameter);
  EXPECT_EQ(s.error_parameter_type, 5);
  EXPECT_EQ(s.error_offset, 8u);
  // Forward-TSN-Supported must be empty.
  const auto f = hex_block("c0000008 00000000").scan(false);
  EXPECT_EQ(f.error, InitScanError::kMalformedParameter);
  EXPECT_EQ(f.error_parameter_type, 0xC000);
}

TEST(InitParameters, PeerUnrecognizedReportInInitAck) {
  const auto s = hex_block("00080008 c0000004 00080006 ffff 0000 00070008 01020304").scan(true);
  ASSERT_TRUE(s.ok());  // bad framing inside a report is tolerated
  EXPECT_EQ(s.peer_unrecognized_types, (std::vector<std::uint16_t>{0xC000}));
}

TEST(InitParameters, SupportedAddressTypes) {
  auto s = hex_block("000c0006 0006 0000").scan(false);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s.accepts(IpAddress::Family::kV4));
  EXPECT_TRUE(s.accepts(IpAddress::Family::kV6));
  s = hex_block("000c0008 0005 0006 000c0006 0006").scan(false);  // the first one counts
  EXPECT_TRUE(s.accepts(IpAddress::Family::kV4));
  s = hex_block("000c0007 000500").scan(false);
  EXPECT_EQ(s.error, InitScanError::kMalformedParameter);
}

TEST(InitParameters, DtlsKmKeepsWireBytes) {
  // Reserved flag bits set by the peer must survive in the down-grade data.
  const auto s = hex_block("8006000b 01020304 f9 c000 00 00050008 c0000201").scan(false);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.dtls_km.has_value());
  EXPECT_EQ(s.dtls_km->tie_breaker, 0x01020304u);
  EXPECT_TRUE(s.dtls_km->client);
  EXPECT_FALSE(s.dtls_km->server);
  EXPECT_EQ(s.dtls_km->methods, (std::vector<std::uint8_t>{0xC0, 0x00}));
  EXPECT_TRUE(s.dtls_km->wire.empty());
  EXPECT_EQ(s.dtls_km_wire, from_hex("8006000b 01020304 f9 c000"));
  const auto bad = hex_block("80060009 01020304 01").scan(false);  // no method
  EXPECT_EQ(bad.error, InitScanError::kMalformedParameter);
}

LocalInitParameters full_local() {
  LocalInitParameters l;
  l.addresses = {kAddr1, *IpAddress::parse("2001:db8::7")};
  l.cookie_preservative_ms = 5000;
  l.supported_address_types = std::vector<std::uint16_t>{5, 6};
  l.forward_tsn = true;
  l.supported_extensions = {wire::chunk_type::kReconfig, wire::chunk_type::kIData,
                            wire::chunk_type::kIForwardTsn};
  wire::DtlsKeyManagementParameter km;
  km.tie_breaker = 0xCAFEF00D;
  km.server = true;
  km.client = true;
  km.methods = {wire::dtls_km_method::kTls13};
  l.dtls_km = km;
  return l;
}

TEST(InitParameters, BuildScanRoundTripInit) {
  LocalInitParameters l = full_local();
  l.pad_bytes = 100;
  const auto built = build_init_parameters(l);
  ASSERT_TRUE(built.has_value());
  const auto s = Block{*built}.scan(false);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.addresses, l.addresses);
  EXPECT_EQ(s.cookie_preservative_ms, 5000u);
  EXPECT_EQ(s.supported_address_types, l.supported_address_types);
  EXPECT_TRUE(s.forward_tsn_supported);
  EXPECT_EQ(s.supported_extensions, l.supported_extensions);
  ASSERT_TRUE(s.dtls_km.has_value());
  EXPECT_EQ(*s.dtls_km, *l.dtls_km);
  EXPECT_EQ(s.dtls_km_wire, l.dtls_km->encoded_bytes());
  EXPECT_TRUE(s.unrecognized.empty());
  EXPECT_TRUE(s.ignored_types.empty());
  EXPECT_FALSE(s.state_cookie.has_value());
  // The last parameter (PAD, 104 bytes) ends the block without padding of its own.
  EXPECT_EQ(built->size() % 4, 0u);
}

TEST(InitParameters, BuildScanRoundTripInitAck) {
  // An INIT carrying one reportable unknown parameter; its report goes into our INIT ACK.
  const auto init = with_unknown("c123").scan(false);
  LocalInitParameters l = full_local();
  l.cookie_preservative_ms.reset();
  l.supported_address_types.reset();
  l.state_cookie = std::vector<std::uint8_t>{9, 8, 7, 6, 5};
  l.unrecognized = init.unrecognized;
  const auto built = build_init_parameters(l);
  ASSERT_TRUE(built.has_value());
  EXPECT_EQ(built->size() % 4, 0u);
  const auto s = Block{*built}.scan(true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.state_cookie, l.state_cookie);
  EXPECT_EQ(s.addresses, l.addresses);
  EXPECT_EQ(s.peer_unrecognized_types, (std::vector<std::uint16_t>{0xC123}));
  EXPECT_TRUE(s.forward_tsn_supported);
}

TEST(InitParameters, BuildEmptyAndFailures) {
  const auto empty = build_init_parameters(LocalInitParameters{});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());

  LocalInitParameters l;
  l.state_cookie = std::vector<std::uint8_t>{1, 2, 3, 4, 5};
  // The last parameter's padding is left to the chunk encoder (RFC 9260 §3.2).
  EXPECT_EQ(build_init_parameters(l), from_hex("00070009 0102030405"));

  l = LocalInitParameters{};
  l.dtls_km = wire::DtlsKeyManagementParameter{};  // no method: cannot be encoded
  EXPECT_FALSE(build_init_parameters(l).has_value());

  l = LocalInitParameters{};
  l.pad_bytes = 70000;
  EXPECT_FALSE(build_init_parameters(l).has_value());
  l.pad_bytes = 0xFFFF - 20 - 4;  // exactly fills an INIT chunk
  const auto full = build_init_parameters(l);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->size(), 0xFFFFu - 20);
  l.addresses = {kAddr1};  // one more parameter: too large
  EXPECT_FALSE(build_init_parameters(l).has_value());
}

TEST(Capabilities, Negotiation) {
  namespace ct = wire::chunk_type;
  LocalInitParameters local;
  InitParameterScan peer;
  EXPECT_EQ(negotiate(local, peer), Capabilities{});

  local.forward_tsn = true;
  local.supported_extensions = {ct::kReconfig, ct::kAsconf, ct::kAsconfAck};
  peer.forward_tsn_supported = true;
  peer.supported_extensions = std::vector<std::uint8_t>{ct::kReconfig, ct::kAsconf};
  auto c = negotiate(local, peer);
  EXPECT_TRUE(c.forward_tsn);
  EXPECT_TRUE(c.reconfig);
  EXPECT_FALSE(c.asconf);  // the peer did not list ASCONF-ACK
  EXPECT_FALSE(c.i_data);
  EXPECT_FALSE(c.dtls_chunk);

  // Forward TSN advertised through Supported Extensions only.
  peer.forward_tsn_supported = false;
  peer.supported_extensions->push_back(ct::kForwardTsn);
  peer.supported_extensions->push_back(ct::kAsconfAck);
  c = negotiate(local, peer);
  EXPECT_TRUE(c.forward_tsn);
  EXPECT_TRUE(c.asconf);
  local.forward_tsn = false;
  EXPECT_FALSE(negotiate(local, peer).forward_tsn);
}

TEST(Capabilities, IDataAndIForwardTsn) {
  namespace ct = wire::chunk_type;
  LocalInitParameters local;
  local.forward_tsn = true;
  local.supported_extensions = {ct::kIData, ct::kIForwardTsn};
  InitParameterScan peer;
  peer.forward_tsn_supported = true;
  peer.supported_extensions = std::vector<std::uint8_t>{ct::kIData};
  auto c = negotiate(local, peer);
  EXPECT_TRUE(c.i_data);
  EXPECT_FALSE(c.forward_tsn);  // I-DATA without I-FORWARD-TSN from the peer: no PR-SCTP
  peer.supported_extensions->push_back(ct::kIForwardTsn);
  c = negotiate(local, peer);
  EXPECT_TRUE(c.i_data);
  EXPECT_TRUE(c.forward_tsn);
  // Only one side lists I-DATA: plain DATA, and FORWARD TSN is fine.
  peer.supported_extensions = std::vector<std::uint8_t>{};
  c = negotiate(local, peer);
  EXPECT_FALSE(c.i_data);
  EXPECT_TRUE(c.forward_tsn);
}

TEST(Capabilities, FromBuiltParameters) {
  const LocalInitParameters local = full_local();
  const auto built = build_init_parameters(local);
  ASSERT_TRUE(built.has_value());
  const auto peer = Block{*built}.scan(false);
  const auto c = negotiate(local, peer);
  EXPECT_TRUE(c.forward_tsn);
  EXPECT_TRUE(c.reconfig);
  EXPECT_TRUE(c.i_data);
  EXPECT_FALSE(c.asconf);
}

}  // namespace
}  // namespace sctps::core
