#include "wire/reconfig_parameters.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "support/hex.h"
#include "support/wire_test_util.h"

namespace sctps::wire {
namespace {

using test::from_hex;
using test::to_hex;
using test_util::encode;

static_assert(
    !std::is_same_v<AddOutgoingStreamsRequestParameter, AddIncomingStreamsRequestParameter>);

TlvView only_item(const std::vector<std::uint8_t>& bytes) {
  auto block = TlvBlock::parse(bytes);
  if (!block.ok() || block->count() != 1) {
    ADD_FAILURE() << "expected exactly one TLV";
    return {};
  }
  return *block->begin();
}

template <typename T>
void expect_round_trip(const T& x, const std::string& hex) {
  const auto bytes = encode(x);
  EXPECT_EQ(to_hex(bytes), to_hex(from_hex(hex)));
  auto back = T::parse(only_item(bytes));
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(*back, x);
}

template <typename T>
ParseError error_of(const std::string& hex) {
  const auto bytes = from_hex(hex);
  auto r = T::parse(only_item(bytes));
  EXPECT_FALSE(r.ok());
  return r.ok() ? ParseError{ParseErrorCode::kNoChunks} : r.error();
}

TEST(OutgoingSsnResetRequestParameter, RoundTrip) {
  OutgoingSsnResetRequestParameter o;
  o.request_seq = ReconfigRequestSeq(1);
  o.response_seq = ReconfigRequestSeq(2);
  o.sender_last_tsn = Tsn(0x10);
  o.streams = {StreamId(3), StreamId(4), StreamId(5)};
  // Length 16 + 2 * 3 = 22, two bytes of padding.
  expect_round_trip(o, "000d 0016 00000001 00000002 00000010 0003 0004 0005 0000");
  EXPECT_EQ(o.describe(), "req_seq=1 resp_seq=2 last_tsn=16 streams=[3,4,5]");
  o.streams.clear();
  expect_round_trip(o, "000d 0010 00000001 00000002 00000010");
}

TEST(OutgoingSsnResetRequestParameter, Malformed) {
  EXPECT_EQ(
      error_of<OutgoingSsnResetRequestParameter>("000d 000f 00000001 00000002 000000 00").code,
      ParseErrorCode::kTruncated);
  const auto odd =
      error_of<OutgoingSsnResetRequestParameter>("000d 0011 00000001 00000002 00000010 00 000000");
  EXPECT_EQ(odd.code, ParseErrorCode::kBadLength);
  EXPECT_EQ(odd.offset, 16u);  // where the stream list starts
}

TEST(IncomingSsnResetRequestParameter, RoundTrip) {
  IncomingSsnResetRequestParameter i;
  i.request_seq = ReconfigRequestSeq(7);
  i.streams = {StreamId(1)};
  expect_round_trip(i, "000e 000a 00000007 0001 0000");
  EXPECT_EQ(i.describe(), "req_seq=7 streams=[1]");
  i.streams = {StreamId(0xffff), StreamId(0)};
  expect_round_trip(i, "000e 000c 00000007 ffff 0000");
  i.streams.clear();
  expect_round_trip(i, "000e 0008 00000007");
}

TEST(IncomingSsnResetRequestParameter, Malformed) {
  EXPECT_EQ(error_of<IncomingSsnResetRequestParameter>("000e 0006 0000 0000").code,
            ParseErrorCode::kTruncated);
  const auto odd = error_of<IncomingSsnResetRequestParameter>("000e 0009 00000007 00 000000");
  EXPECT_EQ(odd.code, ParseErrorCode::kBadLength);
  EXPECT_EQ(odd.offset, 8u);
}

TEST(SsnTsnResetRequestParameter, RoundTripAndLengths) {
  expect_round_trip(SsnTsnResetRequestParameter{ReconfigRequestSeq(9)}, "000f 0008 00000009");
  EXPECT_EQ(SsnTsnResetRequestParameter{ReconfigRequestSeq(9)}.describe(), "req_seq=9");
  EXPECT_EQ(error_of<SsnTsnResetRequestParameter>("000f 0006 0000 0000").code,
            ParseErrorCode::kTruncated);
  EXPECT_EQ(error_of<SsnTsnResetRequestParameter>("000f 000c 00000009 00000000").code,
            ParseErrorCode::kLengthMismatch);
}

TEST(ReconfigurationResponseParameter, ShortAndLongForms) {
  ReconfigurationResponseParameter r;
  r.response_seq = ReconfigRequestSeq(3);
  r.result = reconfig_result::kSuccessPerformed;
  expect_round_trip(r, "0010 000c 00000003 00000001");
  EXPECT_EQ(r.describe(), "resp_seq=3 result=1 (Success - Performed)");
  r.result = reconfig_result::kInProgress;
  r.next_tsns = ReconfigurationResponseParameter::NextTsns{Tsn(0x100), Tsn(0x200)};
  expect_round_trip(r, "0010 0014 00000003 00000006 00000100 00000200");
  EXPECT_EQ(r.describe(),
            "resp_seq=3 result=6 (In progress) sender_next_tsn=256 receiver_next_tsn=512");
}

TEST(ReconfigurationResponseParameter, OnlyLengths12And20) {
  EXPECT_EQ(error_of<ReconfigurationResponseParameter>("0010 0008 00000003").code,
            ParseErrorCode::kTruncated);
  // One TSN without the other.
  EXPECT_EQ(error_of<ReconfigurationResponseParameter>("0010 0010 00000003 00000001 00000100").code,
            ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(error_of<ReconfigurationResponseParameter>(
                "0010 0018 00000003 00000001 00000100 00000200 00000000")
                .code,
            ParseErrorCode::kLengthMismatch);
  EXPECT_EQ(
      error_of<ReconfigurationResponseParameter>("0010 000e 00000003 00000001 0000 0000").code,
      ParseErrorCode::kLengthMismatch);
}

TEST(ReconfigResult, Names) {
  EXPECT_EQ(reconfig_result_name(reconfig_result::kSuccessNothingToDo), "Success - Nothing to do");
  EXPECT_EQ(reconfig_result_name(reconfig_result::kDenied), "Denied");
  EXPECT_EQ(reconfig_result_name(reconfig_result::kErrorWrongSsn), "Error - Wrong SSN");
  EXPECT_EQ(reconfig_result_name(reconfig_result::kErrorRequestAlreadyInProgress),
            "Error - Request already in progress");
  EXPECT_EQ(reconfig_result_name(reconfig_result::kErrorBadSequenceNumber),
            "Error - Bad Sequence Number");
  EXPECT_EQ(reconfig_result_name(7), "unknown");
}

TEST(AddStreamsRequestParameter, OutgoingAndIncoming) {
  AddOutgoingStreamsRequestParameter out;
  out.request_seq = ReconfigRequestSeq(5);
  out.new_streams = 10;
  expect_round_trip(out, "0011 000c 00000005 000a 0000");
  EXPECT_EQ(out.describe(), "req_seq=5 new_streams=10");
  AddIncomingStreamsRequestParameter in;
  in.request_seq = ReconfigRequestSeq(0xfffffffe);
  in.new_streams = 0xffff;
  expect_round_trip(in, "0012 000c fffffffe ffff 0000");
}

TEST(AddStreamsRequestParameter, ReservedIgnoredAndLengths) {
  const auto bytes = from_hex("0011 000c 00000005 000a ffff");
  auto a = AddOutgoingStreamsRequestParameter::parse(only_item(bytes));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->new_streams, 10);
  EXPECT_EQ(to_hex(encode(*a)), "0011000c00000005000a0000");
  EXPECT_EQ(error_of<AddIncomingStreamsRequestParameter>("0012 0008 00000005").code,
            ParseErrorCode::kTruncated);
  EXPECT_EQ(
      error_of<AddIncomingStreamsRequestParameter>("0012 0010 00000005 000a0000 00000000").code,
      ParseErrorCode::kLengthMismatch);
}

TEST(OutgoingSsnResetRequestParameter, OversizeIsRefused) {
  OutgoingSsnResetRequestParameter o;
  o.streams.assign(32760, StreamId(1));  // 16 + 65520 > 65535
  std::vector<std::uint8_t> buf(0x10000 + 8);
  ByteWriter w(buf);
  o.encode(w);
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), 0u);
  o.streams.resize(32759);  // 16 + 65518 = 65534 fits
  ByteWriter w2(buf);
  o.encode(w2);
  EXPECT_FALSE(w2.overflowed());
  EXPECT_EQ(load_be16(buf.data() + 2), 65534);
}

}  // namespace
}  // namespace sctps::wire
