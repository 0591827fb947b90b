#include "gen_certs_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "km/cert_gen.h"
#include "run_common.h"

namespace sctps::app {

namespace {

struct GenCertsOptions {
  std::string out;
  std::string cn = "localhost";
  std::string client_cn = "sctps-client";
  int days = 365;
  bool force = false;
};

int run(const GenCertsOptions& o) {
  km::TestCertificateOptions options;
  options.server_name = o.cn;
  options.client_name = o.client_cn;
  options.validity_days = static_cast<std::uint32_t>(o.days);
  // km reads no clock: the time comes from here.
  options.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto certificates = km::make_test_certificates(options);
  if (!certificates.ok()) {
    fmt::print(stderr, "sctps gen-certs: {}\n", certificates.error().message);
    return kExitFailure;
  }
  const km::KmStatus written = km::write_test_certificates(*certificates, o.out, o.force);
  if (!written.ok()) {
    fmt::print(stderr, "sctps gen-certs: {}\n", written.error().message);
    return kExitFailure;
  }
  fmt::print(
      "wrote {0}/ca.pem, {0}/server.pem, {0}/server.key (SAN DNS:localhost, IP:127.0.0.1, {1}), "
      "{0}/client.pem, {0}/client.key (CN {2}); valid {3} days\n",
      o.out, o.cn, o.client_cn, o.days);
  return kExitOk;
}

}  // namespace

void add_gen_certs_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GenCertsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gen-certs",
      "make a test CA and server and client certificates (EC P-256) for trying mutual TLS "
      "authentication; for tests and labs, not for deployments");
  cmd->add_option("--out", o->out,
                  "directory to write ca.pem, server.pem, server.key, client.pem "
                  "and client.key to (created if missing)")
      ->required();
  cmd->add_option("--cn", o->cn,
                  "server name: the server certificate's CN, also in its SAN (DNS name or IP)")
      ->default_str("localhost");
  cmd->add_option("--client-cn", o->client_cn, "the client certificate's CN and SAN DNS name")
      ->default_str("sctps-client");
  cmd->add_option("--days", o->days, "validity in days")
      ->check(CLI::Range(1, 3650))
      ->default_str("365");
  cmd->add_flag("--force", o->force, "overwrite existing files");
  cmd->footer("Exit codes: 0 written; 1 cannot make or write them; 2 bad option.");
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace sctps::app
