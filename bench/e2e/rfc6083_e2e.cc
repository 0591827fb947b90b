// End-to-end benchmark peer for the classic way of protecting SCTP: DTLS 1.2 over SCTP in the
// manner of RFC 6083, here DTLS from OpenSSL over usrsctp (UDP encapsulation, RFC 6951, on
// loopback). Same command line and output as usrsctp_e2e.cc and sctps_e2e.cc, so that
// bench/e2e/run.sh measures all of them the same way.
//
//   rfc6083_e2e server [--echo] [--sctp-port P]
//   rfc6083_e2e client --remote-udp-port U --test stream|rr [--size B] [--duration S]
//
// How the pieces fit:
// - One DTLS 1.2 connection per association (OpenSSL DTLS_method, version pinned to 1.2), driven
//   through memory BIOs: whatever OpenSSL writes is cut into records (13-byte DTLS 1.2 header,
//   RFC 6347 §4.1) and each record leaves as one SCTP user message (RFC 6083 §4.1); each received
//   SCTP message is one record handed to OpenSSL.
// - Cipher suite ECDHE-ECDSA-AES128-GCM-SHA256; mutual authentication with EC P-256 certificates
//   made in-process at start. There is no PKI in a benchmark: each peer accepts a self-signed
//   leaf, but both still prove possession of their key (CertificateVerify) as in ours.
// - A record holds at most 2^14 bytes of plaintext, so a larger application message is written
//   as several records (RFC 6083 §3.2 leaves this to the application). Each record is its own
//   SCTP message; the PPID marks whether more records of the same application message follow,
//   and the receiver joins them. So a 64 KB message is four 16 KB records, four SCTP messages.
// - Everything goes on stream 0, ordered: OpenSSL's DTLS replay window (64 records) cannot be
//   switched off through a memory BIO, and records reordered across streams could fall out of it
//   (RFC 6083 §3.3 says replay detection must not be used for that reason).
// - DTLS retransmission timers are never driven: SCTP is reliable (RFC 6083 §3.5).
// - Not done: SCTP-AUTH of DATA chunks with keys from the DTLS exporter (RFC 6083 §4.5, 4.9).
//   It would add an HMAC per packet to this baseline; leaving it out makes the baseline faster,
//   not slower.
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "e2e_args.h"
#include "usrsctp_common.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using e2e::Args;
using e2e::parse;
using e2e::usage;

constexpr std::size_t kRecordHeader = 13;           // DTLS 1.2 record header (RFC 6347 §4.1)
constexpr std::size_t kMaxRecordPlaintext = 16384;  // 2^14 (RFC 6347 §4.1, RFC 5246 §6.2.1)
// PPIDs of our application (RFC 6083 §4.3 leaves the PPID to the upper layer): a record that
// ends an application message, one that more records of the same message follow, and records
// of the DTLS handshake and alerts.
constexpr std::uint32_t kPpidLast = 1;
constexpr std::uint32_t kPpidMore = 2;
constexpr std::uint32_t kPpidControl = 0;
constexpr std::uint16_t kStream = 0;
constexpr const char* kCipher = "ECDHE-ECDSA-AES128-GCM-SHA256";

[[noreturn]] void openssl_failure(const char* what) {
  char detail[256] = "";
  ERR_error_string_n(ERR_get_error(), detail, sizeof(detail));
  usage(std::string(what) + ": " + detail);
}

// One whole SCTP message into `buffer` (grown as needed); false at the end of the association.
bool receive_message(struct socket* s, std::vector<std::uint8_t>& buffer, std::size_t& size,
                     std::uint32_t& ppid) {
  sctp_rcvinfo info{};
  if (!e2e::receive_usrsctp_message(s, buffer, size, info)) return false;
  ppid = ntohl(info.rcv_ppid);
  return true;
}

