#include "decode_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/packet.h"

namespace sctps::app {
namespace {

bool parse_hex(const std::string& text, std::vector<std::uint8_t>& out, std::string& why) {
  out.clear();
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':')
      continue;
    else {
      why = fmt::format("not a hex digit: '{}'", c);
      return false;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) {
    why = "odd number of hex digits";
    return false;
  }
  return true;
}

// Returns false when the packet is malformed or its checksum is wrong.
bool decode_one(const std::vector<std::uint8_t>& bytes) {
  auto packet = wire::PacketView::parse(bytes);
  if (!packet) {
    fmt::print("malformed packet ({} bytes): {}\n", bytes.size(), wire::to_string(packet.error()));
    return false;
  }
  const auto& h = packet->header();
  const bool crc_ok = wire::verify_sctp_checksum(bytes);
  fmt::print("SCTP {} -> {}  vtag 0x{:08x}  checksum 0x{:08x} ({})  {} bytes, {} chunk(s)\n",
             h.source_port, h.destination_port, h.verification_tag.value(), h.checksum,
             crc_ok ? "ok" : fmt::format("wrong, expected 0x{:08x}", wire::sctp_checksum(bytes)),
             bytes.size(), packet->chunk_count());
  for (const wire::ChunkView& c : *packet) {
    const auto name = wire::chunk_type_name(c.type);
    fmt::print("  [{:4}] {} (0x{:02x})  flags 0x{:02x}  length {}", c.offset, name, c.type, c.flags,
               c.length());
    if (name == "unknown")
      fmt::print("  unrecognized: {}", wire::to_string(wire::unknown_chunk_action(c.type)));
    fmt::print("\n");
  }
  return crc_ok;
}

}  // namespace

void add_decode_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("decode", "Decode SCTP packets given as hex (common header onwards)");
  auto packets = std::make_shared<std::vector<std::string>>();
  cmd->add_option(
      "packets", *packets,
      "Packets as hex strings (spaces and colons ignored); read from standard input, one per "
      "line, when none are given");
  cmd->callback([packets, &exit_code] {
    std::vector<std::string> inputs = *packets;
    if (inputs.empty()) {
      for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty()) inputs.push_back(line);
      }
    }
    std::vector<std::uint8_t> bytes;
    for (const auto& text : inputs) {
      std::string why;
      if (!parse_hex(text, bytes, why)) {
        fmt::print(stderr, "sctps decode: {}\n", why);
        exit_code = 2;
        return;
      }
      if (!decode_one(bytes)) exit_code = 1;
    }
  });
}

}  // namespace sctps::app
