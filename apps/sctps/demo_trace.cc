#include "demo_trace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <utility>

#include "km/km_message.h"
#include "protect/key_log.h"
#include "wire/any_chunk.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/data_chunk.h"
#include "wire/dtls_chunk.h"
#include "wire/dtls_km_parameter.h"
#include "wire/init_chunk.h"
#include "wire/packet.h"
#include "wire/sack_chunk.h"
#include "wire/shutdown_chunks.h"

namespace sctps::app {

std::string_view side_name(DemoSide side) {
  return side == DemoSide::kClient ? "client" : "server";
}

namespace {

// A key-management message is a TLS flight of a few KB; reassembly stops beyond this.
constexpr std::size_t kMaxKmMessage = std::size_t{256} << 10;

DemoSide other(DemoSide s) {
  return s == DemoSide::kClient ? DemoSide::kServer : DemoSide::kClient;
}

std::string arrow(DemoSide from) {
  return fmt::format("{} → {}", side_name(from), side_name(other(from)));
}

// Serial number arithmetic (RFC 1982, as RFC 9260 §1.6 uses it for TSNs): a is after b.
bool after(std::uint32_t a, std::uint32_t b) {
  return a != b && a - b < 0x80000000U;
}

std::string size_text(std::uint64_t bytes) {
  if (bytes >= 10U << 20) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1048576.0);
  if (bytes >= 10U << 10) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string epochs_text(const std::set<std::uint64_t>& epochs) {
  std::string out;
  for (std::uint64_t e : epochs) out += (out.empty() ? "" : ", ") + std::to_string(e);
  return out;
}

// The DTLS Key Management parameter (draft-ietf-tsvwg-sctp-dtls-chunk §4.1) of an INIT / INIT ACK.
std::string km_parameter(const wire::InitFields& init, std::string_view verb) {
  for (const wire::TlvView& p : init.parameter_block()) {
    if (p.type != wire::parameter_type::kDtlsKeyManagement) continue;
    auto km = wire::DtlsKeyManagementParameter::parse(p);
    if (!km) return "; DTLS Key Management 0x8006 malformed";
    std::string methods;
    for (std::uint8_t m : km->methods) {
      if (!methods.empty()) methods += ", ";
      methods += m == wire::dtls_km_method::kTls13           ? "192 (TLS 1.3)"
                 : m == wire::dtls_km_method::kPreSharedKeys ? "0 (pre-shared keys)"
                                                             : std::to_string(m);
    }
    std::string roles = km->client && km->server ? "client or server"
                        : km->client             ? "client"
                        : km->server             ? "server"
                                                 : "none";
    return fmt::format("; DTLS Key Management 0x8006 {} methods [{}], key-management role {}{}",
                       verb, methods, roles, km->restart ? ", restart keys" : "");
  }
  return "; no DTLS Key Management parameter (plain SCTP)";
}

// TLS 1.3 handshake message names (RFC 8446 §4).
std::string_view handshake_name(std::uint8_t type) {
  switch (type) {
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 5: return "EndOfEarlyData";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 13: return "CertificateRequest";
    case 15: return "CertificateVerify";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    default: return "handshake message";
  }
}

}  // namespace

std::unique_ptr<KeyLogTail> KeyLogTail::open(const std::string& path, std::uint64_t start_offset) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::unique_ptr<KeyLogTail>(new KeyLogTail(fd, start_offset));
}

KeyLogTail::~KeyLogTail() {
  protect::wipe_key_log_line(partial_);
  ::close(fd_);
}

std::size_t KeyLogTail::poll(const std::function<void(std::string_view)>& line) {
  std::size_t lines = 0;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n <= 0) break;
    offset_ += static_cast<std::uint64_t>(n);
    partial_.append(buffer.data(), static_cast<std::size_t>(n));
    for (std::size_t end = partial_.find('\n'); end != std::string::npos;
         end = partial_.find('\n')) {
      // The line holds keys: every copy made of it here is wiped once used.
      std::string complete = partial_.substr(0, end);
      std::string rest = partial_.substr(end + 1);
      protect::wipe_key_log_line(partial_);
      partial_ = std::move(rest);
      line(complete);
      protect::wipe_key_log_line(complete);
      ++lines;
    }
  }
  std::fill(buffer.begin(), buffer.end(), '\0');
  return lines;
}

DemoTrace::DemoTrace(Print print, std::unique_ptr<KeyLogTail> key_log, Duration period)
    : print_(std::move(print)), key_log_(std::move(key_log)), period_(period) {}

