// CRC32c variants (crc32c.h): the portable table, the serial crc32 chain and the three-chain
// PCLMULQDQ variant must agree on every length and alignment, and with published check values.
#include "wire/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sctps::wire {
namespace {

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> data(n);
  std::uint32_t x = seed;
  for (auto& b : data) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return data;
}

using CrcFn = std::uint32_t (*)(std::uint32_t, Bytes);

struct Variant {
  const char* name;
  CrcFn fn;
  bool available;
};

std::vector<Variant> variants() {
  return {
      {"portable", crc32c_extend_portable, true},
      {"dispatch", crc32c_extend, true},
      {"hardware", crc32c_extend_hardware, crc32c_hardware_available()},
      {"hardware_serial", crc32c_extend_hardware_serial, crc32c_hardware_available()},
  };
}

// RFC 3720 §B.4 check values (the CRC as a number; its low byte is sent first).
TEST(Crc32c, PublishedCheckValues) {
  const std::string digits = "123456789";
  const Bytes d(reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size());
  std::vector<std::uint8_t> zeros(32, 0x00);
  std::vector<std::uint8_t> ones(32, 0xFF);
  std::vector<std::uint8_t> up(32);
  std::vector<std::uint8_t> down(32);
  for (std::size_t i = 0; i < 32; ++i) {
    up[i] = static_cast<std::uint8_t>(i);
    down[i] = static_cast<std::uint8_t>(31 - i);
  }
  for (const Variant& v : variants()) {
    if (!v.available) continue;
    SCOPED_TRACE(v.name);
    EXPECT_EQ(v.fn(0, d), 0xE3069283u);
    EXPECT_EQ(v.fn(0, zeros), 0x8A9136AAu);
    EXPECT_EQ(v.fn(0, ones), 0x62A8AB43u);
    EXPECT_EQ(v.fn(0, up), 0x46DD794Eu);
    EXPECT_EQ(v.fn(0, down), 0x113FDB5Cu);
    EXPECT_EQ(v.fn(0, Bytes()), 0u);
    EXPECT_EQ(v.fn(0x12345678, Bytes()), 0x12345678u);
  }
}

TEST(Crc32c, PclmulImpliesHardware) {
  if (crc32c_pclmul_available()) {
    EXPECT_TRUE(crc32c_hardware_available());
  }
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  if (!crc32c_pclmul_available()) GTEST_SKIP() << "no PCLMULQDQ: the three-chain path is unused";
}

TEST(Crc32c, AllVariantsAgreeOnEveryShortLengthAndAlignment) {
  const auto data = random_bytes(2100, 1);
  for (std::size_t off = 0; off < 8; ++off) {
    for (std::size_t len = 0; len + off <= 2100 && len <= 2048; ++len) {
      const Bytes s(data.data() + off, len);
      const std::uint32_t want = crc32c_extend_portable(0, s);
      for (const Variant& v : variants()) {
        if (!v.available) continue;
        ASSERT_EQ(v.fn(0, s), want) << v.name << " len=" << len << " off=" << off;
        // A non-zero starting CRC goes through the first chain only.
        ASSERT_EQ(v.fn(0xA5A5A5A5, s), crc32c_extend_portable(0xA5A5A5A5, s))
            << v.name << " len=" << len << " off=" << off;
      }
    }
  }
}

TEST(Crc32c, AllVariantsAgreeOnLongInputs) {
  const auto data = random_bytes(200000, 7);
  // Around the round size of the three-chain variant (3 x 2 KiB), its minimum, and big packets.
  const std::size_t lengths[] = {95,    96,    97,    191,   192,    6143,  6144,
                                 6145,  6168,  12287, 12288, 12289,  18431, 65535,
                                 65536, 65537, 70000, 99999, 131072, 199992};
  for (std::size_t len : lengths) {
    for (std::size_t off : {0u, 1u, 3u, 4u, 7u}) {
      if (off + len > data.size()) continue;
      const Bytes s(data.data() + off, len);
      const std::uint32_t want = crc32c_extend_portable(0, s);
      for (const Variant& v : variants()) {
        if (!v.available) continue;
        EXPECT_EQ(v.fn(0, s), want) << v.name << " len=" << len << " off=" << off;
      }
    }
  }
}

TEST(Crc32c, ExtendingInPiecesEqualsOnePass) {
  const auto data = random_bytes(20000, 3);
  const Bytes all(data);
  const std::uint32_t want = crc32c_extend_portable(0, all);
  for (const Variant& v : variants()) {
    if (!v.available) continue;
    for (std::size_t cut : {0u, 1u, 8u, 13u, 100u, 1234u, 6144u, 9999u, 19999u, 20000u}) {
      EXPECT_EQ(v.fn(v.fn(0, all.first(cut)), all.subspan(cut)), want) << v.name << " " << cut;
    }
  }
}

TEST(Crc32c, DetectsSingleBitFlipsInLongInput) {
  auto data = random_bytes(20000, 11);
  const std::uint32_t good = crc32c(data);
  for (std::size_t byte : {0u, 1u, 6143u, 6144u, 12288u, 19999u}) {
    data[byte] ^= 0x10;
    EXPECT_NE(crc32c(data), good) << byte;
    EXPECT_EQ(crc32c(data), crc32c_extend_portable(0, data)) << byte;
    data[byte] ^= 0x10;
  }
}

}  // namespace
}  // namespace sctps::wire
