#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps demo`: a server and a client in one process on loopback, protected with TLS 1.3 key
// management and throwaway certificates, with a timeline of what travels and a summary.
void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
