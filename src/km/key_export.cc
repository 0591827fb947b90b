#include "km/key_export.h"

#include <openssl/crypto.h>

#include <array>
#include <string>

namespace sctps::km {

std::vector<std::uint8_t> downgrade_data(wire::Bytes client_km_parameter,
                                         wire::Bytes server_km_parameter) {
  std::vector<std::uint8_t> out;
  out.reserve(client_km_parameter.size() + server_km_parameter.size());
  out.insert(out.end(), client_km_parameter.begin(), client_km_parameter.end());
  out.insert(out.end(), server_km_parameter.begin(), server_km_parameter.end());
  return out;
}

std::vector<std::uint8_t> exporter_context(KeyDirection direction, KeyRole role, KeyType type,
                                           wire::Bytes downgrade) {
  std::vector<std::uint8_t> out;
  out.reserve(3 + downgrade.size());
  out.push_back(static_cast<std::uint8_t>(direction));
  out.push_back(static_cast<std::uint8_t>(role));
  out.push_back(static_cast<std::uint8_t>(type));
  out.insert(out.end(), downgrade.begin(), downgrade.end());
  return out;
}

namespace {

// A stack buffer for one exported value, wiped however the function leaves.
struct ExportBuffer {
  std::array<std::uint8_t, protect::kMaxKeyLength> bytes{};
  ~ExportBuffer() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

KmResult<protect::KeyMaterial> export_key_material(const TlsSession& session,
                                                   KeyDirection direction, KeyRole role,
                                                   wire::Bytes downgrade) {
  const protect::CipherSuite* suite = session.cipher_suite();
  if (suite == nullptr ||
      (session.state() != TlsState::kComplete && session.state() != TlsState::kClosed)) {
    return KmError{KmErrorCode::kInvalidState,
                   "cannot export keys: the TLS handshake has not completed"};
  }
  ExportBuffer key, sn_key, iv;
  const auto one = [&](KeyType type, ExportBuffer& buf, std::size_t length) {
    const auto context = exporter_context(direction, role, type, downgrade);
    return length <= buf.bytes.size() &&
           session.export_keying_material(kExporterLabel, context,
                                          wire::MutableBytes(buf.bytes.data(), length));
  };
  if (!one(KeyType::kKey, key, suite->key_length) ||
      !one(KeyType::kSnKey, sn_key, suite->sn_key_length) ||
      !one(KeyType::kIv, iv, suite->iv_length)) {
    return KmError{KmErrorCode::kCryptoFailure, "the TLS exporter failed"};
  }
  auto material =
      protect::KeyMaterial::make(suite->id, wire::Bytes(key.bytes.data(), suite->key_length),
                                 wire::Bytes(iv.bytes.data(), suite->iv_length),
                                 wire::Bytes(sn_key.bytes.data(), suite->sn_key_length));
  if (!material) {
    return KmError{KmErrorCode::kCryptoFailure,
                   "exported key material does not fit suite " + std::string(suite->name)};
  }
  return std::move(*material);
}

KmResult<ExportedKeys> export_keys(const TlsSession& session, wire::Bytes downgrade,
                                   bool with_restart) {
  auto client = export_key_material(session, KeyDirection::kClient, KeyRole::kPrimary, downgrade);
  if (!client) return client.error();
  auto server = export_key_material(session, KeyDirection::kServer, KeyRole::kPrimary, downgrade);
  if (!server) return server.error();
  ExportedKeys keys{std::move(client.value()), std::move(server.value()), std::nullopt,
                    std::nullopt};
  if (with_restart) {
    auto client_r =
        export_key_material(session, KeyDirection::kClient, KeyRole::kRestart, downgrade);
    if (!client_r) return client_r.error();
    auto server_r =
        export_key_material(session, KeyDirection::kServer, KeyRole::kRestart, downgrade);
    if (!server_r) return server_r.error();
    keys.client_restart = std::move(client_r.value());
    keys.server_restart = std::move(server_r.value());
  }
  return keys;
}

}  // namespace sctps::km
