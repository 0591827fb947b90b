// Command line of the end-to-end benchmark programs (sctps_e2e, usrsctp_e2e, rfc6083_e2e), which
// run.sh drives the same way: MODE [--echo] [--test stream|rr] [--sctp-port N] [--remote-udp-port
// N]
// [--size BYTES] [--duration S] [--psk-file PATH]. --psk-file protects sctps with pre-shared keys
// (key-management method 0, docs/psk.md); only sctps_e2e uses it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace e2e {

// The program's name for messages; set by each program before parse().
inline const char* program = "e2e";

struct Args {
  std::string mode;
  std::string test = "stream";
  bool echo = false;
  std::uint16_t sctp_port = 5000;
  std::uint16_t remote_udp_port = 0;
  std::size_t size = 1200;
  double duration = 1.5;
  std::string psk_file;
};

[[noreturn]] inline void usage(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program, what.c_str());
  std::_Exit(2);
}

inline Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) usage("mode missing (server | client)");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) usage(k + " needs a value");
      return argv[++i];
    };
    if (k == "--echo") {
      a.echo = true;
    } else if (k == "--test") {
      a.test = v();
    } else if (k == "--sctp-port") {
      a.sctp_port = static_cast<std::uint16_t>(std::stoi(v()));
    } else if (k == "--remote-udp-port") {
      a.remote_udp_port = static_cast<std::uint16_t>(std::stoi(v()));
    } else if (k == "--size") {
      a.size = std::stoul(v());
    } else if (k == "--duration") {
      a.duration = std::stod(v());
    } else if (k == "--psk-file") {
      a.psk_file = v();
    } else {
      usage("unknown option " + k);
    }
  }
  return a;
}

}  // namespace e2e
