// The Runtime's pcap capture (RuntimeOptions::pcap_file): two Runtimes on loopback exchange an
// association's worth of traffic (handshake, echoed messages, some in GSO buffers, shutdown) with
// the client capturing. The file is read back with a reader written here from the libpcap format
// description, independent of the writer: every datagram in and out is one record, each a valid IP
// packet (header checksum, lengths), with UDP between the right ports (checksum over the
// pseudo-header) or SCTP directly over IP, carrying an SCTP packet whose CRC32c holds. tshark,
// when installed, must decode the chunks and flag nothing as malformed or with a bad checksum.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "net_test_util.h"
#include "runtime_test_util.h"
#include "wire/crc32c.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using testing::RuntimePair;
using Family = net::SocketAddress::Family;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

struct Record {
  std::uint32_t seconds = 0;
  std::uint32_t microseconds = 0;
  std::uint32_t original_length = 0;
  std::vector<std::uint8_t> data;
};

struct PcapFile {
  std::uint32_t magic = 0;
  std::uint16_t major = 0, minor = 0;
  std::uint32_t snap_length = 0;
  std::uint32_t link_type = 0;
  std::vector<Record> records;
  bool trailing_garbage = false;  // bytes after the last complete record
  std::size_t size = 0;
};

// Classic libpcap file: 24-byte header, then per packet 16 bytes (seconds, microseconds, captured
// length, original length) and the bytes. The writer uses little-endian fields.
std::optional<PcapFile> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (bytes.size() < 24) return std::nullopt;
  PcapFile f;
  f.size = bytes.size();
  f.magic = le32(bytes.data());
  f.major = static_cast<std::uint16_t>(bytes[4] | bytes[5] << 8);
  f.minor = static_cast<std::uint16_t>(bytes[6] | bytes[7] << 8);
  f.snap_length = le32(bytes.data() + 16);
  f.link_type = le32(bytes.data() + 20);
  std::size_t at = 24;
  while (at + 16 <= bytes.size()) {
    Record r;
    r.seconds = le32(bytes.data() + at);
    r.microseconds = le32(bytes.data() + at + 4);
    const std::uint32_t captured = le32(bytes.data() + at + 8);
    r.original_length = le32(bytes.data() + at + 12);
    if (at + 16 + captured > bytes.size()) break;
    r.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at + 16),
                  bytes.begin() + static_cast<std::ptrdiff_t>(at + 16 + captured));
    f.records.push_back(std::move(r));
    at += 16 + captured;
  }
  f.trailing_garbage = at != bytes.size();
  return f;
}