bool send_message(struct socket* s, const std::uint8_t* data, std::size_t size,
                  std::uint32_t ppid) {
  sctp_sndinfo info{};
  info.snd_sid = kStream;
  info.snd_ppid = htonl(ppid);
  return usrsctp_sendv(s, data, size, nullptr, 0, &info, sizeof(info), SCTP_SENDV_SNDINFO, 0) ==
         static_cast<ssize_t>(size);
}

// Certificates.

struct Credentials {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Credentials() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

// A fresh EC P-256 key and a self-signed certificate for it, valid from an hour ago for a day.
void make_credentials(Credentials& c, const char* common_name) {
  c.key = EVP_EC_gen("P-256");
  if (c.key == nullptr) openssl_failure("EC key generation");
  c.cert = X509_new();
  if (c.cert == nullptr) openssl_failure("X509_new");
  std::array<unsigned char, 16> serial{};  // any positive number: nothing compares them
  for (std::size_t i = 0; i < serial.size(); ++i) {
    serial[i] = static_cast<unsigned char>(i * 37 + 11);
  }
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  X509_NAME* name = X509_NAME_new();
  const bool ok =
      bn != nullptr && name != nullptr && X509_set_version(c.cert, X509_VERSION_3) == 1 &&
      BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.cert)) != nullptr &&
      X509_gmtime_adj(X509_getm_notBefore(c.cert), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(c.cert), 86400) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                 0) == 1 &&
      X509_set_subject_name(c.cert, name) == 1 && X509_set_issuer_name(c.cert, name) == 1 &&
      X509_set_pubkey(c.cert, c.key) == 1 && X509_sign(c.cert, c.key, EVP_sha256()) > 0;
  BN_free(bn);
  X509_NAME_free(name);
  if (!ok) openssl_failure("self-signed certificate");
}

// The peer must present a certificate (and so sign the handshake with its key); without a PKI
// the only chain error we accept is that its certificate signs itself.
int verify_peer(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 1) return 1;
  const int error = X509_STORE_CTX_get_error(store);
  return error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ? 1 : 0;
}

// DTLS over SCTP.

class DtlsOverSctp {
 public:
  DtlsOverSctp(struct socket* s, bool server) : socket_(s), buffer_(1 << 17) {
    make_credentials(credentials_, server ? "rfc6083-server" : "rfc6083-client");
    ctx_ = SSL_CTX_new(DTLS_method());
    if (ctx_ == nullptr) openssl_failure("SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx_, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx_, kCipher) != 1 ||
        SSL_CTX_use_certificate(ctx_, credentials_.cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, credentials_.key) != 1) {
      openssl_failure("SSL_CTX setup");
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
    // No tickets: one connection per run. No MTU probing: a memory BIO has no path, and SCTP
    // fragments user messages itself, so records need not fit a packet (RFC 6083 §3.4).
    SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    if (ssl_ == nullptr || rbio_ == nullptr || wbio_ == nullptr) openssl_failure("SSL_new");
    BIO_set_mem_eof_return(rbio_, -1);  // empty: "retry", not end of file
    SSL_set_bio(ssl_, rbio_, wbio_);    // ssl_ owns both now
    SSL_set_mtu(ssl_, kMaxRecordPlaintext);
    if (server) {
      SSL_set_accept_state(ssl_);
    } else {
      SSL_set_connect_state(ssl_);
    }
  }
  ~DtlsOverSctp() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  DtlsOverSctp(const DtlsOverSctp&) = delete;
  DtlsOverSctp& operator=(const DtlsOverSctp&) = delete;

  // Runs the handshake to its end over the association; false when it fails or the peer leaves.
  bool handshake() {
    for (;;) {
      const int rc = SSL_do_handshake(ssl_);
      if (!flush(kPpidControl)) return false;
      if (rc == 1) return true;
      if (SSL_get_error(ssl_, rc) != SSL_ERROR_WANT_READ) return false;
      std::size_t size = 0;
      std::uint32_t ppid = 0;
      if (!receive_message(socket_, buffer_, size, ppid)) return false;
      if (!feed(buffer_.data(), size)) return false;
    }
  }

  const char* cipher() const { return SSL_get_cipher_name(ssl_); }
  std::uint64_t records_sent() const { return records_sent_; }

  // One application message, as records of at most 2^14 plaintext bytes.
  bool send(const std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    do {
      const std::size_t n = std::min(kMaxRecordPlaintext, size - done);
      if (SSL_write(ssl_, data + done, static_cast<int>(n)) != static_cast<int>(n)) return false;
      done += n;
      if (!flush(done == size ? kPpidLast : kPpidMore)) return false;
    } while (done < size);
    return true;
  }

  // Receives records until one application message is complete (into `message`); false at the
  // end of the association or on a protocol failure.
  bool receive(std::vector<std::uint8_t>& message) {
    message.clear();
    for (;;) {
      std::size_t size = 0;
      std::uint32_t ppid = 0;
      if (!receive_message(socket_, buffer_, size, ppid)) return false;
      if (!feed(buffer_.data(), size)) return false;
      // One record in, at most one record's plaintext out.
      const int n = SSL_read(ssl_, plain_.data(), static_cast<int>(plain_.size()));
      if (n > 0) {
        message.insert(message.end(), plain_.data(), plain_.data() + n);
      } else {
        const int error = SSL_get_error(ssl_, n);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_ZERO_RETURN) return false;
      }
      // Handshake-layer answers (none expected after the handshake) go out at once.
      if (!flush(kPpidControl)) return false;
      if (ppid == kPpidLast && !message.empty()) return true;
    }
  }

