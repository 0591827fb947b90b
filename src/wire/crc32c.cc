#include "wire/crc32c.h"

#include <array>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sctps::wire {
namespace {

constexpr std::uint32_t kPolyReflected = 0x82F63B78;  // Castagnoli polynomial, bit-reversed

// Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr auto kTables = make_tables();

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t hw_update(std::uint32_t crc, const std::uint8_t* p,
                                                          std::size_t n) {
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t v;
    __builtin_memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return c32;
}
#endif

const bool kHardware = [] {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2") != 0;
#else
  return false;
#endif
}();

}  // namespace

std::uint32_t crc32c_extend_portable(std::uint32_t crc, Bytes data) {
  std::uint32_t c = ~crc;
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    const std::uint32_t lo = load_le32(p) ^ c;
    const std::uint32_t hi = load_le32(p + 4);
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
    --n;
  }
  return ~c;
}

std::uint32_t crc32c_extend_hardware(std::uint32_t crc, Bytes data) {
#if defined(__x86_64__)
  return ~hw_update(~crc, data.data(), data.size());
#else
  return crc32c_extend_portable(crc, data);
#endif
}

bool crc32c_hardware_available() {
  return kHardware;
}

std::uint32_t crc32c_extend(std::uint32_t crc, Bytes data) {
  return kHardware ? crc32c_extend_hardware(crc, data) : crc32c_extend_portable(crc, data);
}

std::uint32_t sctp_checksum(Bytes packet) {
  if (packet.size() < 12) return 0;
  static constexpr std::array<std::uint8_t, 4> kZero{};
  std::uint32_t crc = crc32c_extend(0, packet.first(8));
  crc = crc32c_extend(crc, kZero);
  crc = crc32c_extend(crc, packet.subspan(12));
  // The CRC's low byte goes first on the wire: as a big-endian field value it is byte-swapped.
  return __builtin_bswap32(crc);
}

bool verify_sctp_checksum(Bytes packet) {
  return packet.size() >= 12 && sctp_checksum(packet) == load_be32(packet.data() + 8);
}

void write_sctp_checksum(MutableBytes packet) {
  if (packet.size() < 12) return;
  store_be32(packet.data() + 8, sctp_checksum(packet));
}

}  // namespace sctps::wire
