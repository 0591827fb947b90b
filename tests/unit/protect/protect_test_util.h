// Helpers shared by the protect tests: keys, packets of plaintext chunks, the test vectors.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protect/chunk_protector.h"
#include "protect/key_material.h"
#include "support/hex.h"
#include "support/json.h"
#include "wire/byte_io.h"
#include "wire/crc32c.h"

namespace sctps::protect::testing {

inline constexpr std::uint32_t kTag = 0x0A0B0C0D;

// A key material with recognizable bytes: key = seed, seed+1, ...; iv and sn_key offset by 0x40
// and 0x80.
inline KeyMaterial make_material(std::uint16_t suite_id, std::uint8_t seed = 0) {
  const CipherSuite* suite = find_cipher_suite(suite_id);
  std::vector<std::uint8_t> key(suite->key_length), iv(suite->iv_length), sn(suite->sn_key_length);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(seed + i);
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<std::uint8_t>(seed + 0x40 + i);
  for (std::size_t i = 0; i < sn.size(); ++i) sn[i] = static_cast<std::uint8_t>(seed + 0x80 + i);
  auto m = KeyMaterial::make(suite_id, key, iv, sn);
  EXPECT_TRUE(m.has_value());
  return std::move(*m);
}

// A sender and a receiver sharing one key context, both directions installed on opposite sides.
struct Pair {
  ChunkProtector sender;
  ChunkProtector receiver;
  explicit Pair(std::uint16_t suite_id, bool restart = false, std::uint64_t epoch = 3,
                ProtectorOptions options = {})
      : sender(options), receiver(options) {
    const KeyMaterial m = make_material(suite_id, static_cast<std::uint8_t>(epoch));
    EXPECT_EQ(sender.establish_send_key(restart, epoch, m), KeyStatus::kOk);
    EXPECT_EQ(receiver.establish_receive_key(restart, epoch, m), KeyStatus::kOk);
  }
};

inline std::vector<std::uint8_t> common_header() {
  return {0x13, 0x88, 0x13, 0x89, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 0};
}

// Plaintext chunks totalling `len` bytes (a multiple of 4, at least 4): DATA-like chunks of at
// most 1000 bytes with a byte pattern depending on `salt`.
inline std::vector<std::uint8_t> make_chunks(std::size_t len, std::uint8_t salt = 0) {
  std::vector<std::uint8_t> out;
  out.reserve(len);
  while (out.size() < len) {
    const std::size_t n = std::min<std::size_t>(len - out.size(), 1000);
    const std::size_t start = out.size();
    out.push_back(0x00);
    out.push_back(0x03);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    for (std::size_t i = 4; i < n; ++i) out.push_back(static_cast<std::uint8_t>(i * 7 + salt));
    EXPECT_EQ(out.size() - start, n);
  }
  return out;
}

// Common header + chunks, in a buffer with room for the protection overhead (and `extra`).
struct PacketBuffer {
  std::vector<std::uint8_t> bytes;
  std::size_t length = 0;
};
inline PacketBuffer make_packet(const std::vector<std::uint8_t>& chunks, std::size_t extra = 0) {
  PacketBuffer p;
  p.bytes = common_header();
  p.bytes.insert(p.bytes.end(), chunks.begin(), chunks.end());
  p.length = p.bytes.size();
  p.bytes.resize(p.length + ChunkProtector::kOverhead + extra, 0xEE);
  return p;
}

// Seals `chunks` with `sender`; returns the sealed packet trimmed to its length.
inline std::vector<std::uint8_t> seal(ChunkProtector& sender,
                                      const std::vector<std::uint8_t>& chunks,
                                      std::size_t padding = 0) {
  PacketBuffer p = make_packet(chunks, padding);
  const SealResult r = sender.seal(p.bytes, p.length, p.bytes.size(), padding);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  p.bytes.resize(r.length);
  return p.bytes;
}

inline std::vector<std::uint8_t> region_bytes(const OpenResult& r) {
  return std::vector<std::uint8_t>(r.chunks.bytes.begin(), r.chunks.bytes.end());
}

inline test::Json vectors() {
  return test::Json::parse_file(std::string(SCTPS_TEST_VECTORS_DIR) + "/dtls-chunk-vectors.json");
}

inline std::uint16_t vector_suite(const test::Json& v) {
  return static_cast<std::uint16_t>(std::stoul(v["cipher_suite"].str(), nullptr, 16));
}

inline KeyMaterial vector_material(const test::Json& v) {
  auto m = KeyMaterial::make(vector_suite(v), test::from_hex(v["key"].str()),
                             test::from_hex(v["iv"].str()), test::from_hex(v["sn_key"].str()));
  EXPECT_TRUE(m.has_value());
  return std::move(*m);
}

}  // namespace sctps::protect::testing
