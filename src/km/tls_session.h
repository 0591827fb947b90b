// A sans-IO TLS 1.3 endpoint for key-management method 192
// (draft-porfiri-tsvwg-sctp-dtls-handshake), over OpenSSL 3 libssl with memory BIOs: TLS records go
// in through handle_input() and come out through append_output(); the caller carries them in
// key-management messages (km_message.h). No sockets, no clock (the time for certificate validity
// is passed in), no threads.
//
// The profile (§3):
//   - TLS 1.3 only (§3.1);
//   - cipher suites: only those the DTLS chunk protector supports (§3.2), optionally fewer;
//   - key exchange always ephemeral: groups X25519 and P-256, also when resuming (psk_dhe_ke
//     only, never psk_ke, §3.4);
//   - resumption off unless TlsContextOptions::resumption: then a server issues a ticket per
//     handshake when asked (issue_ticket; stateless, its ticket key lives in memory only) and a
//     client keeps the ticket for the peer it was issued by and offers it once (tickets are
//     single-use, §8.2). A ticket is
//     never offered or accepted past the validity of the certificate its session authenticated,
//     so a resumption never outlives a full handshake's judgement (§3.4);
//   - mutual certificate authentication (§3.3): the server requests and requires a client
//     certificate; each side checks the peer's chain against its CA and then its identity policy
//     (tls_credentials.h);
//   - no KeyUpdate (§3.4): we never send one, and a peer's KeyUpdate fails the session;
//   - no application data (§2.1): application data from the peer fails the session;
//   - no middlebox-compatibility ChangeCipherSpec records (RFC 8446 §D.4): nothing to fool here.
//
// TlsContext holds what the handshakes of one role share (an SSL_CTX with credentials and policy),
// made once per endpoint; TlsSession is one handshake (one TLS connection), freed once its keys are
// exported and installed.
//
// States: kHandshaking → kComplete → kClosed (close() sent close_notify), or → kFailed from any of
// them. The client reaches kComplete when it sends its Finished; the server can still reject the
// client certificate after that, and its alert then moves the client to kFailed. (The key manager
// learns the server's acceptance from Protection Established, §6.1.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "km/km_error.h"
#include "km/tls_credentials.h"
#include "protect/cipher_suite.h"
#include "wire/byte_io.h"

namespace sctps::km {

enum class TlsRole : std::uint8_t { kClient, kServer };
std::string_view to_string(TlsRole role);

struct TlsContextOptions {
  // TLS 1.3 resumption with psk_dhe_ke (§3.4 allows tickets). A server issues tickets, a client
  // keeps and offers them (TlsSessionOptions::resumption_key names the peer).
  bool resumption = false;
  // How long a ticket is good for (the server's lifetime hint; RFC 8446 §4.6.1 caps it at 7 days).
  std::int64_t ticket_lifetime_s = 7200;
  // A client keeps at most this many tickets (one per peer); the oldest goes first.
  std::size_t max_cached_tickets = 256;
};

class TlsContext {
 public:
  // `cipher_suites`: TLS 1.3 suite ids to offer or accept, preferred first; empty for every suite
  // the protector supports. A suite the protector does not support is an error.
  static KmResult<std::shared_ptr<const TlsContext>> create(
      TlsRole role, const TlsCredentials& credentials,
      std::span<const std::uint16_t> cipher_suites = {}, const TlsContextOptions& options = {});
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  TlsRole role() const { return role_; }
  bool has_trust_anchors() const { return has_trust_anchors_; }
  bool resumption() const { return options_.resumption; }
  const TlsContextOptions& options() const { return options_; }
  // Client: tickets kept for later handshakes (one per resumption key).
  std::size_t cached_tickets() const;

  // OpenSSL's side, opaque outside tls_session.cc.
  struct Native;
  Native& native() const { return *native_; }

