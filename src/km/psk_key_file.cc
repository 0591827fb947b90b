#include "km/psk_key_file.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace sctps::km {

namespace {

// Key names in file order: [restart_]{client,server}_{key,iv,sn_key}.
constexpr std::array<std::string_view, 12> kKeyNames = {
    "client_key",         "client_iv",         "client_sn_key",
    "server_key",         "server_iv",         "server_sn_key",
    "restart_client_key", "restart_client_iv", "restart_client_sn_key",
    "restart_server_key", "restart_server_iv", "restart_server_sn_key",
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const protect::CipherSuite* suite_by_name(std::string_view text) {
  for (const protect::CipherSuite& s : protect::supported_cipher_suites()) {
    if (text == s.name || text == fmt::format("{:04x}", s.id) ||
        text == fmt::format("0x{:04x}", s.id)) {
      return &s;
    }
  }
  return nullptr;
}

struct Section {
  std::optional<IpAddress> peer;
  std::size_t line = 0;
  const protect::CipherSuite* suite = nullptr;
  std::array<std::optional<protect::SecretBytes>, 12> values;
};

class Parser {
 public:
  Parser(std::string_view source, std::string& error) : source_(source), error_(error) {}

  bool fail(std::size_t line, std::string_view what) {
    error_ = fmt::format("{} line {}: {}", source_, line, what);
    return false;
  }

  bool line(std::string_view raw, std::size_t n) {
    std::string_view text = raw;
    if (const auto hash = text.find('#'); hash != std::string_view::npos)
      text = text.substr(0, hash);
    text = trim(text);
    if (text.empty()) return true;
    if (text.front() == '[') {
      if (text.back() != ']') return fail(n, "a section header ends with ']'");
      std::string_view inner = trim(text.substr(1, text.size() - 2));
      if (inner.substr(0, 5) != "peer " && inner.substr(0, 5) != "peer\t") {
        return fail(n, "expected a section header like [peer 192.0.2.7] or [peer *]");
      }
      inner = trim(inner.substr(5));
      Section s;
      s.line = n;
      if (inner != "*") {
        s.peer = IpAddress::parse(inner);
        if (!s.peer) return fail(n, fmt::format("'{}' is not an IPv4 or IPv6 address or *", inner));
      }
      for (const Section& other : sections_) {
        if (other.peer == s.peer) {
          return fail(n, fmt::format("peer {} is already listed at line {}",
                                     s.peer ? s.peer->to_string() : "*", other.line));
        }
      }
      sections_.push_back(std::move(s));
      return true;
    }
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) return fail(n, "expected 'name = value'");
    const std::string_view name = trim(text.substr(0, eq));
    const std::string_view value = trim(text.substr(eq + 1));
    if (sections_.empty()) return fail(n, fmt::format("'{}' before the first [peer ...]", name));
    Section& s = sections_.back();
    if (name == "suite") {
      s.suite = suite_by_name(value);
      if (s.suite == nullptr) {
        return fail(n, fmt::format("unknown cipher suite '{}' (TLS_AES_128_GCM_SHA256, "
                                   "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)",
                                   value));
      }
      return true;
    }
    for (std::size_t i = 0; i < kKeyNames.size(); ++i) {
      if (name != kKeyNames[i]) continue;
      if (s.values[i]) return fail(n, fmt::format("{} is given twice", name));
      if (value.size() % 2 != 0 || value.empty()) {
        return fail(n, fmt::format("{}: expected an even number of hex digits", name));
      }
      std::array<std::uint8_t, protect::SecretBytes::kCapacity> buf{};
      if (value.size() / 2 > buf.size()) {
        return fail(n,
                    fmt::format("{}: longer than any supported key ({} bytes)", name, buf.size()));
      }
      for (std::size_t k = 0; k < value.size(); k += 2) {
        const int hi = hex_value(value[k]);
        const int lo = hex_value(value[k + 1]);
        if (hi < 0 || lo < 0) {
          OPENSSL_cleanse(buf.data(), buf.size());
          return fail(n, fmt::format("{}: not a hex digit", name));
        }
        buf[k / 2] = static_cast<std::uint8_t>(hi * 16 + lo);
      }
      s.values[i] = protect::SecretBytes::from(wire::Bytes(buf.data(), value.size() / 2));
      OPENSSL_cleanse(buf.data(), buf.size());
      return true;
    }
    return fail(n, fmt::format("unknown name '{}'", name));
  }

  bool finish(std::vector<PskPeerKeys>& out) {
    if (sections_.empty()) {
      error_ = fmt::format("{}: no [peer ...] section", source_);
      return false;
    }
    for (Section& s : sections_) {
      if (s.suite == nullptr) return fail(s.line, "the section has no 'suite ='");
      PskPeerKeys keys;
      keys.peer = s.peer;
      keys.suite = s.suite;
      auto primary = directions(s, 0);
      if (!primary) return false;
      keys.primary = std::move(*primary);
      bool any_restart = false;
      for (std::size_t i = 6; i < 12; ++i) any_restart = any_restart || s.values[i].has_value();
      if (any_restart) {
        auto restart = directions(s, 6);
        if (!restart) return false;
        keys.restart = std::move(*restart);
      }
      out.push_back(std::move(keys));
    }
    return true;
  }

 private:
  std::optional<protect::KeyMaterial> material(Section& s, std::size_t first) {
    for (std::size_t i = first; i < first + 3; ++i) {
      if (!s.values[i]) {
        fail(s.line, fmt::format("the section lacks {}", kKeyNames[i]));
        return std::nullopt;
      }
    }
    auto m = protect::KeyMaterial::make(s.suite->id, s.values[first]->bytes(),
                                        s.values[first + 1]->bytes(), s.values[first + 2]->bytes());
    if (!m) {
      fail(s.line, fmt::format("{}/{}/{} must be {}, {} and {} bytes for {}", kKeyNames[first],
                               kKeyNames[first + 1], kKeyNames[first + 2], s.suite->key_length,
                               s.suite->iv_length, s.suite->sn_key_length, s.suite->name));
    }
    return m;
  }

  std::optional<PskDirectionKeys> directions(Section& s, std::size_t first) {
    auto c2s = material(s, first);
    if (!c2s) return std::nullopt;
    auto s2c = material(s, first + 3);
    if (!s2c) return std::nullopt;
    return PskDirectionKeys{std::move(*c2s), std::move(*s2c)};
  }

  std::string_view source_;
  std::string& error_;
  std::vector<Section> sections_;
};

}  // namespace

