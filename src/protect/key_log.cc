#include "protect/key_log.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace sctps::protect {

namespace {

void append_hex(std::string& out, wire::Bytes bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
}

}  // namespace

std::string format_key_log_line(std::uint32_t verification_tag, KeyId id,
                                const KeyMaterial& material) {
  std::string line =
      fmt::format("SCTP_DTLS {:08x} {} {} {:04x} ", verification_tag, id.restart ? 1 : 0, id.epoch,
                  material.suite != nullptr ? material.suite->id : 0);
  // Reserve once so that no reallocation leaves copies of the secrets behind.
  line.reserve(line.size() +
               2 * (material.key.size() + material.iv.size() + material.sn_key.size()) + 2);
  append_hex(line, material.key.bytes());
  line.push_back(' ');
  append_hex(line, material.iv.bytes());
  line.push_back(' ');
  append_hex(line, material.sn_key.bytes());
  return line;
}

void wipe_key_log_line(std::string& line) {
  if (!line.empty()) OPENSSL_cleanse(line.data(), line.size());
  line.clear();
}

}  // namespace sctps::protect
