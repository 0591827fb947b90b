// Fuzz target: control messages (ancillary data) as the kernel hands them to recvmsg, and the
// writer that builds the send side. The first byte picks the mode:
//   0  the rest is a received control buffer: walk it and parse the receive metadata (pktinfo,
//      GRO segment size); every message must lie inside the buffer;
//   1  the rest describes messages to write (level, type, length, data) into a buffer of a
//      fuzzed capacity: reading back must give exactly the messages the writer accepted;
//   2  the rest gives a source address and a GSO segment size for write_send_metadata: the
//      buffer must hold the matching pktinfo and UDP_SEGMENT messages and nothing else.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "net/control_messages.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace {

using sctps::net::ControlMessage;
using sctps::net::ControlMessageReader;
using sctps::net::ControlMessageWriter;
using sctps::net::SocketAddress;

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void read_received(std::span<const std::uint8_t> control) {
  ControlMessageReader reader(control);
  std::size_t count = 0;
  while (const auto m = reader.next()) {
    check(inside(m->data, control));
    // Every message takes at least a header: the walk ends.
    check(++count <= control.size() / sctps::net::cmsg_header_size());
  }
  const auto meta = sctps::net::parse_receive_metadata(control);
  if (meta.local) {
    check(meta.local->is_v4() || meta.local->is_v6());
    check(meta.local->port() == 0);
  }
}

void write_and_read(std::span<const std::uint8_t> in) {
  if (in.empty()) return;
  std::vector<std::uint8_t> buffer(in[0]);
  in = in.subspan(1);
  ControlMessageWriter writer(buffer);
  struct Written {
    int level;
    int type;
    std::vector<std::uint8_t> data;
  };
  std::vector<Written> accepted;
  while (in.size() >= 3) {
    const int level = in[0];
    const int type = in[1];
    const std::size_t length = std::min<std::size_t>(in[2], in.size() - 3);
    const auto data = in.subspan(3, length);
    in = in.subspan(3 + length);
    const std::size_t before = writer.size();
    if (writer.add(level, type, data)) {
      accepted.push_back(Written{level, type, {data.begin(), data.end()}});
      check(writer.size() == before + sctps::net::cmsg_space(length) ||
            writer.size() == before + sctps::net::cmsg_length(length));
    } else {
      check(writer.size() == before);  // a refused add writes nothing
    }
    check(writer.size() <= buffer.size());
  }
  ControlMessageReader reader(std::span<const std::uint8_t>(buffer.data(), writer.size()));
  for (const Written& w : accepted) {
    const auto m = reader.next();
    check(m.has_value());
    check(m->level == w.level && m->type == w.type);
    check(m->data.size() == w.data.size());
    check(std::equal(w.data.begin(), w.data.end(), m->data.begin()));
  }
  check(!reader.next().has_value());
}

void send_metadata(std::span<const std::uint8_t> in) {
  if (in.size() < 20) return;
  const std::uint8_t family = in[0] % 3;  // unspecified, IPv4, IPv6
  const std::uint16_t gso = static_cast<std::uint16_t>(in[1] << 8 | in[2]);
  const std::size_t capacity = in[3];
  SocketAddress source;
  if (family == 1) {
    source = SocketAddress::v4({in[4], in[5], in[6], in[7]}, 0);
  } else if (family == 2) {
    std::array<std::uint8_t, 16> ip{};
    std::memcpy(ip.data(), in.data() + 4, 16);
    source = SocketAddress::v6(ip, 0);
  }
  std::vector<std::uint8_t> buffer(capacity);
  const auto used = sctps::net::write_send_metadata(buffer, source, gso);
  if (!used) return;
  check(*used <= buffer.size());
  ControlMessageReader reader(std::span<const std::uint8_t>(buffer.data(), *used));
  bool saw_pktinfo = false, saw_gso = false;
  while (const auto m = reader.next()) {
    if (m->level == IPPROTO_IP && m->type == IP_PKTINFO) {
      check(family == 1 && !saw_pktinfo);
      saw_pktinfo = true;
    } else if (m->level == IPPROTO_IPV6 && m->type == IPV6_PKTINFO) {
      check(family == 2 && !saw_pktinfo);
      saw_pktinfo = true;
    } else if (m->level == SOL_UDP && m->type == UDP_SEGMENT) {
      check(m->data.size() == sizeof(std::uint16_t) && !saw_gso);
      std::uint16_t value = 0;
      std::memcpy(&value, m->data.data(), sizeof(value));
      check(value == gso);
      saw_gso = true;
    } else {
      check(false);
    }
  }
  // The wildcard means "let the kernel choose": no pktinfo then.
  check(saw_pktinfo == (family != 0 && !source.is_any()));
  check(saw_gso == (gso > 0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      // A copy: the kernel's buffer is word aligned, the fuzzer's need not be; the parser must
      // cope with both, so odd offsets are tried too.
      std::vector<std::uint8_t> aligned(rest.begin(), rest.end());
      read_received(aligned);
      read_received(rest);
      break;
    }
    case 1: write_and_read(rest); break;
    default: send_metadata(rest); break;
  }
  return 0;
}