// RFC 1071 sum over the bytes, folded; a header with a correct checksum sums to 0xffff.
std::uint32_t ones_sum(std::span<const std::uint8_t> b, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i < b.size(); i += 2) {
    sum += static_cast<std::uint32_t>(b[i] << 8) + (i + 1 < b.size() ? b[i + 1] : 0u);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

struct Packet {
  int version = 0;
  std::vector<std::uint8_t> source, destination;
  std::uint8_t protocol = 0;
  std::uint16_t udp_source = 0, udp_destination = 0;
  std::span<const std::uint8_t> sctp;
};

// Parses one record as IP [+ UDP] + SCTP; on any inconsistency a gtest failure names it.
std::optional<Packet> parse_packet(const std::vector<std::uint8_t>& d, std::size_t index) {
  Packet p;
  std::span<const std::uint8_t> rest;
  if (d.empty()) {
    ADD_FAILURE() << "record " << index << " is empty";
    return std::nullopt;
  }
  p.version = d[0] >> 4;
  if (p.version == 4) {
    if (d.size() < 20 || d[0] != 0x45) {
      ADD_FAILURE() << "record " << index << ": bad IPv4 header";
      return std::nullopt;
    }
    EXPECT_EQ(be16(&d[2]), d.size()) << "record " << index << ": IPv4 total length";
    EXPECT_EQ(ones_sum(std::span(d.data(), 20)), 0xffffu)
        << "record " << index << ": IPv4 header checksum";
    EXPECT_GT(d[8], 0) << "TTL";
    p.protocol = d[9];
    p.source.assign(d.begin() + 12, d.begin() + 16);
    p.destination.assign(d.begin() + 16, d.begin() + 20);
    rest = std::span(d).subspan(20);
  } else if (p.version == 6) {
    if (d.size() < 40) {
      ADD_FAILURE() << "record " << index << ": short IPv6 header";
      return std::nullopt;
    }
    EXPECT_EQ(be16(&d[4]) + 40u, d.size()) << "record " << index << ": IPv6 payload length";
    p.protocol = d[6];
    p.source.assign(d.begin() + 8, d.begin() + 24);
    p.destination.assign(d.begin() + 24, d.begin() + 40);
    rest = std::span(d).subspan(40);
  } else {
    ADD_FAILURE() << "record " << index << ": IP version " << p.version;
    return std::nullopt;
  }
  if (p.protocol == 17) {
    if (rest.size() < 8) {
      ADD_FAILURE() << "record " << index << ": short UDP header";
      return std::nullopt;
    }
    p.udp_source = be16(&rest[0]);
    p.udp_destination = be16(&rest[2]);
    EXPECT_EQ(be16(&rest[4]), rest.size()) << "record " << index << ": UDP length";
    // Checksum over the pseudo-header (RFC 768, RFC 8200 §8.1) and the datagram: sums to 0xffff.
    EXPECT_NE(be16(&rest[6]), 0) << "record " << index << ": UDP checksum absent";
    std::uint32_t sum = ones_sum(p.source);
    sum = ones_sum(p.destination, sum);
    sum += 17 + static_cast<std::uint32_t>(rest.size());
    EXPECT_EQ(ones_sum(rest, sum), 0xffffu) << "record " << index << ": UDP checksum";
    p.sctp = rest.subspan(8);
  } else if (p.protocol == 132) {
    p.sctp = rest;
  } else {
    ADD_FAILURE() << "record " << index << ": IP protocol " << int{p.protocol};
    return std::nullopt;
  }
  if (p.sctp.size() < 12) {
    ADD_FAILURE() << "record " << index << ": no SCTP common header";
    return std::nullopt;
  }
  EXPECT_TRUE(wire::verify_sctp_checksum(p.sctp)) << "record " << index << ": SCTP CRC32c";
  return p;
}

// Chunk types of an SCTP packet, in order (RFC 9260 §3.2: type, flags, length, padded to 4).
std::vector<int> chunk_types(std::span<const std::uint8_t> sctp) {
  std::vector<int> types;
  std::size_t at = 12;
  while (at + 4 <= sctp.size()) {
    types.push_back(sctp[at]);
    const std::size_t length = be16(&sctp[at + 2]);
    if (length < 4) break;
    at += (length + 3) / 4 * 4;
  }
  return types;
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "sctps_pcap_" + std::to_string(::getpid()) + "_" + name + ".pcap";
}

std::uint64_t wall_seconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// PPIDs no dissector claims (IANA assigns small values; Wireshark would decode our test payloads
// as, say, IUA for PPID 1 and call them malformed).
constexpr std::uint32_t kPpidBase = 0x70000000;

struct CaptureRun {
  RuntimeCounters counters;      // the capturing client's
  std::uint16_t client_udp = 0;  // 0 over raw IP
  std::uint16_t server_udp = 0;
  std::uint16_t client_sctp = 0;
  std::uint16_t server_sctp = 0;
  std::uint64_t start_seconds = 0;
  std::uint64_t end_seconds = 0;
};

// Association client → server, messages echoed back and checked, graceful shutdown; the client
// captures to `path`. Fails the test (fatally) when the traffic does not complete.
void run_traffic(RuntimeOptions server, RuntimeOptions client, CaptureRun& run) {
  run.start_seconds = wall_seconds();
  RuntimePair p(server, client);
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  // Sizes that give single packets, fragmented messages (runs of full-size packets, sent as GSO
  // buffers where the kernel can) and bundles.
  const std::vector<std::size_t> sizes = {1, 100, 1400, 5000, 30000, 3, 7};
  std::size_t next = 0, verified = 0;
  ASSERT_TRUE(p.run(
      [&] {
        while (next < sizes.size()) {
          const auto status =
              p.client->send(p.client_id, 0, kPpidBase + static_cast<std::uint32_t>(next),
                             net::testing::pattern(sizes[next], static_cast<std::uint32_t>(next)));
          if (status == core::SendStatus::kWouldBlock) break;
          EXPECT_EQ(status, core::SendStatus::kOk);
          ++next;
        }
        for (const auto& e : p.server_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            EXPECT_EQ(p.server->send(m->id, m->message.stream.value(), m->message.ppid.value(),
                                     m->message.payload),
                      core::SendStatus::kOk);
          }
        }
        p.server_events.clear();
        for (const auto& e : p.client_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            const auto index = m->message.ppid.value() - kPpidBase;
            EXPECT_EQ(m->message.payload, net::testing::pattern(sizes.at(index), index));
            ++verified;
          }
        }
        p.client_events.clear();
        return verified == sizes.size();
      },
      10000ms))
      << "verified " << verified << " of " << sizes.size();
  ASSERT_TRUE(p.client->shutdown(p.client_id));
  ASSERT_TRUE(
      p.run([&] { return RuntimePair::find<core::AssociationDown>(p.client_events); }, 5000ms));
  // Let the server take the SHUTDOWN COMPLETE.
  ASSERT_TRUE(
      p.run([&] { return RuntimePair::find<core::AssociationDown>(p.server_events); }, 5000ms));
  run.counters = p.client->counters();
  run.client_udp = p.client->udp_port();
  run.server_udp = p.server->udp_port();
  run.client_sctp = p.client->sctp_port();
  run.server_sctp = p.server->sctp_port();
  if (p.client->gso_active()) {
    EXPECT_GT(run.counters.gso_buffers_out, 0u) << "the GSO path was not exercised";
  }
  p.client.reset();  // closes the capture
  p.server.reset();
  run.end_seconds = wall_seconds();
}

