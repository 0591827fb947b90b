#include "api/protection_setup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

net::NetResult<std::unique_ptr<ProtectionSetup>> ProtectionSetup::create(
    const ProtectionOptions& options) {
  auto setup = std::unique_ptr<ProtectionSetup>(new ProtectionSetup());
  setup->options_ = options;
  if (options.mode != ProtectMode::kOff) {
    if (options.psk_file.empty()) {
      return net::NetError{0,
                           "protection needs key management: give a pre-shared key file "
                           "(method 0; TLS 1.3, method 192, is not available yet)"};
    }
    std::string error;
    auto keys = km::PskKeyFile::load(options.psk_file, error);
    if (!keys) return net::NetError{0, error};
    setup->psk_ = std::make_unique<km::PskKeyManagerFactory>(std::move(*keys));
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
  if (psk_) dtls.methods.push_back(wire::dtls_km_method::kPreSharedKeys);
  config.key_managers = psk_.get();
}

}  // namespace sctps::api