  // close_notify, best effort: the association ends anyway.
  void close() {
    SSL_shutdown(ssl_);
    flush(kPpidControl);
  }

 private:
  // Hands one received record to OpenSSL. A message too short for a record header, or whose
  // header length disagrees with its size, is not one record: refuse it.
  bool feed(const std::uint8_t* data, std::size_t size) {
    if (size < kRecordHeader) return false;
    const std::size_t length = (std::size_t{data[11]} << 8) | data[12];
    if (kRecordHeader + length != size) return false;
    return BIO_write(rbio_, data, static_cast<int>(size)) == static_cast<int>(size);
  }

  // Sends what OpenSSL wrote, one SCTP message per record. (Taken out with BIO_read: BIO_reset
  // would clear the BIO's whole allocation each time.)
  bool flush(std::uint32_t ppid) {
    const std::size_t total = BIO_ctrl_pending(wbio_);
    if (total == 0) return true;
    out_.resize(total);
    if (BIO_read(wbio_, out_.data(), static_cast<int>(total)) != static_cast<int>(total)) {
      return false;
    }
    const std::uint8_t* p = out_.data();
    std::size_t at = 0;
    while (at < total) {
      if (total - at < kRecordHeader) return false;
      const std::size_t length = (std::size_t{p[at + 11]} << 8) | p[at + 12];
      const std::size_t record = kRecordHeader + length;
      if (record > total - at) return false;
      // Only the last record of a write carries `ppid`; any earlier one is control (for
      // application data each write is a single record).
      const bool last = at + record == total;
      if (!send_message(socket_, p + at, record, last ? ppid : kPpidControl)) return false;
      ++records_sent_;
      at += record;
    }
    return true;
  }