 private:
  friend class TlsSession;
  TlsContext(TlsRole role, std::unique_ptr<Native> native, bool trust,
             const TlsContextOptions& options);
  TlsRole role_;
  std::unique_ptr<Native> native_;
  bool has_trust_anchors_ = false;
  TlsContextOptions options_;
};

enum class TlsState : std::uint8_t { kHandshaking, kComplete, kClosed, kFailed };
std::string_view to_string(TlsState state);

// A TLS alert (RFC 8446 §6).
struct TlsAlert {
  std::uint8_t description = 0;  // e.g. 42 bad_certificate, 116 certificate_required
  bool fatal = true;
  std::string text() const;  // OpenSSL's long name, e.g. "bad certificate"
};

struct TlsSessionOptions {
  // Who the peer must be (besides a valid chain). A client normally expects a name; a server
  // accepts any chained client by default.
  PeerIdentityPolicy peer;
  // Wall-clock time in seconds since 1970 at which certificate validity is judged: km reads no
  // clock (DESIGN.md). The caller passes the current time.
  std::int64_t unix_time = 0;
  // The peer's identity from the previous handshake of the same association (rekeying): a
  // certificate with another identity is rejected during the handshake (§3.3). A renewed
  // certificate of the same identity is accepted (PeerIdentity::same_identity).
  std::optional<PeerIdentity> previous_identity;
  // Client, with a context that resumes: the peer this handshake is for (its address and the
  // identity policy), under which a ticket it issues is kept and the one it issued before is
  // offered. Empty: a full handshake, and no ticket kept.
  std::string resumption_key;
};

class TlsSession {
 public:
  // A client session has its ClientHello ready in the output at once. Fails if the policy cannot
  // authenticate anyone (no CA and no pinned key).
  static KmResult<TlsSession> create(std::shared_ptr<const TlsContext> context,
                                     TlsSessionOptions options);
  ~TlsSession();
  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  TlsRole role() const;
  TlsState state() const;
  bool complete() const { return state() == TlsState::kComplete; }
  bool failed() const { return state() == TlsState::kFailed; }

  // Bytes from the peer: TLS records, in order, any split. Ignored once failed or closed.
  void handle_input(wire::Bytes records);

  // Bytes to send to the peer (whole TLS records when taken whole), also after a failure: the
  // alert that tells the peer why (§7).
  std::size_t pending_output() const;
  // Appends every pending byte to `out`.
  void append_output(std::vector<std::uint8_t>& out);

  // Sends close_notify (§6.1: the connection is closed once the keys are installed). Only after
  // completion; otherwise it does nothing.
  void close();
  // Server with a resuming context, complete: writes a NewSessionTicket (RFC 8446 §4.6.1) to the
  // output. A server issues none by itself, so that the ticket does not delay the handshake's end
  // (and Protection Established); the key manager asks for it once that has left.
  bool issue_ticket();
  bool issue_ticket_possible() const;
  // Client: a ticket from the peer would be kept (a resuming context and a resumption key).
  bool keeps_tickets() const;
  bool peer_closed() const;  // the peer's close_notify arrived

  // Failure: why, for a person ("TLS handshake failed: peer certificate does not name x (it names
  // DNS:localhost); sent alert bad certificate"). Empty unless failed.
  const std::string& error() const;
  std::optional<TlsAlert> alert_sent() const;
  std::optional<TlsAlert> alert_received() const;

  // After completion: the negotiated suite (one the protector supports) and the peer's identity.
  const protect::CipherSuite* cipher_suite() const;
  // After completion: whether the handshake resumed an earlier session (no certificates sent;
  // the identity is the one that session authenticated).
  bool resumed() const;
  const std::optional<PeerIdentity>& peer_identity() const;

  // RFC 8446 §7.5 exporter with a context. False unless complete or closed after completion.
  bool export_keying_material(std::string_view label, wire::Bytes context,
                              wire::MutableBytes out) const;

  struct Impl;

 private:
  explicit TlsSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sctps::km
