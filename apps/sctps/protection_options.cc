#include "protection_options.h"

#include <CLI/CLI.hpp>

namespace sctps::app {

void add_protection_options(CLI::App& cmd, ProtectionCliOptions& o) {
  cmd.add_option("--protect", o.protect,
                 "DTLS chunk protection: off (plain SCTP), loose (protect if the peer agrees) or "
                 "strict (protect or abort)")
      ->check(CLI::IsMember({"off", "loose", "strict"}))
      ->default_str("off");
  cmd.add_option("--psk-file", o.psk_file,
                 "pre-shared keys (key-management method 0); format in docs/psk.md")
      ->check(CLI::ExistingFile);
  cmd.add_option("--keylog", o.keylog,
                 "append a key-log line per installed key (for Wireshark); default "
                 "$SCTPS_KEYLOGFILE if set, else none");
}

std::string apply_protection(const ProtectionCliOptions& o, api::ProtectionOptions& out) {
  out.mode = o.protect == "strict"  ? api::ProtectMode::kStrict
             : o.protect == "loose" ? api::ProtectMode::kLoose
                                    : api::ProtectMode::kOff;
  out.psk_file = o.psk_file;
  out.keylog_file = o.keylog;
  if (out.mode != api::ProtectMode::kOff && o.psk_file.empty()) {
    return "--protect " + o.protect +
           " needs key management: --psk-file FILE (pre-shared keys, docs/psk.md)";
  }
  if (out.mode == api::ProtectMode::kOff && !o.psk_file.empty()) {
    return "--psk-file needs --protect strict or --protect loose";
  }
  return {};
}

}  // namespace sctps::app
