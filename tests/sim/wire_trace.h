// What crosses the simulated wire, decoded with the wire codecs: a log of packet events (sent,
// delivered, dropped) and helpers for filters that inspect or rewrite packets. Tests use it to
// assert RFC 9260 behaviour chunk by chunk: which chunk, which tag, which cause, at what time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/sim/network.h"
#include "wire/abort_chunk.h"
#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/data_chunk.h"
#include "wire/error_causes.h"
#include "wire/error_chunk.h"
#include "wire/packet.h"
#include "wire/sack_chunk.h"
#include "wire/shutdown_chunks.h"

namespace sctps::sim {

namespace ct = wire::chunk_type;

// One packet event, with a copy of the packet. Views returned by the accessors point into `bytes`.
struct WireRecord {
  TimePoint time;
  TraceKind kind = TraceKind::kSent;
  DropReason reason = DropReason::kNone;
  IpAddress from;
  IpAddress to;
  std::vector<std::uint8_t> bytes;

  std::optional<wire::PacketView> view() const {
    auto v = wire::PacketView::parse(bytes);
    if (!v) return std::nullopt;
    return *v;
  }
  VerificationTag tag() const {
    auto v = view();
    return v ? v->header().verification_tag : VerificationTag(0);
  }
  std::vector<wire::ChunkView> chunks() const {
    std::vector<wire::ChunkView> out;
    if (auto v = view()) {
      for (const wire::ChunkView& c : *v) out.push_back(c);
    }
    return out;
  }
  std::vector<std::uint8_t> types() const {
    std::vector<std::uint8_t> out;
    for (const auto& c : chunks()) out.push_back(c.type);
    return out;
  }
  bool has(std::uint8_t type) const {
    const auto t = types();
    return std::find(t.begin(), t.end(), type) != t.end();
  }
  std::optional<wire::ChunkView> first_of(std::uint8_t type) const {
    for (const auto& c : chunks()) {
      if (c.type == type) return c;
    }
    return std::nullopt;
  }
  std::vector<wire::DataChunk> data() const {
    std::vector<wire::DataChunk> out;
    for (const auto& c : chunks()) {
      if (c.type != ct::kData) continue;
      if (auto d = wire::DataChunk::parse(c)) out.push_back(*d);
    }
    return out;
  }
  std::optional<wire::SackChunk> sack() const {
    auto c = first_of(ct::kSack);
    if (!c) return std::nullopt;
    auto s = wire::SackChunk::parse(*c);
    if (!s) return std::nullopt;
    return *s;
  }
  // The error causes of the first ABORT or ERROR chunk (chunk_type says which).
  std::vector<wire::ErrorCause> causes(std::uint8_t chunk_type) const {
    std::vector<wire::ErrorCause> out;
    auto c = first_of(chunk_type);
    if (!c || c->value.empty()) return out;
    auto block = wire::TlvBlock::parse(c->value);
    if (!block) return out;
    for (const wire::TlvView& item : *block) {
      if (auto cause = wire::parse_error_cause(item)) out.push_back(*cause);
    }
    return out;
  }
  // One line: time, event, addresses, and each chunk described by its codec.
  std::string describe(TimePoint t0) const {
    static constexpr const char* kKinds[] = {"sent", "injected", "dup", "delivered", "dropped"};
    std::string out = std::to_string(ms_since(t0)) + " ms " + kKinds[static_cast<int>(kind)];
    if (kind == TraceKind::kDropped) out += std::string("(") + to_string(reason) + ")";
    out += " " + from.to_string() + " -> " + to.to_string() + ":";
    for (const auto& c : chunks()) {
      out += " [" + std::string(wire::chunk_type_name(c.type));
      if (c.type == ct::kData) {
        if (auto d = wire::DataChunk::parse(c)) out += " " + d->describe();
      } else if (c.type == ct::kSack) {
        if (auto sk = wire::SackChunk::parse(c)) out += " " + sk->describe();
      }
      out += "]";
    }
    return out;
  }
  double ms_since(TimePoint t0) const {
    return std::chrono::duration<double, std::milli>(time - t0).count();
  }
};

class WireLog {
 public:
  explicit WireLog(Network& net) {
    net.set_tracer([this](const TraceRecord& r) {
      if (!enabled) return;
      if (r.kind == TraceKind::kDuplicated) return;
      WireRecord w;
      w.time = r.time;
      w.kind = r.kind;
      w.reason = r.reason;
      w.from = r.packet.from;
      w.to = r.packet.to;
      w.bytes = r.packet.bytes;
      records.push_back(std::move(w));
    });
  }

