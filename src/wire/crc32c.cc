#include "wire/crc32c.h"

#include <algorithm>
#include <array>

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>
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
std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

// One chain over `n` bytes; `crc` is the raw register (not inverted here).
__attribute__((target("sse4.2"))) std::uint32_t hw_update(std::uint32_t crc, const std::uint8_t* p,
                                                          std::size_t n) {
  std::uint64_t c = crc;
  while (n >= 8) {
    c = _mm_crc32_u64(c, load_u64(p));
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  if (n >= 4) {
    std::uint32_t v;
    __builtin_memcpy(&v, p, 4);
    c32 = _mm_crc32_u32(c32, v);
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return c32;
}

// Three chains of at most kMaxWords 8-byte words each per round (6 KiB): long enough that the
// join (a few cycles) is noise, short enough that the constant table stays small. Below
// kMinWords per chain the join would cost more than it saves.
constexpr std::size_t kMaxWords = 256;
constexpr std::size_t kMinWords = 4;

// kShift[m] is x^(64m - 33) mod P in the reflected form of the crc32 instruction. With reflected
// operands, PCLMULQDQ of a register R and kShift[m] yields x * R * x^(64m - 33), and crc32 of that
// 64-bit product (from register 0) multiplies by x^32 and reduces: R * x^(64m) mod P, which is R
// followed by 8m zero bytes.
constexpr std::array<std::uint32_t, 2 * kMaxWords + 1> make_shift_table() {
  std::array<std::uint32_t, 2 * kMaxWords + 1> t{};
  std::uint32_t r = 1;  // x^31: bit 0 holds the highest coefficient
  for (std::size_t m = 1; m < t.size(); ++m) {
    t[m] = r;
    for (int i = 0; i < 64; ++i) r = (r & 1) ? (r >> 1) ^ kPolyReflected : r >> 1;
  }
  return t;
}
constexpr auto kShift = make_shift_table();

// shift(a, by ka) ^ shift(b, by kb): the multiply is linear, so one reduction serves both.
__attribute__((target("sse4.2,pclmul"))) std::uint32_t shift2(std::uint64_t a, std::uint32_t ka,
                                                              std::uint64_t b, std::uint32_t kb) {
  const __m128i pa = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a)),
                                          _mm_cvtsi32_si128(static_cast<int>(ka)), 0x00);
  const __m128i pb = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(b)),
                                          _mm_cvtsi32_si128(static_cast<int>(kb)), 0x00);
  const auto v = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_xor_si128(pa, pb)));
  return static_cast<std::uint32_t>(_mm_crc32_u64(0, v));
}

__attribute__((target("sse4.2,pclmul"))) std::uint32_t hw_update_3way(std::uint32_t crc,
                                                                      const std::uint8_t* p,
                                                                      std::size_t n) {
  std::uint64_t c0 = crc;
  while (n >= 3 * 8 * kMinWords) {
    const std::size_t words = std::min(n / 24, kMaxWords);
    const std::size_t len = words * 8;
    const std::uint8_t* p1 = p + len;
    const std::uint8_t* p2 = p1 + len;
    std::uint64_t c1 = 0;
    std::uint64_t c2 = 0;
    for (std::size_t i = 0; i < len; i += 8) {
      c0 = _mm_crc32_u64(c0, load_u64(p + i));
      c1 = _mm_crc32_u64(c1, load_u64(p1 + i));
      c2 = _mm_crc32_u64(c2, load_u64(p2 + i));
    }
    // Register after all three blocks: c0 moved past 2 blocks, c1 past one, c2 as it is.
    c0 = shift2(c0, kShift[2 * words], c1, kShift[words]) ^ c2;
    p += 3 * len;
    n -= 3 * len;
  }
  return hw_update(static_cast<std::uint32_t>(c0), p, n);
}
#endif

const bool kHardware = [] {
#if defined(__x86_64__)
  __builtin_cpu_init();  // may run before the library's own CPU detection constructor
  return __builtin_cpu_supports("sse4.2") != 0;
#else
  return false;
#endif
}();

const bool kPclmul = [] {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0 && __builtin_cpu_supports("pclmul") != 0;
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

std::uint32_t crc32c_extend_hardware_serial(std::uint32_t crc, Bytes data) {
#if defined(__x86_64__)
  return ~hw_update(~crc, data.data(), data.size());
#else
  return crc32c_extend_portable(crc, data);
#endif
}

std::uint32_t crc32c_extend_hardware(std::uint32_t crc, Bytes data) {
#if defined(__x86_64__)
  if (kPclmul) return ~hw_update_3way(~crc, data.data(), data.size());
  return ~hw_update(~crc, data.data(), data.size());
#else
  return crc32c_extend_portable(crc, data);
#endif
}

bool crc32c_hardware_available() {
  return kHardware;
}

bool crc32c_pclmul_available() {
  return kPclmul;
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