// Checks every record of a complete capture against the run; returns the chunk types seen.
std::set<int> check_capture(const PcapFile& f, const CaptureRun& run, Family family, bool raw) {
  EXPECT_EQ(f.magic, 0xa1b2c3d4u);
  EXPECT_EQ(f.major, 2);
  EXPECT_EQ(f.minor, 4);
  EXPECT_EQ(f.link_type, 101u);  // LINKTYPE_RAW
  EXPECT_GE(f.snap_length, 65535u);
  EXPECT_FALSE(f.trailing_garbage);
  std::set<int> types;
  std::uint64_t sent = 0, received = 0;
  std::uint64_t last = 0;
  const std::vector<std::uint8_t> loopback =
      family == Family::kV4
          ? std::vector<std::uint8_t>{127, 0, 0, 1}
          : std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (std::size_t i = 0; i < f.records.size(); ++i) {
    const Record& r = f.records[i];
    EXPECT_EQ(r.original_length, r.data.size()) << "record " << i;
    EXPECT_LT(r.microseconds, 1000000u) << "record " << i;
    const std::uint64_t stamp = std::uint64_t{r.seconds} * 1000000 + r.microseconds;
    EXPECT_GE(stamp, last) << "record " << i << ": timestamps go back";
    last = stamp;
    EXPECT_GE(r.seconds + 1, run.start_seconds) << "record " << i;
    EXPECT_LE(r.seconds, run.end_seconds + 1) << "record " << i;
    const auto p = parse_packet(r.data, i);
    if (!p) continue;
    EXPECT_EQ(p->version, family == Family::kV4 ? 4 : 6) << "record " << i;
    EXPECT_EQ(p->protocol, raw ? 132 : 17) << "record " << i;
    EXPECT_EQ(p->source, loopback) << "record " << i;
    EXPECT_EQ(p->destination, loopback) << "record " << i;
    const std::uint16_t sctp_source = be16(&p->sctp[0]);
    const std::uint16_t sctp_destination = be16(&p->sctp[2]);
    if (sctp_source == run.client_sctp) {
      ++sent;
      EXPECT_EQ(sctp_destination, run.server_sctp) << "record " << i;
      if (!raw) {
        EXPECT_EQ(p->udp_source, run.client_udp) << "record " << i;
        EXPECT_EQ(p->udp_destination, run.server_udp) << "record " << i;
      }
    } else {
      ++received;
      EXPECT_EQ(sctp_source, run.server_sctp) << "record " << i;
      EXPECT_EQ(sctp_destination, run.client_sctp) << "record " << i;
      if (!raw) {
        EXPECT_EQ(p->udp_source, run.server_udp) << "record " << i;
        EXPECT_EQ(p->udp_destination, run.client_udp) << "record " << i;
      }
    }
    for (const int t : chunk_types(p->sctp)) types.insert(t);
  }
  const RuntimeCounters& c = run.counters;
  EXPECT_EQ(c.send_dropped, 0u);
  EXPECT_EQ(sent, c.datagrams_out);
  EXPECT_EQ(received, c.datagrams_in - c.raw_other_port);
  EXPECT_EQ(f.records.size(), c.pcap_captured);
  EXPECT_EQ(c.pcap_not_captured, 0u);
  return types;
}

