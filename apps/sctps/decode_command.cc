#include "decode_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

#include "wire/any_chunk.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/dtls_km_parameter.h"
#include "wire/error_causes.h"
#include "wire/packet.h"
#include "wire/packet_builder.h"
#include "wire/parameters.h"

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
  bool well_formed = true;
  for (const wire::ChunkView& c : *packet) {
    fmt::print("  [{:4}] ", c.offset);
    auto chunk = wire::parse_chunk(c);
    if (!chunk) {
      fmt::print("{} (0x{:02x}) malformed: {}\n", wire::chunk_type_name(c.type), c.type,
                 wire::to_string(chunk.error()));
      well_formed = false;
      continue;
    }
    fmt::print("{}\n", wire::describe_chunk(*chunk));
    const wire::NestedBlock nested = wire::nested_block(*chunk);
    if (nested.kind == wire::NestedKind::kNone) continue;
    auto items = wire::TlvBlock::parse(nested.bytes);
    if (!items) continue;  // the chunk parser already validated the framing
    for (const wire::TlvView& item : *items) {
      if (nested.kind == wire::NestedKind::kParameters) {
        auto param = wire::parse_parameter(item);
        if (!param) {
          fmt::print("         parameter 0x{:04x} malformed: {}\n", item.type,
                     wire::to_string(param.error()));
          well_formed = false;
          continue;
        }
        fmt::print("         {}", wire::describe_parameter(*param));
        if (wire::parameter_type_name(item.type) == "unknown") {
          fmt::print("  unrecognized: {}",
                     wire::to_string(wire::unknown_parameter_action(item.type)));
        }
        fmt::print("\n");
      } else {
        auto cause = wire::parse_error_cause(item);
        if (!cause) {
          fmt::print("         cause {} malformed: {}\n", item.type,
                     wire::to_string(cause.error()));
          well_formed = false;
          continue;
        }
        fmt::print("         {}\n", wire::describe_error_cause(*cause));
      }
    }
  }
  return crc_ok && well_formed;
}

// Packets shown by `sctps decode --examples`: one captured, the others built by the codec.
std::vector<std::vector<std::uint8_t>> example_packets() {
  std::vector<std::vector<std::uint8_t>> out;
  std::string why;
  std::vector<std::uint8_t> captured;
  // The INIT of the Ericsson proof-of-concept capture (frame 1): its parameter 0x8005 was an early
  // code point of the DTLS Key Management parameter and is Padding (RFC 4820) today.
  parse_hex(
      "03e907d100000000dc166f97010000240163902c00004000000200020163902c0009000800000000800500080001"
      "0002",
      captured, why);
  out.push_back(captured);

  // An INIT offering the DTLS chunk with TLS 1.3 key management (method 192) and pre-shared keys.
  wire::DtlsKeyManagementParameter km;
  km.tie_breaker = 0x5ca1ab1e;
  km.client = true;
  km.server = true;
  km.restart = true;
  km.methods = {wire::dtls_km_method::kTls13, wire::dtls_km_method::kPreSharedKeys};
  std::vector<wire::Parameter> params{wire::Ipv4AddressParameter{{192, 0, 2, 1}}, km,
                                      wire::ForwardTsnSupportedParameter{}};
  std::vector<std::uint8_t> param_buf(256);
  const auto block = wire::encode_parameters(param_buf, params);
  wire::InitChunk init;
  init.initiate_tag = VerificationTag(0x1b2c3d4e);
  init.a_rwnd = 1 << 20;
  init.outbound_streams = 16;
  init.inbound_streams = 16;
  init.initial_tsn = Tsn(1000);
  init.parameters = block.value_or(wire::Bytes{});
  wire::CommonHeader header{9899, 38412, VerificationTag(0), 0};
  std::vector<std::uint8_t> buf(1200);
  {
    wire::PacketBuilder b(buf, header);
    b.add(init);
    const auto p = b.finish();
    out.emplace_back(p.begin(), p.end());
  }

  // A SACK bundled with three small DATA chunks on different streams (paging-like traffic).
  header.verification_tag = VerificationTag(0x1b2c3d4e);
  {
    wire::PacketBuilder b(buf, header);
    wire::SackChunk sack;
    sack.cumulative_tsn_ack = Tsn(5000);
    sack.a_rwnd = 65536;
    sack.gap_ack_blocks = {{2, 3}};
    b.add(sack);
    static constexpr std::uint8_t kText[] = "paging request";
    for (std::uint16_t i = 0; i < 3; ++i) {
      wire::DataChunk d;
      d.tsn = Tsn(1000u + i);
      d.stream_id = StreamId(i);
      d.ssn = Ssn(7);
      d.ppid = Ppid(60);  // NGAP
      d.payload = wire::Bytes(kText, sizeof(kText) - 1);
      b.add(d);
    }
    const auto p = b.finish();
    out.emplace_back(p.begin(), p.end());
  }

  // An ABORT reporting that the peer offered no common key-management method.
  {
    wire::PacketBuilder b(buf, header);
    std::vector<wire::ErrorCause> causes{wire::NoCommonDtlsKeyManagementCause{}};
    std::vector<std::uint8_t> cause_buf(16);
    wire::AbortChunk abort;
    abort.causes = wire::encode_error_causes(causes, cause_buf).value_or(wire::Bytes{});
    b.add(abort);
    const auto p = b.finish();
    out.emplace_back(p.begin(), p.end());
  }
  return out;
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
  auto examples = std::make_shared<bool>(false);
  cmd->add_flag("--examples", *examples,
                "Decode built-in examples: a captured INIT and packets built by the codec");
  cmd->callback([packets, examples, &exit_code] {
    if (*examples) {
      for (const auto& p : example_packets()) {
        if (!decode_one(p)) exit_code = 1;
        fmt::print("\n");
      }
      return;
    }
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
