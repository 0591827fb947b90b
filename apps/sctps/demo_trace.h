// The packet timeline of `sctps demo`: every packet the client endpoint sends and receives (on
// loopback that is the whole conversation), decoded as it happens. Protected packets are opened
// with the keys of the client's key log (the same lines Wireshark would read, our reading #6 of the
// specs README), each key in a receive-only protector of its own, so that the chunks inside a DTLS
// chunk show too.
//
// What is shown per packet: the SCTP handshake (INIT / INIT ACK with the DTLS Key Management
// parameter 0x8006), key-management messages (PPID 4242: the one-byte header of porfiri §4, then
// the TLS records, named by handshake type where TLS leaves them in clear and by position where
// TLS 1.3 encrypts them), shutdown and anything unusual. DATA of the application, SACK and
// HEARTBEAT are counted and shown as one line per direction and period, not one per packet.
//
// Network input is hostile even here: every length is checked by the wire parsers, and a packet
// that does not parse is shown as such.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "protect/chunk_protector.h"

namespace sctps::app {

enum class DemoSide : std::uint8_t { kClient = 0, kServer = 1 };

// Reads the lines a key log file gains, from the offset it had when the run started. The file
// stays open, so that its name may be removed while it is read.
class KeyLogTail {
 public:
  // nullptr when the file cannot be opened.
  static std::unique_ptr<KeyLogTail> open(const std::string& path, std::uint64_t start_offset);
  ~KeyLogTail();
  KeyLogTail(const KeyLogTail&) = delete;
  KeyLogTail& operator=(const KeyLogTail&) = delete;
  // Calls `line` for every complete new line (wiped after the call); returns how many.
  std::size_t poll(const std::function<void(std::string_view)>& line);

 private:
  KeyLogTail(int fd, std::uint64_t start_offset) : fd_(fd), offset_(start_offset) {}
  int fd_;
  std::uint64_t offset_;
  std::string partial_;  // an incomplete last line (may hold key bytes: wiped)
};

class DemoTrace {
 public:
  using Print = std::function<void(TimePoint t, const std::string& text)>;
  // `print`: one timeline line (empty when quiet). `key_log`: the client's key log, or null.
  DemoTrace(Print print, std::unique_ptr<KeyLogTail> key_log, Duration period);

  // The client endpoint's packet observer.
  void on_client_packet(const api::PacketTrace& packet);
  // Prints the aggregated lines when their period is over (or now, `force`).
  void tick(TimePoint now, bool force = false);

  // What the wire showed, per sending side.
  struct SideFacts {
    std::optional<std::uint32_t> initial_tsn;        // from its INIT / INIT ACK
    std::optional<std::uint32_t> cum_acked_by_peer;  // highest Cumulative TSN Ack the peer sent
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t protected_packets = 0;
    std::uint64_t data_chunks = 0;  // every DATA chunk seen, retransmissions included
    std::uint64_t km_messages = 0;
  };
  const SideFacts& facts(DemoSide side) const { return facts_[index(side)]; }
  // Epochs of the DTLS chunks opened (either direction).
  const std::set<std::uint64_t>& wire_epochs() const { return wire_epochs_; }
  // Protected packets no logged key opened (the timeline shows only their DTLS chunk header).
  std::uint64_t unopened() const { return unopened_; }

 private:
  static std::size_t index(DemoSide s) { return static_cast<std::size_t>(s); }

  struct Aggregate {
    std::uint64_t packets = 0;
    std::uint64_t protected_packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t data_chunks = 0;
    std::uint64_t user_bytes = 0;
    std::uint64_t sacks = 0;
    std::uint64_t heartbeats = 0;
    std::set<std::uint64_t> epochs;
  };
  // A key-management message being reassembled from DATA fragments (consecutive TSNs).
  struct KmReassembly {
    bool active = false;
    std::uint32_t next_tsn = 0;
    std::size_t fragments = 0;
    std::vector<std::uint8_t> bytes;
  };
  // Per sender and key-management epoch: where in the TLS handshake it is, for naming the records
  // TLS 1.3 encrypts (RFC 8446 §2: after ServerHello everything is encrypted).
  struct TlsFlight {
    bool client = false;  // sent a ClientHello
    bool server = false;  // sent a ServerHello
    int encrypted_flights = 0;
  };
  struct Direction {
    Aggregate aggregate;
    KmReassembly km;
    std::optional<std::uint32_t> last_km_tsn;
    std::map<std::uint8_t, TlsFlight> tls;
  };

  // Opens a protected packet; the plaintext chunks (with the common header) or empty.
  std::vector<std::uint8_t> open(std::span<const std::uint8_t> sctp, std::uint64_t& epoch);
  void add_key(std::string_view line);
  // Describes the chunks of `packet`; returns whether the packet deserves a line of its own.
  bool describe(DemoSide from, const std::vector<std::uint8_t>& packet, std::string& text);
  std::string km_message(DemoSide from, std::span<const std::uint8_t> message);
  void flush(DemoSide from, TimePoint now);
  // A line of its own, after the aggregates so far.
  void line(TimePoint t, const std::string& text);

  struct KeyKey {
    std::uint32_t tag;
    bool restart;
    std::uint64_t epoch;
    friend bool operator<(const KeyKey& a, const KeyKey& b) {
      if (a.tag != b.tag) return a.tag < b.tag;
      if (a.restart != b.restart) return a.restart < b.restart;
      return a.epoch < b.epoch;
    }
  };

  Print print_;
  std::unique_ptr<KeyLogTail> key_log_;
  Duration period_;
  std::optional<TimePoint> last_flush_;
  std::map<KeyKey, protect::ChunkProtector> keys_;
  std::array<Direction, 2> dir_;
  std::array<SideFacts, 2> facts_;
  std::set<std::uint64_t> wire_epochs_;
  std::uint64_t unopened_ = 0;
};

std::string_view side_name(DemoSide side);

}  // namespace sctps::app
