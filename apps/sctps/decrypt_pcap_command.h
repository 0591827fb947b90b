#pragma once

#include <CLI/CLI.hpp>

namespace sctps::app {

// `sctps decrypt-pcap IN KEYLOG OUT`: a capture with the DTLS chunks opened (issue #8), for tools
// without the Lua dissector.
void add_decrypt_pcap_command(CLI::App& app, int& exit_code);

}  // namespace sctps::app
