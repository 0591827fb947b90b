#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps client`: connects, sends messages, optionally verifies their echo, prints a summary.
void add_client_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