void DemoTrace::add_key(std::string_view line) {
  auto entry = protect::parse_key_log_line(line);
  if (!entry) return;
  protect::ProtectorOptions options;
  // Each packet is seen once; the window only has to cover reordering.
  options.replay_window = protect::ReplayWindow::kMaxSize;
  auto [it, added] = keys_.try_emplace(
      KeyKey{entry->verification_tag, entry->id.restart, entry->id.epoch}, options);
  if (added && it->second.establish_receive_key(entry->id.restart, entry->id.epoch,
                                                entry->material) != protect::KeyStatus::kOk) {
    keys_.erase(it);
  }
}

std::vector<std::uint8_t> DemoTrace::open(std::span<const std::uint8_t> sctp,
                                          std::uint64_t& epoch) {
  const auto view = wire::PacketView::parse(sctp);
  if (!view) return {};
  auto dtls = wire::DtlsChunk::parse(view->first_chunk());
  if (!dtls) return {};
  const std::uint32_t tag = view->header().verification_tag.value();
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (auto& [key, protector] : keys_) {
      if (key.tag != tag || key.restart != dtls->restart || (key.epoch & 3U) != dtls->epoch_bits) {
        continue;
      }
      std::vector<std::uint8_t> copy(sctp.begin(), sctp.end());
      const protect::OpenResult r = protector.open(copy);
      if (!r.ok()) continue;
      std::vector<std::uint8_t> plain(copy.begin(), copy.begin() + wire::CommonHeader::kSize);
      plain.insert(plain.end(), r.chunks.bytes.begin(), r.chunks.bytes.end());
      epoch = r.key.epoch;
      return plain;
    }
    // Keys are logged (and flushed) when installed, before a packet protected with them leaves
    // or is processed: read what the log gained and try once more.
    if (!key_log_ || key_log_->poll([this](std::string_view l) { add_key(l); }) == 0) break;
  }
  return {};
}

std::string DemoTrace::km_message(DemoSide from, std::span<const std::uint8_t> message) {
  const km::KmParseResult parsed = km::parse_km_message(message);
  if (!parsed.ok()) {
    return fmt::format("key-management message ({} B) malformed: {}", message.size(),
                       km::to_string(*parsed.error));
  }
  const km::KmMessage& m = parsed.message;
  if (m.type == km::KmMessageType::kControl) {
    return fmt::format("KM epoch {}: Protection Established", m.epoch);
  }
  TlsFlight& flight = dir_[index(from)].tls[m.epoch];
  std::vector<std::string> parts;
  std::size_t encrypted = 0;
  std::size_t encrypted_bytes = 0;
  const auto flush_encrypted = [&] {
    if (encrypted == 0) return;
    // TLS 1.3 encrypts everything after ServerHello (RFC 8446 §2), so these records are named by
    // where they come in the handshake of this key-management role: the first encrypted flight,
    // then close_notify (tls_session.cc closes the connection once keys are exported; no tickets).
    std::string what;
    if (flight.encrypted_flights == 0 && flight.server) {
      what = "EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished";
    } else if (flight.encrypted_flights == 0 && flight.client) {
      what = "Certificate, CertificateVerify, Finished";
    } else {
      what = "close_notify";
    }
    ++flight.encrypted_flights;
    parts.push_back(fmt::format("[{}] (encrypted: {} record{}, {} B)", what, encrypted,
                                encrypted == 1 ? "" : "s", encrypted_bytes));
    encrypted = 0;
    encrypted_bytes = 0;
  };
  // parse_km_message checked that the records are whole; still, every read is bounded here.
  const wire::Bytes records = m.tls_records;
  for (std::size_t at = 0; records.size() - at >= km::kTlsRecordHeaderSize;) {
    const std::uint8_t type = records[at];
    const std::size_t length = std::size_t{records[at + 3]} << 8 | records[at + 4];
    at += km::kTlsRecordHeaderSize;
    if (records.size() - at < length) break;
    const wire::Bytes fragment = records.subspan(at, length);
    at += length;
    if (type == 23) {  // application_data: an encrypted record
      ++encrypted;
      encrypted_bytes += km::kTlsRecordHeaderSize + length;
      continue;
    }
    flush_encrypted();
    if (type == 22) {  // handshake, in clear: msg_type (1), length (3), body
      for (std::size_t h = 0; fragment.size() - h >= 4;) {
        const std::uint8_t msg = fragment[h];
        const std::size_t len = std::size_t{fragment[h + 1]} << 16 |
                                std::size_t{fragment[h + 2]} << 8 | fragment[h + 3];
        if (msg == 1) flight.client = true;
        if (msg == 2) flight.server = true;
        parts.push_back(fmt::format("{} ({} B)", handshake_name(msg), 4 + len));
        h += 4;
        if (fragment.size() - h < len) break;
        h += len;
      }
    } else if (type == 21 && fragment.size() >= 2) {
      parts.push_back(fmt::format("Alert {} (in clear)", fragment[1]));
    } else if (type == 20) {
      parts.push_back("ChangeCipherSpec");
    } else {
      parts.push_back(fmt::format("record type {}", type));
    }
  }
  flush_encrypted();
  std::string text = fmt::format("KM epoch {}: TLS ", m.epoch);
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : ", ") + parts[i];
  return text;
}

