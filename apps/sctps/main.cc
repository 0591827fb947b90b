// The sctps command-line tool.
#include <CLI/CLI.hpp>

#include "client_command.h"
#include "decode_command.h"
#include "server_command.h"

int main(int argc, char** argv) {
  CLI::App app{"sctps: SCTP protected by the DTLS chunk, with in-band TLS 1.3 key management"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sctps 0.1.0");
  int exit_code = 0;
  sctps::app::add_decode_command(app, exit_code);
  sctps::app::add_server_command(app, exit_code);
  sctps::app::add_client_command(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
