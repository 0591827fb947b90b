#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps gen-certs`: a throwaway CA with a server and a client certificate (km/cert_gen.h), so that
// mutual TLS authentication can be tried in one step.
void add_gen_certs_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
