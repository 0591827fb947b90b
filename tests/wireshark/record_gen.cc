// Protected packets made by the project's own ChunkProtector, for
// tests/wireshark/dissector_test.py: several records of one key per cipher suite, far apart and out
// of order, so that the dissector's sequence-number reconstruction (RFC 9147 §4.2.2) is exercised
// across the 16-bit wrap, and key log lines from the real key-log callback (specs reading #6).
//
// Output, one item a line:
//   KEYLOG <key log line>
//   PACKET <record sequence number> <plaintext chunks hex> <sealed SCTP packet hex>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protect/chunk_protector.h"
#include "protect/key_material.h"

namespace {

using sctps::protect::ChunkProtector;
using sctps::protect::KeyMaterial;
using sctps::protect::KeyStatus;

std::string hex(const std::uint8_t* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0F]);
  }
  return out;
}

void put16(std::vector<std::uint8_t>& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}

// One DATA chunk (RFC 9260 §3.3.1), B and E set, padded to 4 bytes.
void add_data(std::vector<std::uint8_t>& out, std::uint32_t tsn, std::uint32_t ppid,
              const std::vector<std::uint8_t>& payload) {
  out.push_back(0x00);
  out.push_back(0x03);
  put16(out, static_cast<unsigned>(16 + payload.size()));
  put32(out, tsn);
  put16(out, 0);  // stream
  put16(out, static_cast<unsigned>(tsn & 0xFFFF));
  put32(out, ppid);
  out.insert(out.end(), payload.begin(), payload.end());
  while (out.size() % 4 != 0) out.push_back(0);
}

// SACK (RFC 9260 §3.3.4) without gap reports.
void add_sack(std::vector<std::uint8_t>& out, std::uint32_t cum_tsn) {
  out.push_back(0x03);
  out.push_back(0x00);
  put16(out, 16);
  put32(out, cum_tsn);
  put32(out, 65536);
  put16(out, 0);
  put16(out, 0);
}

// The chunks of record `seq`: DATA, every third record a key-management message (PPID 4242, T=0,
// epoch 3) carrying a TLS alert record, every fifth a SACK in front.
std::vector<std::uint8_t> chunks_for(std::uint64_t seq) {
  std::vector<std::uint8_t> out;
  const auto tsn = static_cast<std::uint32_t>(1000 + seq);
  if (seq % 5 == 0) add_sack(out, tsn - 1);
  if (seq % 3 == 0) {
    // Alert record: content type 21, legacy version 0x0303, length 2, fatal(2)
    // handshake_failure(40).
    add_data(out, tsn, 4242, {0x03, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28});
  } else {
    std::vector<std::uint8_t> payload(7 + seq % 11);
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<std::uint8_t>(seq + i);
    add_data(out, tsn, 0, payload);
  }
  return out;
}

struct Series {
  std::uint16_t suite;
  bool restart;
  std::uint64_t epoch;
  std::uint32_t vtag;
  std::uint8_t seed;
};

int run() {
  // Records emitted, in this order: in order, then a jump across the 16-bit wrap, then an older
  // record again below the highest (both branches of the reconstruction).
  const std::vector<std::uint64_t> picks = {0, 1, 2, 30000, 60000, 65636, 65000, 70000, 100000};
  const Series series[] = {
      {0x1301, false, 3, 0x5EC0A001, 0x11},
      {0x1302, false, 4, 0x5EC0A002, 0x22},
      {0x1303, false, 5, 0x5EC0A003, 0x33},
      {0x1301, true, 3, 0x5EC0A004, 0x44},
  };
  for (const Series& s : series) {
    const auto* suite = sctps::protect::find_cipher_suite(s.suite);
    if (suite == nullptr) return 1;
    std::vector<std::uint8_t> key(suite->key_length), iv(suite->iv_length),
        sn(suite->sn_key_length);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(s.seed * 3 + i);
    for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<std::uint8_t>(s.seed + 7 * i);
    for (std::size_t i = 0; i < sn.size(); ++i) sn[i] = static_cast<std::uint8_t>(s.seed ^ (5 * i));
    auto material = KeyMaterial::make(s.suite, key, iv, sn);
    if (!material) return 1;

    ChunkProtector protector;
    protector.set_verification_tags(0, s.vtag);
    protector.set_key_log([](std::string_view line) {
      std::printf("KEYLOG %.*s\n", static_cast<int>(line.size()), line.data());
    });
    if (protector.establish_send_key(s.restart, s.epoch, *material) != KeyStatus::kOk) return 1;

    std::map<std::uint64_t, std::string> lines;
    const std::uint64_t last = picks.back();
    for (std::uint64_t seq = 0; seq <= last; ++seq) {
      const bool wanted = std::find(picks.begin(), picks.end(), seq) != picks.end();
      std::vector<std::uint8_t> chunks =
          wanted ? chunks_for(seq) : std::vector<std::uint8_t>{0, 3, 0, 4};
      std::vector<std::uint8_t> packet = {0x13, 0x89, 0x13, 0x8A};
      put32(packet, s.vtag);
      put32(packet, 0);
      packet.insert(packet.end(), chunks.begin(), chunks.end());
      const std::size_t len = packet.size();
      packet.resize(len + protector.overhead() + 16);
      const auto sealed = protector.seal(packet, len, packet.size(), seq % 4 == 0 ? 0 : seq % 7);
      if (!sealed.ok() || sealed.sequence != seq) return 1;
      if (wanted) {
        lines[seq] = "PACKET " + std::to_string(seq) + " " + hex(chunks.data(), chunks.size()) +
                     " " + hex(packet.data(), sealed.length);
      }
    }
    for (const std::uint64_t seq : picks) std::printf("%s\n", lines[seq].c_str());
  }
  return 0;
}

}  // namespace

int main() {
  return run();
}
