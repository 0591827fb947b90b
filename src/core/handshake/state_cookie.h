// The State Cookie (RFC 9260 §5.1.3) and its authentication (§5.1.5). On an INIT the endpoint keeps
// no state (§5.1.3 recommends it against SYN-flood style attacks): everything needed to create the
// association later travels to the peer inside the INIT ACK and comes back in the COOKIE ECHO,
// protected by an HMAC-SHA-256 under a secret only we know.
//
// Sealed layout (version 1), big-endian, all lengths checked on open:
//   0       version (1)
//   1       key id: low 8 bits of the authenticator's rotation counter
//   2..3    local port          4..5    peer port
//   6..9    local tag           10..13  peer tag
//   14..17  local initial TSN   18..21  peer initial TSN
//   22..25  peer a_rwnd
//   26..27  outbound streams    28..29  inbound streams       (negotiated, see below)
//   30..33  local tie-tag       34..37  peer tie-tag
//   38..45  creation time, signed microseconds
//   46..53  lifetime, microseconds (never negative)
//   54      peer address family: 0 none, 4, 6
//   55..70  peer address: 4 bytes + 12 zero bytes for IPv4, 16 bytes for IPv6
//   71..72  P, 73..   peer INIT parameter block (P bytes)
//   then    E (16 bits), extension (E bytes)
//   then    32-byte HMAC-SHA-256 over everything before it
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/address.h"
#include "core/random.h"
#include "core/time.h"
#include "wire/byte_io.h"
#include "wire/init_chunk.h"
#include "wire/types.h"

namespace sctps::core {

struct StateCookie {
  static constexpr std::uint8_t kVersion = 1;

  std::uint16_t local_port = 0;
  std::uint16_t peer_port = 0;
  VerificationTag local_tag{0};  // the Initiate Tag of our INIT ACK: the peer's packets carry it
  VerificationTag peer_tag{0};   // the Initiate Tag of the peer's INIT: our packets carry it
  Tsn local_initial_tsn{0};
  Tsn peer_initial_tsn{0};
  std::uint32_t peer_a_rwnd = 0;
  // Negotiated stream counts (§5.1.1), not the raw INIT values: outbound = min(our OS, peer's
  // MIS), inbound = min(peer's OS, our MIS). These are what the association opens with.
  std::uint16_t outbound_streams = 0;
  std::uint16_t inbound_streams = 0;
  // Tie-tags of §5.2.2 when the INIT arrived for an existing association (0: none).
  std::uint32_t local_tie_tag = 0;
  std::uint32_t peer_tie_tag = 0;
  TimePoint created = kTimeZero;
  Duration lifetime{0};  // see cookie_lifetime()
  // The source address of the INIT: §5.1.2 counts it among the peer's addresses whatever the
  // INIT lists. Optional because a caller may take it from the COOKIE ECHO instead.
  std::optional<IpAddress> peer_address;
  // The peer's INIT parameter block, copied: the association reads addresses and capabilities
  // from it again (scan_init_parameters) rather than trusting a second encoding of them.
  std::vector<std::uint8_t> peer_init_parameters;
  // Opaque data for later features (e.g. the DTLS key-management negotiation result).
  std::vector<std::uint8_t> extension;