bool DemoTrace::describe(DemoSide from, const std::vector<std::uint8_t>& packet,
                         std::string& text) {
  const auto view = wire::PacketView::parse(packet);
  if (!view) {
    text = fmt::format("malformed packet ({} B): {}", packet.size(), wire::to_string(view.error()));
    return true;
  }
  Direction& d = dir_[index(from)];
  SideFacts& facts = facts_[index(from)];
  SideFacts& peer = facts_[index(other(from))];
  bool notable = false;
  std::vector<std::string> items;
  std::uint64_t data = 0;
  std::uint64_t data_bytes = 0;
  std::uint64_t sacks = 0;
  std::uint64_t heartbeats = 0;
  const auto note_ack = [&](std::uint32_t cum) {
    if (!peer.cum_acked_by_peer || after(cum, *peer.cum_acked_by_peer)) {
      peer.cum_acked_by_peer = cum;
    }
  };
  for (const wire::ChunkView& c : *view) {
    switch (c.type) {
      case wire::chunk_type::kData: {
        auto chunk = wire::DataChunk::parse(c);
        if (!chunk) {
          items.push_back("DATA malformed");
          notable = true;
          break;
        }
        ++facts.data_chunks;
        if (chunk->ppid.value() != km::kKeyManagementPpid) {
          ++data;
          data_bytes += chunk->payload.size();
          break;
        }
        // A key-management message: reassembled from its fragments (consecutive TSNs, §6.9) and
        // shown when complete. A retransmitted fragment is shown once.
        const std::uint32_t tsn = chunk->tsn.value();
        if (d.last_km_tsn && !after(tsn, *d.last_km_tsn)) {
          items.push_back(fmt::format("DATA TSN {} (key management, retransmitted)", tsn));
          notable = true;
          break;
        }
        d.last_km_tsn = tsn;
        if (chunk->beginning) d.km = KmReassembly{true, tsn, 0, {}};
        if (!d.km.active || d.km.next_tsn != tsn) {
          d.km.active = false;
          items.push_back(fmt::format("DATA TSN {} (key management, fragment out of order)", tsn));
          notable = true;
          break;
        }
        if (d.km.bytes.size() + chunk->payload.size() > kMaxKmMessage) {
          d.km.active = false;
          items.push_back(
              fmt::format("DATA TSN {} (key-management message too large to show)", tsn));
          notable = true;
          break;
        }
        d.km.bytes.insert(d.km.bytes.end(), chunk->payload.begin(), chunk->payload.end());
        ++d.km.fragments;
        d.km.next_tsn = tsn + 1;
        notable = true;
        if (!chunk->ending) {
          items.push_back(
              fmt::format("DATA TSN {} (key-management fragment {})", tsn, d.km.fragments));
          break;
        }
        ++facts.km_messages;
        items.push_back(km_message(from, d.km.bytes) +
                        (d.km.fragments > 1
                             ? fmt::format(" [{} DATA fragments, last TSN {}]", d.km.fragments, tsn)
                             : fmt::format(" [DATA TSN {}, stream 0, PPID 4242]", tsn)));
        d.km = KmReassembly{};
        break;
      }
      case wire::chunk_type::kSack: {
        ++sacks;
        if (auto sack = wire::SackChunk::parse(c)) note_ack(sack->cumulative_tsn_ack.value());
        break;
      }
      case wire::chunk_type::kHeartbeat:
      case wire::chunk_type::kHeartbeatAck:
      case wire::chunk_type::kPad: ++heartbeats; break;
      case wire::chunk_type::kInit:
      case wire::chunk_type::kInitAck: {
        notable = true;
        const bool init = c.type == wire::chunk_type::kInit;
        std::optional<wire::InitFields> fields;
        if (init) {
          if (auto i = wire::InitChunk::parse(c)) fields = *i;
        } else if (auto i = wire::InitAckChunk::parse(c)) {
          fields = *i;
        }
        if (!fields) {
          items.push_back(fmt::format("{} malformed", wire::chunk_type_name(c.type)));
          break;
        }
        facts.initial_tsn = fields->initial_tsn.value();
        items.push_back(fmt::format("{}: initiate tag 0x{:08x}, initial TSN {}, streams {}/{}{}",
                                    wire::chunk_type_name(c.type), fields->initiate_tag.value(),
                                    fields->initial_tsn.value(), fields->outbound_streams,
                                    fields->inbound_streams,
                                    km_parameter(*fields, init ? "offers" : "answers")));
        break;
      }
      case wire::chunk_type::kShutdown: {
        notable = true;
        auto s = wire::ShutdownChunk::parse(c);
        if (s) note_ack(s->cumulative_tsn_ack.value());
        items.push_back(
            s ? fmt::format("SHUTDOWN (cumulative TSN ack {})", s->cumulative_tsn_ack.value())
              : std::string("SHUTDOWN malformed"));
        break;
      }
      default: {
        notable = true;
        auto chunk = wire::parse_chunk(c);
        items.push_back(chunk ? wire::describe_chunk(*chunk)
                              : fmt::format("{} malformed", wire::chunk_type_name(c.type)));
        break;
      }
    }
  }
  if (!notable) {
    Aggregate& a = d.aggregate;
    a.data_chunks += data;
    a.user_bytes += data_bytes;
    a.sacks += sacks;
    a.heartbeats += heartbeats;
    return false;
  }
  if (data > 0) items.push_back(fmt::format("{} DATA ({})", data, size_text(data_bytes)));
  if (sacks > 0) items.push_back("SACK");
  text.clear();
  for (std::size_t i = 0; i < items.size(); ++i) text += (i == 0 ? "" : " + ") + items[i];
  return true;
}

