// The sctps command-line tool.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "client_command.h"
#include "decode_command.h"
#include "decrypt_pcap_command.h"
#include "demo_command.h"
#include "gen_certs_command.h"
#include "relay_command.h"
#include "server_command.h"

int main(int argc, char** argv) {
  CLI::App app{"sctps: SCTP protected by the DTLS chunk, with in-band TLS 1.3 key management"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sctps 0.1.0");
  int exit_code = 0;
  sctps::app::add_decode_command(app, exit_code);
  sctps::app::add_server_command(app, exit_code);
  sctps::app::add_client_command(app, exit_code);
  sctps::app::add_relay_command(app, exit_code);
  sctps::app::add_gen_certs_command(app, exit_code);
  sctps::app::add_decrypt_pcap_command(app, exit_code);
  sctps::app::add_demo_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0.
    if (e.get_exit_code() == 0) return app.exit(e);
    // A bad option: one line naming it, and exit code 2 like the commands' own usage errors.
    std::string prefix = "sctps";
    for (const CLI::App* sub : app.get_subcommands()) prefix += " " + sub->get_name();
    fmt::print(stderr, "{}: {} (see --help)\n", prefix, e.what());
    return 2;
  }
  return exit_code;
}
