#include "wire/dtls_km_parameter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;

TlvView only_item(const std::vector<std::uint8_t>& bytes) {
  auto block = TlvBlock::parse(bytes);
  if (!block.ok() || block->count() != 1) {
    ADD_FAILURE() << "expected exactly one TLV";
    return {};
  }
  return *block->begin();
}

DtlsKeyManagementParameter make(std::uint8_t flags, std::vector<std::uint8_t> methods) {
  DtlsKeyManagementParameter d;
  d.tie_breaker = 0x01020304;
  d.restart = (flags & DtlsKeyManagementParameter::kFlagRestart) != 0;
  d.server = (flags & DtlsKeyManagementParameter::kFlagServer) != 0;
  d.client = (flags & DtlsKeyManagementParameter::kFlagClient) != 0;
  d.methods = std::move(methods);
  return d;
}

TEST(DtlsKeyManagementParameter, MethodIdentifiers) {
  EXPECT_EQ(dtls_km_method::kPreSharedKeys, 0);
  EXPECT_EQ(dtls_km_method::kTls13, 192);
  EXPECT_EQ(DtlsKeyManagementParameter::kType, 0x8006);
  EXPECT_EQ(DtlsKeyManagementParameter::kFlagRestart, 0x04);
  EXPECT_EQ(DtlsKeyManagementParameter::kFlagServer, 0x02);
  EXPECT_EQ(DtlsKeyManagementParameter::kFlagClient, 0x01);
}

// Length = 9 + N, padded to 4: N = 1..5 gives lengths 10..14 and 2, 1, 0, 3, 2 bytes of padding.
struct Case {
  std::uint8_t flags;
  std::vector<std::uint8_t> methods;
  const char* padded_hex;    // what encode() writes
  const char* unpadded_hex;  // header + value, the down-grade data
};

const Case kCases[] = {
    {0x03, {192}, "8006000a 01020304 03c0 0000", "8006000a 01020304 03c0"},
    {0x07, {192, 0}, "8006000b 01020304 07c000 00", "8006000b 01020304 07c000"},
    {0x01, {1, 2, 3}, "8006000c 01020304 01010203", "8006000c 01020304 01010203"},
    {0x02, {1, 2, 3, 4}, "8006000d 01020304 02010203 04 000000", "8006000d 01020304 02010203 04"},
    {0x04,
     {1, 2, 3, 4, 5},
     "8006000e 01020304 04010203 0405 0000",
     "8006000e 01020304 04010203 0405"},
};

TEST(DtlsKeyManagementParameter, ByteExactForOneToFiveMethods) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.methods.size());
    const auto d = make(c.flags, c.methods);
    EXPECT_EQ(d.encoded_size(), 9 + c.methods.size());
    EXPECT_EQ(d.flags(), c.flags);
    const auto bytes = encode(d);
    EXPECT_EQ(to_hex(bytes), to_hex(from_hex(c.padded_hex)));
    EXPECT_EQ(to_hex(d.encoded_bytes()), to_hex(from_hex(c.unpadded_hex)));
    EXPECT_EQ(to_hex(d.downgrade_data()), to_hex(from_hex(c.unpadded_hex)));

    auto back = DtlsKeyManagementParameter::parse(only_item(bytes));
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(*back, d);
    EXPECT_EQ(back->methods, c.methods);
    EXPECT_EQ(back->flags(), c.flags);
    // The parsed parameter remembers its exact wire bytes, padding excluded.
    EXPECT_EQ(to_hex(back->wire), to_hex(from_hex(c.unpadded_hex)));
    EXPECT_EQ(back->wire.data(), bytes.data());
  }
}

TEST(DtlsKeyManagementParameter, ReservedBitsIgnoredButKeptInWire) {
  const auto bytes = from_hex("8006000a 01020304 fbc0 0000");
  auto d = DtlsKeyManagementParameter::parse(only_item(bytes));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->restart);
  EXPECT_TRUE(d->server);
  EXPECT_TRUE(d->client);
  EXPECT_EQ(d->flags(), 0x03);
  // Down-grade data is what was received, reserved bits included ...
  EXPECT_EQ(to_hex(d->downgrade_data()), "8006000a01020304fbc0");
  // ... while a re-encoding clears them, and the round trip is stable.
  EXPECT_EQ(to_hex(d->encoded_bytes()), "8006000a0102030403c0");
  const auto again = encode(*d);
  auto d2 = DtlsKeyManagementParameter::parse(only_item(again));
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(*d2, *d);
}

TEST(DtlsKeyManagementParameter, PaddingContentIgnored) {
  const auto bytes = from_hex("8006000a 01020304 01c0 ffff");
  auto d = DtlsKeyManagementParameter::parse(only_item(bytes));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->methods, std::vector<std::uint8_t>{192});
}

TEST(DtlsKeyManagementParameter, MalformedLengths) {
  // No method (length 9): the draft requires at least one.
  auto none = DtlsKeyManagementParameter::parse(only_item(from_hex("80060009 01020304 03000000")));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ParseErrorCode::kBadLength);
  // Shorter than tie breaker + flags.
  auto short8 = DtlsKeyManagementParameter::parse(only_item(from_hex("80060008 01020304")));
  ASSERT_FALSE(short8.ok());
  EXPECT_EQ(short8.error().code, ParseErrorCode::kTruncated);
  auto empty = DtlsKeyManagementParameter::parse(only_item(from_hex("80060004")));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ParseErrorCode::kTruncated);
}

TEST(DtlsKeyManagementParameter, RefusesToEncodeWithoutMethod) {
  const auto d = make(0x03, {});
  std::vector<std::uint8_t> buf(64);
  ByteWriter w(buf);
  d.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(d.encoded_bytes().empty());
}

TEST(DtlsKeyManagementParameter, Describe) {
  EXPECT_EQ(make(0x07, {192, 0}).describe(), "tie_breaker=0x01020304 flags=R|S|C methods=[192,0]");
  EXPECT_EQ(make(0x00, {0}).describe(), "tie_breaker=0x01020304 flags=- methods=[0]");
}

TEST(DtlsKeyManagementParameter, EqualityIgnoresWireButNotContent) {
  const auto a = make(0x03, {192});
  auto b = a;
  const auto raw = from_hex("00");
  b.wire = raw;
  EXPECT_EQ(a, b);
  b.tie_breaker = 5;
  EXPECT_NE(a, b);
  auto c = a;
  c.methods = {0};
  EXPECT_NE(a, c);
  auto e = a;
  e.restart = true;
  EXPECT_NE(a, e);
}

}  // namespace
}  // namespace sctps::wire