std::optional<PskKeyFile> PskKeyFile::parse(std::string_view text, std::string_view source,
                                            std::string& error) {
  Parser parser(source, error);
  std::size_t n = 0;
  while (!text.empty()) {
    ++n;
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!parser.line(line, n)) return std::nullopt;
  }
  PskKeyFile file;
  if (!parser.finish(file.peers_)) return std::nullopt;
  return file;
}

std::optional<PskKeyFile> PskKeyFile::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read pre-shared key file {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  // Sized once, so that no reallocation leaves copies of the keys behind in freed memory.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || size > (std::streamoff{1} << 20)) {
    error = fmt::format("pre-shared key file {}: unreadable or larger than 1 MiB", path);
    return std::nullopt;
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) {
    OPENSSL_cleanse(text.data(), text.size());
    error = fmt::format("cannot read pre-shared key file {}", path);
    return std::nullopt;
  }
  auto file = parse(text, path, error);
  OPENSSL_cleanse(text.data(), text.size());  // the file holds the keys in hex
  return file;
}

const PskPeerKeys* PskKeyFile::find(const IpAddress& address) const {
  const PskPeerKeys* any = nullptr;
  for (const PskPeerKeys& p : peers_) {
    if (p.peer && *p.peer == address) return &p;
    if (!p.peer) any = &p;
  }
  return any;
}

}  // namespace sctps::km