void expect_association_chunks(const std::set<int>& types) {
  // INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK, SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE
  // (RFC 9260 §3.2): the client sends or receives each of them.
  for (const int t : {1, 2, 10, 11, 0, 3, 7, 8, 14}) {
    EXPECT_EQ(types.count(t), 1u) << "chunk type " << t << " not captured";
  }
}

bool tshark_available() {
  return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

// Runs a shell command; its standard output, and whether it exited with 0.
std::pair<std::string, bool> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {"", false};
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {out, status == 0};
}

// tshark's output around the first `what`, for a failure message.
std::string around(const std::string& text, const std::string& what) {
  const auto at = text.find(what);
  if (at == std::string::npos) return {};
  const auto from = at > 2500 ? at - 2500 : 0;
  return text.substr(from, at - from + 200);
}

RuntimeOptions capturing(RuntimeOptions o, const std::string& path) {
  o.pcap_file = path;
  return o;
}

TEST(Pcap, OpenErrorsNameTheFile) {
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5000);
  o.pcap_file = "/nonexistent-sctps-dir/capture.pcap";
  auto r = Runtime::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "cannot open pcap file /nonexistent-sctps-dir/capture.pcap: No such file or directory");
  o.pcap_file = temp_path("tiny_limit");
  o.pcap_limit_bytes = 23;
  r = Runtime::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("at least 24 bytes"), std::string::npos) << r.error().message;
}

TEST(Pcap, WriteErrorIsReported) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5000);
  o.pcap_file = "/dev/full";  // every write fails with ENOSPC
  auto r = Runtime::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot write pcap file /dev/full: No space left on device");
}

// The headers made up for a capture, checked field by field against RFC 791 / 8200 / 768.
TEST(Pcap, SynthesizedHeaders) {
  std::vector<std::uint8_t> sctp(12, 0xab);  // a common header alone, with its CRC32c
  wire::write_sctp_checksum(sctp);
  std::array<std::uint8_t, kMaxSynthesizedHeaders> h{};
  // IPv4-mapped IPv6 addresses travelled as IPv4.
  const auto mapped = [](std::uint8_t last, std::uint16_t port) {
    return net::SocketAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, last},
                                  port);
  };
  ASSERT_EQ(
      synthesize_headers(h, mapped(1, 9899), mapped(2, 1234), CaptureEncapsulation::kUdp, sctp),
      28u);
  // Sized first and copied into (GCC 12 at -O2 warns, wrongly, about insert() here).
  std::vector<std::uint8_t> packet(28 + sctp.size());
  std::copy(h.begin(), h.begin() + 28, packet.begin());
  std::copy(sctp.begin(), sctp.end(), packet.begin() + 28);
  auto p = parse_packet(packet, 0);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->version, 4);
  EXPECT_EQ(p->source, (std::vector<std::uint8_t>{192, 0, 2, 1}));
  EXPECT_EQ(p->destination, (std::vector<std::uint8_t>{192, 0, 2, 2}));
  EXPECT_EQ(p->udp_source, 9899);
  EXPECT_EQ(p->udp_destination, 1234);
  EXPECT_EQ(h[8], 64);    // TTL
  EXPECT_EQ(h[6], 0x40);  // DF
  // IPv6 raw: Next Header 132, Payload Length without the IP header.
  const auto a6 = net::SocketAddress::loopback(Family::kV6, 0);
  ASSERT_EQ(synthesize_headers(h, a6, a6, CaptureEncapsulation::kIp, sctp), 40u);
  EXPECT_EQ(h[0] >> 4, 6);
  EXPECT_EQ(be16(&h[4]), 12);
  EXPECT_EQ(h[6], 132);
  // Families mixed: the destination becomes the sender family's unspecified address.
  const auto a4 = net::SocketAddress::loopback(Family::kV4, 1);
  ASSERT_EQ(synthesize_headers(h, a4, a6.with_port(2), CaptureEncapsulation::kUdp, sctp), 28u);
  EXPECT_EQ(h[0], 0x45);
  EXPECT_EQ(le32(&h[16]), 0u);
  EXPECT_EQ(be16(&h[22]), 2);
  // Nothing to go on, or too large for the length fields: not representable.
  EXPECT_EQ(synthesize_headers(h, net::SocketAddress(), net::SocketAddress(),
                               CaptureEncapsulation::kUdp, sctp),
            0u);
  const std::vector<std::uint8_t> huge(65535 - 20 - 8 + 1, 0);
  EXPECT_EQ(synthesize_headers(h, a4, a4, CaptureEncapsulation::kUdp, huge), 0u);
  EXPECT_EQ(synthesize_headers(h, a4, a4, CaptureEncapsulation::kIp, huge), 48u - 28u);
  EXPECT_EQ(synthesize_headers(h, a6, a6, CaptureEncapsulation::kUdp, huge), 48u);
}

