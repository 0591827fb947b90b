#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps relay`: a lossy UDP relay between UDP-encapsulated SCTP endpoints (loss, delay, jitter,
// duplication, reordering from a seeded generator), for trying an association under bad network
// conditions without netem.
void add_relay_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
