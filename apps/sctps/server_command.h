#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps server`: accepts associations over UDP encapsulation and echoes or discards messages.
void add_server_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
