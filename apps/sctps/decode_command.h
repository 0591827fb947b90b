#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps decode`: prints the structure of SCTP packets given as hex.
void add_decode_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
