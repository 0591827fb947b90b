// Packet-level helpers for the handshake, collision, out-of-the-blue and verification-tag tests:
// a capture of what hosts put on the wire (decoded into chunks), raw packet builders for injected
// or rewritten packets, and accessors for the fixed fields of the chunks these tests look at.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim_harness.h"
#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"
#include "wire/error_causes.h"
#include "wire/packet.h"
#include "wire/tlv.h"

namespace sctps::sim {

namespace ct = wire::chunk_type;

struct SeenChunk {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::vector<std::uint8_t> whole;  // header and value, without padding
  std::vector<std::uint8_t> value() const { return {whole.begin() + 4, whole.end()}; }
  bool t_bit() const { return (flags & 0x01) != 0; }
  std::uint32_t u32(std::size_t offset) const { return wire::load_be32(whole.data() + offset); }
  std::uint16_t u16(std::size_t offset) const { return wire::load_be16(whole.data() + offset); }
};

struct SeenPacket {
  TimePoint time{};
  IpAddress from;
  IpAddress to;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t vtag = 0;
  bool injected = false;
  std::vector<SeenChunk> chunks;
  std::vector<std::uint8_t> bytes;

  std::uint8_t first() const { return chunks.empty() ? 0xFF : chunks.front().type; }
  const SeenChunk* find(std::uint8_t type) const {
    for (const SeenChunk& c : chunks) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }
  bool has(std::uint8_t type) const { return find(type) != nullptr; }
  std::vector<std::uint8_t> types() const {
    std::vector<std::uint8_t> out;
    for (const SeenChunk& c : chunks) out.push_back(c.type);
    return out;
  }
};

inline std::optional<SeenPacket> decode_packet(const std::vector<std::uint8_t>& bytes) {
  auto view = wire::PacketView::parse(bytes);
  if (!view) return std::nullopt;
  SeenPacket s;
  s.src_port = view->header().source_port;
  s.dst_port = view->header().destination_port;
  s.vtag = view->header().verification_tag.value();
  for (const wire::ChunkView& c : *view) {
    s.chunks.push_back(SeenChunk{c.type, c.flags, {c.whole.begin(), c.whole.end()}});
  }
  s.bytes = bytes;
  return s;
}

// Records every packet a host hands to the network (before filters) and every injected one.
class Capture {
 public:
  explicit Capture(Network& net) {
    net.set_tracer([this](const TraceRecord& r) {
      if (r.kind != TraceKind::kSent && r.kind != TraceKind::kInjected) return;
      auto s = decode_packet(r.packet.bytes);
      if (!s) return;
      s->time = r.time;
      s->from = r.packet.from;
      s->to = r.packet.to;
      s->injected = r.kind == TraceKind::kInjected;
      packets.push_back(std::move(*s));
    });
  }
  // Packets a host (not the test) sent from `from`.
  std::vector<SeenPacket> from(const IpAddress& address) const {
    std::vector<SeenPacket> out;
    for (const SeenPacket& p : packets) {
      if (!p.injected && p.from == address) out.push_back(p);
    }
    return out;
  }
  // Packets a host sent from `address` holding a chunk of `type`.
  std::vector<SeenPacket> with(const IpAddress& address, std::uint8_t type) const {
    std::vector<SeenPacket> out;
    for (const SeenPacket& p : from(address)) {
      if (p.has(type)) out.push_back(p);
    }
    return out;
  }
  std::vector<SeenPacket> packets;
};

// One chunk, padded, with its length field counting `value` (RFC 9260 §3.2).
inline std::vector<std::uint8_t> raw_chunk(std::uint8_t type, std::uint8_t flags,
                                           const std::vector<std::uint8_t>& value) {
  std::vector<std::uint8_t> out(4 + value.size());
  out[0] = type;
  out[1] = flags;
  wire::store_be16(out.data() + 2, static_cast<std::uint16_t>(4 + value.size()));
  std::copy(value.begin(), value.end(), out.begin() + 4);
  out.resize(wire::padded4(out.size()), 0);
  return out;
}

inline std::vector<std::uint8_t> be32(std::uint32_t v) {
  std::vector<std::uint8_t> out(4);
  wire::store_be32(out.data(), v);
  return out;
}

// A parameter or error cause TLV, unpadded.
inline std::vector<std::uint8_t> raw_tlv(std::uint16_t type,
                                         const std::vector<std::uint8_t>& value) {
  std::vector<std::uint8_t> out(4 + value.size());
  wire::store_be16(out.data(), type);
  wire::store_be16(out.data() + 2, static_cast<std::uint16_t>(4 + value.size()));
  std::copy(value.begin(), value.end(), out.begin() + 4);
  return out;
}

inline void reseal(std::vector<std::uint8_t>& packet) {
  wire::write_sctp_checksum(packet);
}

inline std::vector<std::uint8_t> raw_packet(std::uint16_t src, std::uint16_t dst,
                                            std::uint32_t vtag,
                                            const std::vector<std::vector<std::uint8_t>>& chunks) {
  std::vector<std::uint8_t> out(12, 0);
  wire::store_be16(out.data(), src);
  wire::store_be16(out.data() + 2, dst);
  wire::store_be32(out.data() + 4, vtag);
  for (const auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  reseal(out);
  return out;
}

inline std::vector<std::uint8_t> raw_data(std::uint32_t tsn, std::uint16_t stream,
                                          std::uint16_t ssn, std::uint32_t ppid,
                                          const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> v(12);
  wire::store_be32(v.data(), tsn);
  wire::store_be16(v.data() + 4, stream);
  wire::store_be16(v.data() + 6, ssn);
  wire::store_be32(v.data() + 8, ppid);
  v.insert(v.end(), payload.begin(), payload.end());
  return raw_chunk(ct::kData, 0x03, v);
}

// Inserts a chunk (already padded) at byte `offset` of a packet and fixes the checksum.
inline void insert_chunk(std::vector<std::uint8_t>& packet, std::size_t offset,
                         const std::vector<std::uint8_t>& chunk) {
  packet.insert(packet.begin() + static_cast<std::ptrdiff_t>(offset), chunk.begin(), chunk.end());
  reseal(packet);
}

// Appends parameters to the last chunk of a packet (an INIT or INIT ACK, alone in its packet).
inline void append_parameters(std::vector<std::uint8_t>& packet,
                              const std::vector<std::vector<std::uint8_t>>& params) {
  const std::uint16_t length = wire::load_be16(packet.data() + 14);
  std::size_t size = 12 + wire::padded4(length);
  packet.resize(size, 0);
  for (const auto& p : params) {
    packet.resize(wire::padded4(packet.size()), 0);
    packet.insert(packet.end(), p.begin(), p.end());
  }
  wire::store_be16(packet.data() + 14, static_cast<std::uint16_t>(packet.size() - 12));
  packet.resize(wire::padded4(packet.size()), 0);
  reseal(packet);
}

// Fixed fields of INIT / INIT ACK (§3.3.2).
struct InitFieldsSeen {
  std::uint32_t initiate_tag = 0;
  std::uint32_t a_rwnd = 0;
  std::uint16_t os = 0;
  std::uint16_t mis = 0;
  std::uint32_t initial_tsn = 0;
  std::vector<std::vector<std::uint8_t>> params;  // each TLV unpadded
};
inline InitFieldsSeen init_fields(const SeenChunk& c) {
  InitFieldsSeen f;
  f.initiate_tag = c.u32(4);
  f.a_rwnd = c.u32(8);
  f.os = c.u16(12);
  f.mis = c.u16(14);
  f.initial_tsn = c.u32(16);
  const wire::Bytes block(c.whole.data() + 20, c.whole.size() - 20);
  if (auto tlvs = wire::TlvBlock::parse(block)) {
    for (const wire::TlvView& t : *tlvs) f.params.emplace_back(t.whole.begin(), t.whole.end());
  }
  return f;
}
inline const std::vector<std::uint8_t>* find_param(const InitFieldsSeen& f, std::uint16_t type) {
  for (const auto& p : f.params) {
    if (wire::load_be16(p.data()) == type) return &p;
  }
  return nullptr;
}

// The causes of an ERROR or ABORT chunk, each TLV unpadded.
inline std::vector<std::vector<std::uint8_t>> causes(const SeenChunk& c) {
  std::vector<std::vector<std::uint8_t>> out;
  const wire::Bytes block(c.whole.data() + 4, c.whole.size() - 4);
  if (auto tlvs = wire::TlvBlock::parse(block)) {
    for (const wire::TlvView& t : *tlvs) out.emplace_back(t.whole.begin(), t.whole.end());
  }
  return out;
}
inline std::uint16_t cause_code(const std::vector<std::uint8_t>& cause) {
  return wire::load_be16(cause.data());
}

inline std::vector<std::uint8_t> ipv4_param(const IpAddress& a) {
  const auto b = a.bytes();
  return raw_tlv(wire::parameter_type::kIpv4Address, {b.begin(), b.end()});
}

inline Duration since(TimePoint a, TimePoint b) {
  return std::chrono::duration_cast<Duration>(a - b);
}

inline bool holds_chunk(const Packet& p, std::uint8_t type) {
  auto s = decode_packet(p.bytes);
  return s && s->has(type);
}

// A filter dropping the first `count` packets that hold a chunk of `type` (all when count < 0);
// copies of the dropped packets go to `dropped` when given.
inline Filter drop_chunks(std::uint8_t type, int count, std::vector<Packet>* dropped = nullptr) {
  auto left = std::make_shared<int>(count);
  return [=](Packet& p) {
    if (*left == 0 || !holds_chunk(p, type)) return Verdict::kPass;
    if (*left > 0) --*left;
    if (dropped != nullptr) dropped->push_back(p);
    return Verdict::kDrop;
  };
}

// Events of one kind an EndpointHost recorded.
template <typename E>
std::vector<E> events_of(const EndpointHost& h) {
  std::vector<E> out;
  for (const core::Event& e : h.events()) {
    if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
  }
  return out;
}

}  // namespace sctps::sim