  struct socket* socket_;
  Credentials credentials_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> plain_ = std::vector<std::uint8_t>(kMaxRecordPlaintext);
  std::uint64_t records_sent_ = 0;
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// usrsctp's own counters of this process: retransmission timeouts (RTO.Min is 1 s, RFC 9260
// §6.3.1, so each one stalls the association) and retransmitted DATA chunks, to explain slow runs.
std::string sctp_stats_json() {
  sctpstat st{};
  usrsctp_get_stat(&st);
  char b[192];
  std::snprintf(b, sizeof(b),
                "\"t3_timeouts\":%u,\"window_probe_timeouts\":%u,\"retransmitted_chunks\":%u",
                st.sctps_timodata, st.sctps_timowindowprobe, st.sctps_sendretransdata);
  return b;
}

int run_server(const Args& a) {
  const e2e::Accepted accepted = e2e::accept_usrsctp(a);
  struct socket* listener = accepted.listener;
  struct socket* s = accepted.association;
  std::uint64_t messages = 0, bytes = 0;
  Clock::time_point first{}, last{};
  bool ok = false;
  std::string cipher = "none";
  {
    DtlsOverSctp dtls(s, true);
    if (dtls.handshake()) {
      ok = true;
      cipher = dtls.cipher();
      std::vector<std::uint8_t> message;
      message.reserve(1 << 17);
      while (dtls.receive(message)) {
        const auto now = Clock::now();
        if (messages == 0) first = now;
        last = now;
        ++messages;
        bytes += message.size();
        if (a.echo && !dtls.send(message.data(), message.size())) break;
      }
    }
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":%s,\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
      "\"cipher\":\"%s\",%s}\n",
      ok ? "true" : "false", static_cast<unsigned long long>(messages),
      static_cast<unsigned long long>(bytes), seconds(last - first), cipher.c_str(),
      sctp_stats_json().c_str());
  std::fflush(stdout);
  usrsctp_close(s);
  usrsctp_close(listener);
  return ok ? 0 : 1;
}

int run_client(const Args& a) {
  struct socket* s = e2e::connect_usrsctp(a);
  DtlsOverSctp dtls(s, false);
  const auto handshake_start = Clock::now();
  if (!dtls.handshake()) usage("DTLS handshake failed");
  const double handshake_ms = seconds(Clock::now() - handshake_start) * 1e3;

  const std::vector<std::uint8_t> payload(a.size, 0x5a);
  std::vector<std::uint8_t> answer;
  std::uint64_t sent = 0;
  std::vector<double> rtts;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(a.duration));
  bool ok = true;
  if (a.test == "stream") {
    while (Clock::now() < end) {
      if (!dtls.send(payload.data(), payload.size())) {
        ok = false;
        break;
      }
      ++sent;
    }
  } else {
    rtts.reserve(1 << 20);
    while (Clock::now() < end) {
      const auto t0 = Clock::now();
      if (!dtls.send(payload.data(), payload.size())) {
        ok = false;
        break;
      }
      ++sent;
      if (!dtls.receive(answer) || answer.size() != payload.size()) {
        ok = false;
        break;
      }
      rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  }
  const double elapsed = seconds(Clock::now() - start);
  dtls.close();
  usrsctp_shutdown(s, SHUT_WR);
  std::vector<std::uint8_t> buffer(1 << 17);
  std::size_t size = 0;
  std::uint32_t ppid = 0;
  while (receive_message(s, buffer, size, ppid)) {
  }
  double p50 = 0, p99 = 0;
  if (!rtts.empty()) {
    std::sort(rtts.begin(), rtts.end());
    p50 = rtts[rtts.size() / 2];
    p99 = rtts[std::min(rtts.size() - 1, rtts.size() * 99 / 100)];
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":%s,\"messages_sent\":%llu,\"seconds\":%.6f,\"requests\":%zu,"
      "\"rtt_p50_us\":%.2f,\"rtt_p99_us\":%.2f,\"cipher\":\"%s\",\"records_sent\":%llu,"
      "\"handshake_ms\":%.3f,%s}\n",
      ok ? "true" : "false", static_cast<unsigned long long>(sent), elapsed, rtts.size(), p50, p99,
      dtls.cipher(), static_cast<unsigned long long>(dtls.records_sent()), handshake_ms,
      sctp_stats_json().c_str());
  std::fflush(stdout);
  usrsctp_close(s);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  e2e::program = "rfc6083_e2e";
  const Args a = parse(argc, argv);
  if (a.mode != "server" && a.mode != "client") usage("unknown mode " + a.mode);
  if (!a.psk_file.empty()) usage("--psk-file is for sctps_e2e; DTLS here uses certificates");
  e2e::run_usrsctp_program([&a] { return a.mode == "server" ? run_server(a) : run_client(a); });
}
