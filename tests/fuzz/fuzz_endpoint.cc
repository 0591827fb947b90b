// Fuzz target: the whole receive path of an endpoint. Two endpoints are connected in memory; the
// fuzzer's bytes then become packets to the server, with the common header filled in so that they
// reach the association (or, when the first byte says so, left as they are), interleaved with time
// advancing. Never a crash, never a sanitizer report, never an exception.
#include <cstdint>
#include <vector>

#include "core/endpoint.h"
#include "wire/crc32c.h"
#include "wire/packet.h"

using namespace sctps;

namespace {

struct World {
  IpAddress a = *IpAddress::parse("10.0.0.1");
  IpAddress b = *IpAddress::parse("10.0.0.2");
  SeededRandom ra{1};
  SeededRandom rb{2};
  TimePoint now{};
  std::unique_ptr<core::Endpoint> client;
  std::unique_ptr<core::Endpoint> server;
  core::AssocId id = 0;
  std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(65536);

  World() {
    core::EndpointConfig ca;
    ca.local_port = 5000;
    ca.local_addresses = {a};
    core::EndpointConfig cb;
    cb.local_port = 6000;
    cb.local_addresses = {b};
    client = std::make_unique<core::Endpoint>(ca, ra, now);
    server = std::make_unique<core::Endpoint>(cb, rb, now);
    id = client->connect({b}, 6000, now);
    client->send(id, StreamId(0), Ppid(1), std::vector<std::uint8_t>(3000, 7), {}, now);
    exchange();
  }
  // Delivers packets both ways until quiet.
  void exchange() {
    for (int round = 0; round < 50; ++round) {
      bool any = false;
      while (auto t = client->poll_transmit(buf, now)) {
        server->handle_packet(wire::Bytes(buf.data(), t->size), a, b, now);
        any = true;
      }
      while (auto t = server->poll_transmit(buf, now)) {
        client->handle_packet(wire::Bytes(buf.data(), t->size), b, a, now);
        any = true;
      }
      while (client->poll_event()) {
      }
      while (server->poll_event()) {
      }
      if (!any) break;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World w;
  // The server's tag as the client sees it: take it from a packet the client sends.
  w.client->send(w.id, StreamId(1), Ppid(2), std::vector<std::uint8_t>(10, 1), {}, w.now);
  std::uint32_t tag = 0;
  if (auto t = w.client->poll_transmit(w.buf, w.now); t && t->size >= 12) {
    tag = wire::load_be32(w.buf.data() + 4);
  }
  // Split the input into packets: [len_hi len_lo flags] then len bytes of chunks.
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const std::size_t len = (std::size_t{data[pos]} << 8 | data[pos + 1]) % 2048;
    const std::uint8_t flags = data[pos + 2];
    pos += 3;
    const std::size_t take = std::min(len, size - pos);
    std::vector<std::uint8_t> packet(12 + take);
    std::copy(data + pos, data + pos + take, packet.begin() + 12);
    pos += take;
    wire::store_be16(packet.data(), 5000);
    wire::store_be16(packet.data() + 2, 6000);
    wire::store_be32(packet.data() + 4, (flags & 1) ? 0 : tag);
    if ((flags & 2) == 0) wire::write_sctp_checksum(packet);
    w.server->handle_packet(packet, w.a, w.b, w.now);
    if (flags & 4) w.now += ms(flags * 10);
    w.server->advance_time(w.now);
    while (w.server->poll_transmit(w.buf, w.now)) {
    }
    while (w.server->poll_event()) {
    }
  }
  return 0;
}
