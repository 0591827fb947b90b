// The floor under "connect -> protected" (issue #6): one TLS 1.3 handshake with mutual EC P-256
// certificate authentication between two TlsSessions in memory (no SCTP, no sockets), alone and
// followed by the 12 exports of the porfiri draft (§5.3) on both sides. Compare with
// sctps_handshake_bench's connect -> ProtectionEstablished.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "km/cert_gen.h"
#include "km/key_export.h"
#include "km/tls_credentials.h"
#include "km/tls_session.h"

namespace {

using namespace sctps;

constexpr std::int64_t kUnixNow = 1'800'000'000;

struct Contexts {
  std::shared_ptr<const km::TlsContext> client;
  std::shared_ptr<const km::TlsContext> server;
};

const Contexts& contexts() {
  static const Contexts c = [] {
    km::TestCertificateOptions options;
    options.unix_time = kUnixNow;
    auto pki = km::make_test_certificates(options);
    if (!pki.ok()) std::abort();
    auto client_creds =
        km::TlsCredentials::load_pem(pki->client_pem, pki->client_key_pem.text(), pki->ca_pem);
    auto server_creds =
        km::TlsCredentials::load_pem(pki->server_pem, pki->server_key_pem.text(), pki->ca_pem);
    if (!client_creds.ok() || !server_creds.ok()) std::abort();
    auto client = km::TlsContext::create(km::TlsRole::kClient, *client_creds);
    auto server = km::TlsContext::create(km::TlsRole::kServer, *server_creds);
    if (!client.ok() || !server.ok()) std::abort();
    return Contexts{*client, *server};
  }();
  return c;
}

// Runs one handshake to completion; false if it did not complete.
bool handshake(km::TlsSession& client, km::TlsSession& server) {
  std::vector<std::uint8_t> buffer;
  for (int round = 0; round < 6 && !(client.complete() && server.complete()); ++round) {
    buffer.clear();
    client.append_output(buffer);
    if (!buffer.empty()) server.handle_input(buffer);
    buffer.clear();
    server.append_output(buffer);
    if (!buffer.empty()) client.handle_input(buffer);
  }
  return client.complete() && server.complete();
}

void run(benchmark::State& state, bool with_exports) {
  const Contexts& c = contexts();
  const std::vector<std::uint8_t> downgrade = {0x80, 0x06, 0x00, 0x09, 1, 2, 3, 4, 0x01,
                                               0x80, 0x06, 0x00, 0x09, 5, 6, 7, 8, 0x02};
  for (auto _ : state) {
    km::TlsSessionOptions co;
    co.peer = km::PeerIdentityPolicy::expect_name("localhost");
    co.unix_time = kUnixNow;
    km::TlsSessionOptions so;
    so.unix_time = kUnixNow;
    auto client = km::TlsSession::create(c.client, co);
    auto server = km::TlsSession::create(c.server, so);
    if (!client.ok() || !server.ok() || !handshake(*client, *server)) {
      state.SkipWithError("handshake failed");
      return;
    }
    if (with_exports) {
      auto a = km::export_keys(*client, downgrade, true);
      auto b = km::export_keys(*server, downgrade, true);
      if (!a.ok() || !b.ok()) {
        state.SkipWithError("export failed");
        return;
      }
      benchmark::DoNotOptimize(a);
      benchmark::DoNotOptimize(b);
    }
  }
}

void BM_TlsHandshakeInMemory(benchmark::State& state) {
  run(state, false);
}
void BM_TlsHandshakeAndExportsInMemory(benchmark::State& state) {
  run(state, true);
}

BENCHMARK(BM_TlsHandshakeInMemory)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TlsHandshakeAndExportsInMemory)->Unit(benchmark::kMicrosecond);

}  // namespace
