#include "protect/key_log.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <array>

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

namespace {

std::string_view next_field(std::string_view& rest) {
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  std::size_t n = 0;
  while (n < rest.size() && rest[n] != ' ' && rest[n] != '\t' && rest[n] != '\r') ++n;
  const std::string_view field = rest.substr(0, n);
  rest.remove_prefix(n);
  return field;
}

std::optional<std::uint64_t> parse_number(std::string_view text, int base) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : text) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return v;
}

// Hex into a SecretBytes (at most its capacity), through a stack buffer that is wiped.
std::optional<SecretBytes> parse_secret(std::string_view hex) {
  std::array<std::uint8_t, SecretBytes::kCapacity> buf{};
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() / 2 > buf.size()) return std::nullopt;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const auto byte = parse_number(hex.substr(i, 2), 16);
    if (!byte) {
      OPENSSL_cleanse(buf.data(), buf.size());
      return std::nullopt;
    }
    buf[i / 2] = static_cast<std::uint8_t>(*byte);
  }
  auto secret = SecretBytes::from(wire::Bytes(buf.data(), hex.size() / 2));
  OPENSSL_cleanse(buf.data(), buf.size());
  return secret;
}

}  // namespace

std::optional<KeyLogEntry> parse_key_log_line(std::string_view line) {
  std::string_view rest = line;
  if (next_field(rest) != "SCTP_DTLS") return std::nullopt;
  const std::string_view tag_text = next_field(rest);
  const auto tag = tag_text.size() == 8 ? parse_number(tag_text, 16) : std::nullopt;
  const std::string_view r_text = next_field(rest);
  const auto epoch = parse_number(next_field(rest), 10);
  const std::string_view suite_text = next_field(rest);
  const auto suite = suite_text.size() == 4 ? parse_number(suite_text, 16) : std::nullopt;
  if (!tag || (r_text != "0" && r_text != "1") || !epoch || !suite) return std::nullopt;
  const auto key = parse_secret(next_field(rest));
  const auto iv = parse_secret(next_field(rest));
  const auto sn_key = parse_secret(next_field(rest));
  if (!key || !iv || !sn_key || !next_field(rest).empty()) return std::nullopt;
  auto material = KeyMaterial::make(static_cast<std::uint16_t>(*suite), key->bytes(), iv->bytes(),
                                    sn_key->bytes());
  if (!material) return std::nullopt;
  KeyLogEntry entry;
  entry.verification_tag = static_cast<std::uint32_t>(*tag);
  entry.id.restart = r_text == "1";
  entry.id.epoch = *epoch;
  entry.material = std::move(*material);
  return entry;
}

void wipe_key_log_line(std::string& line) {
  if (!line.empty()) OPENSSL_cleanse(line.data(), line.size());
  line.clear();
}

}  // namespace sctps::protect
