#include "api/protection_setup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "net/monotonic_clock.h"
#include "wire/dtls_km_parameter.h"

namespace sctps::api {

net::NetResult<std::unique_ptr<KeyLogFile>> KeyLogFile::open(const std::string& path) {
  // Created private: the file holds every traffic key of the run.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return net::NetError{errno,
                         fmt::format("cannot open key log {}: {}", path, std::strerror(errno))};
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) {
    const int e = errno;
    ::close(fd);
    return net::NetError{e, fmt::format("cannot open key log {}: {}", path, std::strerror(e))};
  }
  return std::unique_ptr<KeyLogFile>(new KeyLogFile(f, path));
}

KeyLogFile::~KeyLogFile() {
  std::fclose(file_);
}

void KeyLogFile::write(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

namespace {

class TlsKeyManagers final : public core::KeyManagerFactory {
 public:
  TlsKeyManagers(km::TlsKeyManagerConfig config, bool client_expects_address)
      : config_(std::move(config)), client_expects_address_(client_expects_address) {}
  std::unique_ptr<core::KeyManager> create(const core::KeyManagementAgreement& agreement,
                                           std::string& error) override {
    if (agreement.method != wire::dtls_km_method::kTls13) {
      error = fmt::format("method {} is not served by the TLS configuration", agreement.method);
      return nullptr;
    }
    if (client_expects_address_ && agreement.role == core::DtlsRole::kClient &&
        !agreement.peer_addresses.empty()) {
      // No peer name given: the server's certificate must name the address we connected to
      // (as HTTPS does).
      return std::make_unique<km::TlsKeyManager>(
          agreement, config_,
          km::PeerIdentityPolicy::expect_name(agreement.peer_addresses.front().to_string()));
    }
    return std::make_unique<km::TlsKeyManager>(agreement, config_);
  }

 private:
  km::TlsKeyManagerConfig config_;
  bool client_expects_address_;
};

net::NetResult<std::unique_ptr<core::KeyManagerFactory>> make_tls(const ProtectionOptions& o) {
  if (o.cert_file.empty() || o.key_file.empty()) {
    return net::NetError{0,
                         "TLS key management needs our certificate and key (--cert, --key; "
                         "`sctps gen-certs` makes test ones)"};
  }
  if (o.ca_file.empty() && o.peer_pin.empty()) {
    return net::NetError{0,
                         "TLS key management needs a CA (--ca) or the peer's key pin "
                         "(--peer-pin) to authenticate the peer"};
  }
  auto credentials = km::TlsCredentials::load_files(o.cert_file, o.key_file, o.ca_file);
  if (!credentials.ok()) return net::NetError{0, credentials.error().message};
  km::TlsContextOptions context_options;
  context_options.resumption = o.resumption;
  auto config = km::TlsKeyManagerConfig::from_credentials(*credentials, {}, context_options);
  if (!config.ok()) return net::NetError{0, config.error().message};
  km::TlsKeyManagerConfig c = std::move(config).value();
  km::PeerIdentityPolicy policy;
  if (!o.peer_pin.empty()) {
    auto pin = km::parse_sha256_hex(o.peer_pin);
    if (!pin.ok()) return net::NetError{0, "--peer-pin: " + pin.error().message};
    policy = km::PeerIdentityPolicy::pinned_key(*pin);
  } else if (!o.peer_name.empty()) {
    policy = km::PeerIdentityPolicy::expect_name(o.peer_name);
  }
  c.peer_when_client = policy;
  c.peer_when_server = policy;
  c.handshake_timeout = o.handshake_timeout;
  c.rekey_interval = o.rekey_interval;
  c.rekey_bytes = o.rekey_bytes;
  c.drain_time = o.drain_time;
  // km reads no clock: wall time = the engine's monotonic time plus the offset seen now.
  const auto wall_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const std::int64_t offset = wall_us - net::monotonic_now().count();
  c.unix_time = [offset](TimePoint now) {
    return (now.time_since_epoch().count() + offset) / 1'000'000;
  };
  const bool client_expects_address = o.peer_pin.empty() && o.peer_name.empty();
  return std::unique_ptr<core::KeyManagerFactory>(
      std::make_unique<TlsKeyManagers>(std::move(c), client_expects_address));
}

}  // namespace

net::NetResult<std::unique_ptr<ProtectionSetup>> ProtectionSetup::create(
    const ProtectionOptions& options) {
  auto setup = std::unique_ptr<ProtectionSetup>(new ProtectionSetup());
  setup->options_ = options;
  if (options.mode != ProtectMode::kOff) {
    const KeyManagement method =
        options.km.value_or(options.psk_file.empty() ? KeyManagement::kTls : KeyManagement::kPsk);
    if (method == KeyManagement::kPsk) {
      if (options.psk_file.empty()) {
        return net::NetError{0,
                             "pre-shared key management needs a key file (--psk-file, "
                             "docs/psk.md)"};
      }
      std::string error;
      auto keys = km::PskKeyFile::load(options.psk_file, error);
      if (!keys) return net::NetError{0, error};
      setup->psk_ = std::make_unique<km::PskKeyManagerFactory>(std::move(*keys));
    } else {
      auto tls = make_tls(options);
      if (!tls.ok()) return tls.error();
      setup->tls_ = std::move(tls).value();
    }
  }
  std::string keylog = options.keylog_file;
  if (keylog.empty()) {
    if (const char* env = std::getenv("SCTPS_KEYLOGFILE"); env != nullptr) keylog = env;
  }
  if (!keylog.empty()) {
    auto file = KeyLogFile::open(keylog);
    if (!file) return file.error();
    setup->key_log_ = std::move(file.value());
  }
  return setup;
}

void ProtectionSetup::apply(core::EndpointConfig& config) {
  if (key_log_) {
    KeyLogFile* file = key_log_.get();
    config.key_log = [file](std::string_view line) { file->write(line); };
  }
  // Off leaves association.dtls as the caller set it.
  if (options_.mode == ProtectMode::kOff) return;
  core::DtlsChunkConfig& dtls = config.association.dtls;
  dtls.enabled = options_.mode != ProtectMode::kOff;
  dtls.mode =
      options_.mode == ProtectMode::kLoose ? core::DtlsMode::kLoose : core::DtlsMode::kStrict;
  dtls.roles = options_.roles;
  dtls.restart_supported = options_.restart_supported;
  dtls.methods.clear();
  if (psk_) {
    dtls.methods.push_back(wire::dtls_km_method::kPreSharedKeys);
    config.key_managers = psk_.get();
  } else {
    dtls.methods.push_back(wire::dtls_km_method::kTls13);
    config.key_managers = tls_.get();
  }
}

}  // namespace sctps::api
