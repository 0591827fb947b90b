#include "decrypt_pcap_command.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "api/pcap_rewrite.h"
#include "protect/chunk_protector.h"
#include "protect/key_log.h"
#include "run_common.h"
#include "wire/crc32c.h"
#include "wire/dtls_chunk.h"
#include "wire/packet.h"

namespace sctps::app {

namespace {

using api::locate_sctp;
using api::PcapReader;
using api::PcapWriterFile;
using api::replace_sctp;

struct DecryptOptions {
  std::string in;
  std::string keylog;
  std::string out;
  bool json = false;
};

// One receive context per logged key direction: keys of later epochs share the two epoch bits of
// the DTLS chunk with earlier ones, which one protector cannot hold at once.
struct KeyKey {
  std::uint32_t tag;
  bool restart;
  std::uint64_t epoch;
  friend bool operator<(const KeyKey& a, const KeyKey& b) {
    return std::tie(a.tag, a.restart, a.epoch) < std::tie(b.tag, b.restart, b.epoch);
  }
};

// Orders byte strings (length first, then contents). std::less on vectors makes GCC 12 at -O3 warn
// of an impossible memcmp bound (a false -Wstringop-overread); explicit lengths keep it quiet.
struct BytesLess {
  bool operator()(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) const {
    if (a.size() != b.size()) return a.size() < b.size();
    return !a.empty() && std::memcmp(a.data(), b.data(), a.size()) < 0;
  }
};

struct Counts {
  std::uint64_t records = 0;
  std::uint64_t sctp = 0;
  std::uint64_t protected_packets = 0;
  std::uint64_t decrypted = 0;
  std::uint64_t kept = 0;  // protected, but no key opened it
};

int run(const DecryptOptions& o) {
  const auto fail = [](const std::string& why) {
    fmt::print(stderr, "sctps decrypt-pcap: {}\n", why);
    return kExitFailure;
  };
  std::ifstream log(o.keylog);
  if (!log) return fail("cannot read key log " + o.keylog);
  std::map<KeyKey, protect::ChunkProtector> contexts;
  std::size_t lines = 0;
  for (std::string line; std::getline(log, line);) {
    auto entry = protect::parse_key_log_line(line);
    protect::wipe_key_log_line(line);
    if (!entry) continue;
    protect::ProtectorOptions options;
    // A capture may hold a record more than once (sent and received on one host); duplicates are
    // served from `opened` below, so the window only has to cover reordering.
    options.replay_window = protect::ReplayWindow::kMaxSize;
    auto [it, added] = contexts.try_emplace(
        KeyKey{entry->verification_tag, entry->id.restart, entry->id.epoch}, options);
    if (added && it->second.establish_receive_key(entry->id.restart, entry->id.epoch,
                                                  entry->material) != protect::KeyStatus::kOk) {
      contexts.erase(it);
      continue;
    }
    ++lines;
  }
  if (lines == 0) return fail("no SCTP_DTLS key lines in " + o.keylog);

  std::string error;
  auto reader = PcapReader::open(o.in, error);
  if (!reader) return fail(error);
  auto writer = PcapWriterFile::create(o.out, reader->header(), error);
  if (!writer) return fail(error);

  Counts n;
  // Plaintext already recovered, by the DTLS chunk's bytes.
  std::map<std::vector<std::uint8_t>, std::vector<std::uint8_t>, BytesLess> opened;
  while (auto record = reader->next(error)) {
    ++n.records;
    std::vector<std::uint8_t> out = record->data;
    const auto at = locate_sctp(reader->header().link_type, record->data);
    if (at) {
      const std::span<const std::uint8_t> sctp(record->data.data() + at->sctp_offset,
                                               at->sctp_length);
      const auto view = wire::PacketView::parse(sctp);
      if (view && wire::verify_sctp_checksum(sctp)) {
        ++n.sctp;
        if (protect::ChunkProtector::classify(*view) == protect::PacketKind::kProtected) {
          ++n.protected_packets;
          const std::vector<std::uint8_t> chunk(view->first_chunk().whole.begin(),
                                                view->first_chunk().whole.end());
          std::vector<std::uint8_t> plain;
          if (auto hit = opened.find(chunk); hit != opened.end()) {
            plain = hit->second;
          } else if (auto dtls = wire::DtlsChunk::parse(view->first_chunk())) {
            const std::uint32_t tag = view->header().verification_tag.value();
            for (auto& [key, protector] : contexts) {
              if (key.tag != tag || key.restart != dtls->restart ||
                  (key.epoch & 3U) != dtls->epoch_bits) {
                continue;
              }
              std::vector<std::uint8_t> copy(sctp.begin(), sctp.end());
              const protect::OpenResult r = protector.open(copy);
              if (!r.ok()) continue;
              plain.assign(copy.begin(), copy.begin() + wire::CommonHeader::kSize);
              plain.insert(plain.end(), r.chunks.bytes.begin(), r.chunks.bytes.end());
              wire::write_sctp_checksum(plain);
              opened.emplace(chunk, plain);
              break;
            }
          }
          if (!plain.empty()) {
            ++n.decrypted;
            out = replace_sctp(record->data, *at, plain);
          } else {
            ++n.kept;
          }
        }
      }
    }
    if (!writer->write(*record, out)) return fail("cannot write " + o.out);
  }
  if (!error.empty()) return fail(o.in + ": " + error);
  if (o.json) {
    fmt::print(
        "{{\"records\":{},\"sctp_packets\":{},\"protected\":{},\"decrypted\":{},\"kept\":{}}}\n",
        n.records, n.sctp, n.protected_packets, n.decrypted, n.kept);
  } else {
    fmt::print("{} records, {} SCTP packets, {} protected: {} decrypted, {} kept as they were\n",
               n.records, n.sctp, n.protected_packets, n.decrypted, n.kept);
  }
  return kExitOk;
}

}  // namespace

void add_decrypt_pcap_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DecryptOptions>();
  CLI::App* cmd = app.add_subcommand(
      "decrypt-pcap",
      "write a copy of a capture in which every DTLS chunk that a key in the key log opens is "
      "replaced by the chunks it carried (checksums recomputed), so that any SCTP tool shows "
      "them; other packets are copied as they are");
  cmd->add_option("IN", o->in, "capture (classic pcap; raw IP, Ethernet or Linux cooked)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("KEYLOG", o->keylog, "key log written with --keylog or SCTPS_KEYLOGFILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("OUT", o->out, "capture to write")->required();
  cmd->add_flag("--json", o->json, "print the counts as JSON");
  cmd->footer("Exit codes: 0 written; 1 cannot read or write a file; 2 bad option.");
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace sctps::app
