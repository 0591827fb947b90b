// The seam between an association and a key-management method (DESIGN.md: km/ is a peer of core).
// Once the DTLS chunk is agreed (draft-ietf-tsvwg-sctp-dtls-chunk §5.1), the association asks the
// endpoint's KeyManagerFactory for a KeyManager of the agreed method and drives it sans-IO: the
// method gets the association's ChunkProtector (the abstract API of draft §7: establish/destroy
// keys, set the send key, require protection, counters), its PPID 4242 messages (porfiri draft
// §4) and time; it hands back messages to send and its state. Methods live in src/km/; core only
// knows this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/handshake/dtls_negotiation.h"
#include "core/time.h"
#include "protect/chunk_protector.h"

namespace sctps::core {

// Payload protocol identifier of key-management messages (porfiri draft §4; IANA PPID 4242),
// always on stream 0.
inline constexpr std::uint32_t kKeyManagementPpid = 4242;

// What the negotiation gave the method (draft §7.2 "get agreed method and role").
struct KeyManagementAgreement {
  std::uint32_t association = 0;  // the AssocId, for logs and lookups
  std::uint8_t method = 0;
  DtlsRole role = DtlsRole::kClient;
  bool restart = false;
  // The client's parameter then the server's, as on the wire (specs README reading #3).
  std::vector<std::uint8_t> downgrade_data;
  std::vector<IpAddress> peer_addresses;
  std::uint16_t peer_port = 0;
  std::uint16_t local_port = 0;
  // How long the association keeps retransmitting before it declares the peer unreachable
  // (T_fail: RTO.Initial doubling up to RTO.Max, Association.Max.Retrans + 1 times). Old keys are
  // kept at least this long when the peer may still need them (porfiri §6.2.3).
  Duration failure_time = sec(363);
};

// New keys took over (porfiri §6.2): reported once per rekey, after the first establishment.
struct KeyTransition {
  std::uint64_t epoch = 0;         // now used for sending
  Duration took{};                 // from the first handshake message to the switch
  bool initiated_locally = false;  // we sent the ClientHello
};

enum class KeyManagerState : std::uint8_t {
  kPending,    // keys not yet in place: application messages are held (never sent in clear)
  kProtected,  // keys installed both ways and protection required
  kFailed,     // the association is aborted with failure()
};

class KeyManager {
 public:
  virtual ~KeyManager() = default;

  // The association reached ESTABLISHED. Method 0 installs its keys and requires protection here;
  // a handshake method sends its first message.
  virtual void start(protect::ChunkProtector& protector, TimePoint now) = 0;
  // A complete message on stream 0 with PPID 4242; `is_protected` as the DATA arrived.
  virtual void on_message(std::span<const std::uint8_t> message, bool is_protected,
                          protect::ChunkProtector& protector, TimePoint now) = 0;
  // The protector reported a key direction approaching or reaching an AEAD limit.
  virtual void on_limit(const protect::KeyLimitEvent& event, protect::ChunkProtector& protector,
                        TimePoint now) = 0;
  // The application asked for fresh keys. False when the method cannot (method 0) or is busy.
  virtual bool rekey(protect::ChunkProtector& protector, TimePoint now) = 0;
  virtual void advance_time(protect::ChunkProtector& protector, TimePoint now) = 0;
  virtual TimePoint next_deadline() const = 0;
  // The next message to send on stream 0 with PPID 4242 (ordered, reliable).
  virtual std::optional<std::vector<std::uint8_t>> poll_message() = 0;

  virtual KeyManagerState state() const = 0;
  // Why it failed (kFailed): a line a person can act on.
  virtual std::string failure() const = 0;
  // Epoch of the keys in use (3 after the first key set; draft §7.4).
  virtual std::uint64_t epoch() const = 0;

  // Protected traffic moved (after seal and open): lets a method start a rekey on the volume of
  // data protected (porfiri §6.2.1). Cheap: called for every packet.
  virtual void on_traffic(protect::ChunkProtector& /*protector*/, TimePoint /*now*/) {}
  // The next completed rekey not yet reported, or nullopt.
  virtual std::optional<KeyTransition> poll_transition() { return std::nullopt; }
  // The suite of the keys in use, once protected (nullptr before, or if the method has none).
  virtual const protect::CipherSuite* cipher_suite() const { return nullptr; }
  // Whether the initial keys came from a resumed session (TLS 1.3 resumption) rather than a full
  // authentication.
  virtual bool resumed() const { return false; }
};

class KeyManagerFactory {
 public:
  virtual ~KeyManagerFactory() = default;
  // A manager for this association, or nullptr with `error` set when the method cannot serve the
  // peer (no key for it, unsupported method): the association is then aborted.
  virtual std::unique_ptr<KeyManager> create(const KeyManagementAgreement& agreement,
                                             std::string& error) = 0;
};

}  // namespace sctps::core