TEST(Pcap, UdpOverIpv4EveryDatagramAsSent) {
  const std::string path = temp_path("udp4");
  CaptureRun run;
  run_traffic(testing::loopback_options(Family::kV4, 5000),
              capturing(testing::loopback_options(Family::kV4, 5001), path), run);
  if (HasFatalFailure()) return;
  const auto f = read_pcap(path);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->records.size(), run.counters.datagrams_in + run.counters.datagrams_out);
  expect_association_chunks(check_capture(*f, run, Family::kV4, false));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  if (!tshark_available()) {
    std::filesystem::remove(path);
    GTEST_SKIP() << "tshark not installed: the capture was checked by the test's own reader only";
  }
  // The ports are ephemeral, so tshark is told that UDP on the server's port carries SCTP.
  const std::string base =
      "tshark -n -r " + path + " -d udp.port==" + std::to_string(run.server_udp) + ",sctp ";
  const auto [fields, fields_ok] = run_command(base + "-T fields -e sctp.chunk_type 2>/dev/null");
  ASSERT_TRUE(fields_ok) << fields;
  std::set<int> tshark_types;
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < fields.size()) {
    std::size_t end = fields.find('\n', start);
    if (end == std::string::npos) end = fields.size();
    const std::string line = fields.substr(start, end - start);
    ++lines;
    std::size_t at = 0;
    while (at < line.size()) {
      std::size_t comma = line.find(',', at);
      if (comma == std::string::npos) comma = line.size();
      if (comma > at) tshark_types.insert(std::stoi(line.substr(at, comma - at)));
      at = comma + 1;
    }
    start = end + 1;
  }
  EXPECT_EQ(lines, f->records.size());
  expect_association_chunks(tshark_types);
  // Checksums verified by tshark too (they are off by default).
  const auto [verbose, verbose_ok] =
      run_command(base +
                  "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
                  "-o sctp.checksum:crc-32c -V 2>/dev/null");
  ASSERT_TRUE(verbose_ok);
  EXPECT_EQ(verbose.find("alformed"), std::string::npos) << around(verbose, "alformed");
  EXPECT_EQ(verbose.find("[Header checksum status: Bad]"), std::string::npos);
  EXPECT_EQ(verbose.find("[Checksum Status: Bad]"), std::string::npos);
  EXPECT_NE(verbose.find("[Checksum Status: Good]"), std::string::npos);
  EXPECT_NE(verbose.find("Stream Control Transmission Protocol"), std::string::npos);
  std::filesystem::remove(path);
}

// A socket bound to the wildcard address: the capture shows the addresses actually used (the
// route's source when sending, pktinfo's destination when receiving), not 0.0.0.0.
TEST(Pcap, WildcardSocketShowsRealAddresses) {
  const std::string path = temp_path("wildcard");
  RuntimeOptions client = capturing(testing::loopback_options(Family::kV4, 5001), path);
  client.local_addresses.clear();  // 0.0.0.0
  CaptureRun run;
  run_traffic(testing::loopback_options(Family::kV4, 5000), client, run);
  if (HasFatalFailure()) return;
  const auto f = read_pcap(path);
  ASSERT_TRUE(f.has_value());
  expect_association_chunks(check_capture(*f, run, Family::kV4, false));
  std::filesystem::remove(path);
}

TEST(Pcap, UdpOverIpv6) {
  if (!net::testing::loopback_available(Family::kV6)) GTEST_SKIP() << "no IPv6 loopback";
  const std::string path = temp_path("udp6");
  CaptureRun run;
  run_traffic(testing::loopback_options(Family::kV6, 5000),
              capturing(testing::loopback_options(Family::kV6, 5001), path), run);
  if (HasFatalFailure()) return;
  const auto f = read_pcap(path);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->records.size(), run.counters.datagrams_in + run.counters.datagrams_out);
  expect_association_chunks(check_capture(*f, run, Family::kV6, false));
  std::filesystem::remove(path);
}