  // Records of one kind, optionally only from `from` and only with a chunk of `type`.
  std::vector<const WireRecord*> select(TraceKind kind, std::optional<IpAddress> from = {},
                                        std::optional<std::uint8_t> type = {},
                                        std::optional<IpAddress> to = {}) const {
    std::vector<const WireRecord*> out;
    for (const WireRecord& r : records) {
      if (r.kind != kind) continue;
      if (from && r.from != *from) continue;
      if (to && r.to != *to) continue;
      if (type && !r.has(*type)) continue;
      out.push_back(&r);
    }
    return out;
  }
  std::vector<const WireRecord*> sent(std::optional<IpAddress> from = {},
                                      std::optional<std::uint8_t> type = {}) const {
    return select(TraceKind::kSent, from, type);
  }
  std::vector<const WireRecord*> delivered(std::optional<IpAddress> to = {},
                                           std::optional<std::uint8_t> type = {}) const {
    return select(TraceKind::kDelivered, {}, type, to);
  }
  void clear() { records.clear(); }

  bool enabled = true;
  std::vector<WireRecord> records;
};

// Prints the log when the environment variable SCTPS_SIM_TRACE is set (debugging aid).
inline void dump_if_requested(const WireLog& log, TimePoint t0) {
  if (std::getenv("SCTPS_SIM_TRACE") == nullptr) return;
  for (const WireRecord& r : log.records) std::printf("%s\n", r.describe(t0).c_str());
}

// --- Filter helpers ---

inline std::optional<wire::PacketView> parse_packet(const Packet& p) {
  auto v = wire::PacketView::parse(p.bytes);
  if (!v) return std::nullopt;
  return *v;
}

inline bool packet_has(const Packet& p, std::uint8_t type) {
  auto v = parse_packet(p);
  if (!v) return false;
  for (const auto& c : *v) {
    if (c.type == type) return true;
  }
  return false;
}

// TSNs of the DATA chunks of a packet.
inline std::vector<std::uint32_t> data_tsns(const Packet& p) {
  std::vector<std::uint32_t> out;
  auto v = parse_packet(p);
  if (!v) return out;
  for (const auto& c : *v) {
    if (c.type != ct::kData) continue;
    if (auto d = wire::DataChunk::parse(c)) out.push_back(d->tsn.value());
  }
  return out;
}

inline void fix_checksum(Packet& p) {
  wire::write_sctp_checksum(wire::MutableBytes(p.bytes));
}

// Calls fn(pointer to the chunk header, chunk length) for each chunk of `type`; fixes the checksum
// afterwards when fn returned true for any.
inline bool rewrite_chunks(Packet& p, std::uint8_t type,
                           const std::function<bool(std::uint8_t*, std::size_t)>& fn) {
  auto v = parse_packet(p);
  if (!v) return false;
  std::vector<std::pair<std::size_t, std::size_t>> where;
  for (const auto& c : *v) {
    if (c.type == type) where.emplace_back(c.offset, c.whole.size());
  }
  bool changed = false;
  for (const auto& [offset, length] : where) changed |= fn(p.bytes.data() + offset, length);
  if (changed) fix_checksum(p);
  return changed;
}

inline std::string cause_text(const wire::ErrorCause& cause) {
  return wire::describe_error_cause(cause);
}

}  // namespace sctps::sim