  friend bool operator==(const StateCookie&, const StateCookie&) = default;
};

// Lifetime of a new cookie (§5.1.3): Valid.Cookie.Life plus the peer's Cookie Preservative
// increment (§3.3.2.1, milliseconds) when present, the sum capped at `max_lifetime`. The result is
// never below `valid_cookie_life`: the peer's suggestion can only lengthen it.
Duration cookie_lifetime(Duration valid_cookie_life, std::optional<std::uint32_t> preservative_ms,
                         Duration max_lifetime);

// The unauthenticated body format above (everything the MAC covers), exposed for tests and fuzzing;
// the engine uses CookieAuthenticator. decode_body() accepts exactly what encode_body() writes.
namespace cookie_format {
inline constexpr std::size_t kFixedSize = 73;  // up to the INIT parameter block
// Empty when the cookie cannot be encoded (negative lifetime, a block or extension > 65535 bytes).
std::vector<std::uint8_t> encode_body(const StateCookie& cookie, std::uint8_t key_id);
std::optional<StateCookie> decode_body(wire::Bytes body);
}  // namespace cookie_format

// Outcome of CookieAuthenticator::open().
class CookieCheck {
 public:
  enum class Error : std::uint8_t {
    kNone,
    kMalformed,  // authentic but undecodable (a bug or an old format), or too short to hold a MAC
    kBadMac,     // not made by us with the current or previous secret: discard silently (§5.1.5)
    kStale,      // authentic but past its lifetime: answer with a Stale Cookie cause (§5.1.5)
  };

  static CookieCheck accepted(StateCookie cookie) {
    return CookieCheck(Error::kNone, std::move(cookie));
  }
  static CookieCheck rejected(Error e) { return CookieCheck(e, std::nullopt); }
  static CookieCheck stale(StateCookie cookie, Duration staleness);

  bool ok() const { return error_ == Error::kNone; }
  Error error() const { return error_; }
  // The decoded cookie when ok() and also when kStale (it is authentic: the caller needs its tags
  // to address the ERROR and may log or count it); nullptr otherwise.
  const StateCookie* cookie() const { return cookie_ ? &*cookie_ : nullptr; }
  // kStale only: how far past its lifetime the cookie arrived (> 0).
  Duration staleness() const { return staleness_; }
  // The Measure of Staleness of the Stale Cookie cause (§3.3.10.3), saturated at 2^32-1 us.
  std::uint32_t staleness_us() const;

 private:
  CookieCheck(Error e, std::optional<StateCookie> c) : error_(e), cookie_(std::move(c)) {}
  Error error_;
  std::optional<StateCookie> cookie_;
  Duration staleness_{0};
};

// Seals and opens cookies with HMAC-SHA-256 (§5.1.3 asks for a MAC under a secret key). Two secrets
// are live: the current one seals, the current and the previous one open, so cookies in flight
// survive one rotate(). When to rotate is the caller's choice (e.g. every Valid.Cookie.Life).
// Secrets are wiped on destruction and rotation.
class CookieAuthenticator {
 public:
  static constexpr std::size_t kSecretSize = 32;
  static constexpr std::size_t kMacSize = 32;
  static constexpr std::size_t kFixedSize = cookie_format::kFixedSize;
  static constexpr std::size_t kMinSealedSize = kFixedSize + 2 + kMacSize;
  // A cookie must fit in the State Cookie parameter of an INIT ACK (chunk length is 16 bits).
  static constexpr std::size_t kMaxSealedSize = wire::InitFields::kMaxParametersSize - 4;

  explicit CookieAuthenticator(RandomSource& random);
  ~CookieAuthenticator();
  CookieAuthenticator(const CookieAuthenticator&) = delete;
  CookieAuthenticator& operator=(const CookieAuthenticator&) = delete;

  void rotate();

  // Serialized cookie followed by its MAC. Empty when the cookie would exceed kMaxSealedSize (the
  // peer's INIT parameters plus extension are too large), or lifetime is negative.
  std::vector<std::uint8_t> seal(const StateCookie& cookie) const;
  // MAC first (constant time), then decoding, then the lifetime check against `now`.
  CookieCheck open(wire::Bytes cookie, TimePoint now) const;

 private:
  using Secret = std::array<std::uint8_t, kSecretSize>;
  // False when OpenSSL fails (then nothing may be sealed or accepted).
  static bool mac(const Secret& key, wire::Bytes data, std::uint8_t* out);

  RandomSource* random_;
  Secret current_{};
  Secret previous_{};
  bool has_previous_ = false;
  std::uint8_t key_id_ = 0;
};

}  // namespace sctps::core