TEST(Pcap, SizeLimitStopsWritingAndCounts) {
  const std::string path = temp_path("limit");
  constexpr std::size_t kLimit = 2000;
  CaptureRun run;
  RuntimeOptions client = capturing(testing::loopback_options(Family::kV4, 5001), path);
  client.pcap_limit_bytes = kLimit;
  run_traffic(testing::loopback_options(Family::kV4, 5000), client, run);
  if (HasFatalFailure()) return;
  const auto f = read_pcap(path);
  ASSERT_TRUE(f.has_value());
  EXPECT_LE(f->size, kLimit);
  EXPECT_FALSE(f->trailing_garbage);
  const RuntimeCounters& c = run.counters;
  EXPECT_GT(c.pcap_captured, 0u);
  EXPECT_GT(c.pcap_not_captured, 0u);
  EXPECT_EQ(f->records.size(), c.pcap_captured);
  EXPECT_EQ(c.pcap_captured + c.pcap_not_captured, c.datagrams_in + c.datagrams_out);
  // What was written is the start of the traffic, intact: the handshake comes first.
  ASSERT_FALSE(f->records.empty());
  const auto first = parse_packet(f->records.front().data, 0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(chunk_types(first->sctp), std::vector<int>{1});  // INIT
  for (std::size_t i = 1; i < f->records.size(); ++i) (void)parse_packet(f->records[i].data, i);
  std::filesystem::remove(path);
}

// SCTP directly over IP (raw sockets): skipped as in runtime_transport_test.
std::string raw_sctp_unavailable() {
  std::error_code ec;
  if (std::filesystem::exists("/sys/module/sctp", ec) ||
      std::filesystem::exists("/proc/net/sctp", ec)) {
    return "the kernel's sctp module is loaded: it would answer our packets with ABORT";
  }
  return {};
}

class PcapRawIp : public ::testing::TestWithParam<Family> {};

TEST_P(PcapRawIp, IpAndSctp) {
  const Family family = GetParam();
  if (const auto why = raw_sctp_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (!net::testing::loopback_available(family)) {
    GTEST_SKIP() << "no " << net::testing::family_name(family) << " loopback";
  }
  // Every raw SCTP socket sees every SCTP packet of the host: ports apart from other tests'.
  const auto base = static_cast<std::uint16_t>(40000 + (::getpid() % 10000) * 2);
  RuntimeOptions server = testing::loopback_options(family, base);
  RuntimeOptions client = testing::loopback_options(family, static_cast<std::uint16_t>(base + 1));
  server.transport = client.transport = Transport::kRawIp;
  {
    auto probe = Runtime::create(server);
    if (!probe.ok() && (probe.error().code == EPERM || probe.error().code == EACCES)) {
      GTEST_SKIP() << probe.error().message;
    }
    ASSERT_TRUE(probe.ok()) << probe.error().message;
  }
  const std::string path = temp_path("raw" + net::testing::family_name(family));
  CaptureRun run;
  run_traffic(server, capturing(client, path), run);
  if (HasFatalFailure()) return;
  const auto f = read_pcap(path);
  ASSERT_TRUE(f.has_value());
  // On loopback the client's raw socket also sees its own packets to the server: not for its port,
  // so not captured again as received.
  EXPECT_EQ(f->records.size(),
            run.counters.datagrams_in - run.counters.raw_other_port + run.counters.datagrams_out);
  expect_association_chunks(check_capture(*f, run, family, true));
  if (tshark_available()) {
    const auto [verbose, ok] =
        run_command("tshark -n -r " + path +
                    " -o ip.check_checksum:TRUE -o sctp.checksum:crc-32c -V 2>/dev/null");
    ASSERT_TRUE(ok);
    EXPECT_EQ(verbose.find("alformed"), std::string::npos) << around(verbose, "alformed");
    EXPECT_EQ(verbose.find("status: Bad]"), std::string::npos);
    EXPECT_NE(verbose.find("[Checksum Status: Good]"), std::string::npos);
    EXPECT_NE(verbose.find("Stream Control Transmission Protocol"), std::string::npos);
  }
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Families, PcapRawIp, ::testing::Values(Family::kV4, Family::kV6),
                         [](const ::testing::TestParamInfo<Family>& param_info) {
                           return net::testing::family_name(param_info.param);
                         });

}  // namespace
}  // namespace sctps::api