void DemoTrace::on_client_packet(const api::PacketTrace& packet) {
  const DemoSide from = packet.direction == api::PacketTrace::Direction::kSent ? DemoSide::kClient
                                                                               : DemoSide::kServer;
  SideFacts& facts = facts_[index(from)];
  ++facts.packets;
  facts.bytes += packet.sctp.size();

  std::vector<std::uint8_t> plain(packet.sctp.begin(), packet.sctp.end());
  std::string prefix;
  std::optional<std::uint64_t> epoch;
  const auto view = wire::PacketView::parse(packet.sctp);
  if (view && wire::verify_sctp_checksum(packet.sctp) &&
      protect::ChunkProtector::classify(*view) == protect::PacketKind::kProtected) {
    ++facts.protected_packets;
    std::uint64_t opened_epoch = 0;
    plain = open(packet.sctp, opened_epoch);
    if (plain.empty()) {
      ++unopened_;
      auto dtls = wire::DtlsChunk::parse(view->first_chunk());
      line(packet.time, fmt::format("{}  DTLS chunk, epoch bits {}, {} B (no logged key opens it)",
                                    arrow(from), dtls ? dtls->epoch_bits : 0, packet.sctp.size()));
      return;
    }
    epoch = opened_epoch;
    wire_epochs_.insert(opened_epoch);
    prefix = fmt::format("[DTLS chunk, epoch {}] ", opened_epoch);
  }
  std::string text;
  if (describe(from, plain, text)) {
    line(packet.time, fmt::format("{}  {}{}", arrow(from), prefix, text));
    return;
  }
  Aggregate& a = dir_[index(from)].aggregate;
  ++a.packets;
  a.bytes += packet.sctp.size();
  if (epoch) {
    ++a.protected_packets;
    a.epochs.insert(*epoch);
  }
}

void DemoTrace::line(TimePoint t, const std::string& text) {
  // What was aggregated so far goes first, so that the timeline stays in order.
  flush(DemoSide::kClient, t);
  flush(DemoSide::kServer, t);
  if (print_) print_(t, text);
}

void DemoTrace::flush(DemoSide from, TimePoint now) {
  Aggregate& a = dir_[index(from)].aggregate;
  if (a.packets > 0 && print_) {
    std::string protection = a.protected_packets == a.packets ? "all protected"
                             : a.protected_packets == 0
                                 ? "none protected"
                                 : fmt::format("{} protected", a.protected_packets);
    if (!a.epochs.empty()) protection += ", epoch " + epochs_text(a.epochs);
    std::string what;
    if (a.data_chunks > 0) {
      what += fmt::format(", {} DATA chunks ({})", a.data_chunks, size_text(a.user_bytes));
    }
    if (a.sacks > 0) what += fmt::format(", {} SACK", a.sacks);
    if (a.heartbeats > 0) what += fmt::format(", {} HEARTBEAT", a.heartbeats);
    print_(now, fmt::format("{}  {} packet{} ({}; {}){}", arrow(from), a.packets,
                            a.packets == 1 ? "" : "s", protection, size_text(a.bytes), what));
  }
  a = Aggregate{};
}

void DemoTrace::tick(TimePoint now, bool force) {
  if (!last_flush_) last_flush_ = now;
  if (!force && now - *last_flush_ < period_) return;
  last_flush_ = now;
  flush(DemoSide::kClient, now);
  flush(DemoSide::kServer, now);
}

}  // namespace sctps::app
