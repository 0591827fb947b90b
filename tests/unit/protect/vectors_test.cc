// Known-answer tests: every vector of tests/vectors/dtls-chunk-vectors.json (an independent
// implementation) sealed byte for byte and opened back to its plaintext chunks.
#include <gtest/gtest.h>

#include "protect/chunk_protector.h"
#include "protect_test_util.h"
#include "wire/crc32c.h"

namespace sctps::protect {
namespace {

using namespace testing;
using test::from_hex;
using test::to_hex;

// Seals `count` throw-away packets so that the next record gets sequence number `count`.
void advance(ChunkProtector& sender, std::uint64_t count) {
  const auto chunks = make_chunks(4);
  PacketBuffer p = make_packet(chunks);
  for (std::uint64_t i = 0; i < count; ++i) {
    PacketBuffer copy = p;
    ASSERT_TRUE(sender.seal(copy.bytes, copy.length, copy.bytes.size()).ok());
  }
}

TEST(Vectors, AllPresent) {
  const auto json = vectors();
  EXPECT_EQ(json["vectors"].size(), 7u);
}

TEST(Vectors, SealMatchesEveryVector) {
  const auto json = vectors();
  for (std::size_t i = 0; i < json["vectors"].size(); ++i) {
    SCOPED_TRACE("vector " + std::to_string(i));
    const auto& v = json["vectors"][i];
    const bool restart = v["restart"].boolean();
    const auto epoch = static_cast<std::uint64_t>(v["epoch"].integer());
    const auto seq = static_cast<std::uint64_t>(v["record_sequence_number"].integer());
    const auto padding = static_cast<std::size_t>(v["dtls_padding_bytes"].integer());
    const auto plaintext = from_hex(v["plaintext_chunks"].str());
    const auto expected = from_hex(v["dtls_chunk"].str());

    ChunkProtector sender;
    ASSERT_EQ(sender.establish_send_key(restart, epoch, vector_material(v)), KeyStatus::kOk);
    advance(sender, seq);
    PacketBuffer p = make_packet(plaintext, padding);
    const SealResult r = sender.seal(p.bytes, p.length, p.bytes.size(), padding);
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    EXPECT_EQ(r.sequence, seq);
    EXPECT_EQ(r.key, (KeyId{restart, epoch}));
    ASSERT_EQ(r.length, wire::CommonHeader::kSize + expected.size());
    p.bytes.resize(r.length);
    EXPECT_EQ(to_hex(wire::Bytes(p.bytes).subspan(wire::CommonHeader::kSize)), to_hex(expected));
    EXPECT_TRUE(wire::verify_sctp_checksum(p.bytes));
  }
}

TEST(Vectors, OpenRecoversEveryVector) {
  const auto json = vectors();
  for (std::size_t i = 0; i < json["vectors"].size(); ++i) {
    SCOPED_TRACE("vector " + std::to_string(i));
    const auto& v = json["vectors"][i];
    const bool restart = v["restart"].boolean();
    const auto epoch = static_cast<std::uint64_t>(v["epoch"].integer());
    const auto seq = static_cast<std::uint64_t>(v["record_sequence_number"].integer());
    const auto plaintext = from_hex(v["plaintext_chunks"].str());

    ChunkProtector receiver;
    ASSERT_EQ(receiver.establish_receive_key(restart, epoch, vector_material(v)), KeyStatus::kOk);
    // A sequence number more than 2^15 ahead of the expected one reconstructs to the previous
    // 2^16 block (RFC 9147 §4.2.2): let the receiver first see records up to near the vector's,
    // in steps below 2^15, as a real peer's traffic would carry it there.
    std::uint64_t primed = 0;
    if (seq > 0x8000) {
      ChunkProtector twin;
      ASSERT_EQ(twin.establish_send_key(restart, epoch, vector_material(v)), KeyStatus::kOk);
      for (std::uint64_t next = 0; seq - next > 0x7000; ++next) {  // next: the twin's sequence
        advance(twin, 0x7000);
        next += 0x7000;
        auto step = seal(twin, make_chunks(8));
        ASSERT_TRUE(receiver.open(step).ok());
        ++primed;
      }
    }

    auto packet = common_header();
    const auto chunk = from_hex(v["dtls_chunk"].str());
    packet.insert(packet.end(), chunk.begin(), chunk.end());
    wire::write_sctp_checksum(packet);
    const OpenResult r = receiver.open(packet);
    ASSERT_TRUE(r.ok()) << to_string(*r.drop);
    EXPECT_EQ(to_hex(region_bytes(r)), to_hex(plaintext));
    EXPECT_EQ(r.sequence, seq);
    EXPECT_EQ(r.key, (KeyId{restart, epoch}));
    EXPECT_EQ(r.chunks.base_offset, 20u);
    EXPECT_EQ(receiver.stats().recv_protected, primed + 1);
  }
}

}  // namespace
}  // namespace sctps::protect
