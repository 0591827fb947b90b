// State Cookie serialization and HMAC-SHA-256 protection, RFC 9260 §5.1.3 and §5.1.5.
#include "core/handshake/state_cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <limits>

namespace sctps::core {
namespace {

constexpr std::size_t kAddressOffset = 54;

void store_be64(std::uint8_t* p, std::uint64_t v) {
  wire::store_be32(p, static_cast<std::uint32_t>(v >> 32));
  wire::store_be32(p + 4, static_cast<std::uint32_t>(v));
}

std::uint64_t load_be64(const std::uint8_t* p) {
  return (std::uint64_t{wire::load_be32(p)} << 32) | std::uint64_t{wire::load_be32(p + 4)};
}

}  // namespace

namespace cookie_format {

std::vector<std::uint8_t> encode_body(const StateCookie& c, std::uint8_t key_id) {
  if (c.lifetime.count() < 0) return {};
  if (c.peer_init_parameters.size() > 0xFFFF || c.extension.size() > 0xFFFF) return {};
  std::vector<std::uint8_t> out(kFixedSize + c.peer_init_parameters.size() + 2 +
                                c.extension.size());
  wire::ByteWriter w(out);
  w.u8(StateCookie::kVersion);
  w.u8(key_id);
  w.u16(c.local_port);
  w.u16(c.peer_port);
  w.u32(c.local_tag.value());
  w.u32(c.peer_tag.value());
  w.u32(c.local_initial_tsn.value());
  w.u32(c.peer_initial_tsn.value());
  w.u32(c.peer_a_rwnd);
  w.u16(c.outbound_streams);
  w.u16(c.inbound_streams);
  w.u32(c.local_tie_tag);
  w.u32(c.peer_tie_tag);
  std::uint8_t buf[8];
  // Two's complement: a negative creation time (a clock before its epoch) survives the trip.
  store_be64(buf, static_cast<std::uint64_t>(c.created.time_since_epoch().count()));
  w.bytes(buf);
  store_be64(buf, static_cast<std::uint64_t>(c.lifetime.count()));
  w.bytes(buf);
  if (c.peer_address) {
    w.u8(static_cast<std::uint8_t>(c.peer_address->family()));
    const auto a = c.peer_address->bytes();
    w.bytes(a);
    w.zeros(16 - a.size());
  } else {
    w.zeros(17);
  }
  w.u16(static_cast<std::uint16_t>(c.peer_init_parameters.size()));
  w.bytes(c.peer_init_parameters);
  w.u16(static_cast<std::uint16_t>(c.extension.size()));
  w.bytes(c.extension);
  return out;
}

// Normally reached only after the MAC was verified. Still checks everything: a decoding bug must
// not turn into a memory error, and a body of another format version must be refused cleanly.
std::optional<StateCookie> decode_body(wire::Bytes body) {
  const auto r = wire::FixedReader<kFixedSize>::make(body);
  if (!r || r->u8<0>() != StateCookie::kVersion) return std::nullopt;
  StateCookie c;
  c.local_port = r->u16<2>();
  c.peer_port = r->u16<4>();
  c.local_tag = VerificationTag(r->u32<6>());
  c.peer_tag = VerificationTag(r->u32<10>());
  c.local_initial_tsn = Tsn(r->u32<14>());
  c.peer_initial_tsn = Tsn(r->u32<18>());
  c.peer_a_rwnd = r->u32<22>();
  c.outbound_streams = r->u16<26>();
  c.inbound_streams = r->u16<28>();
  c.local_tie_tag = r->u32<30>();
  c.peer_tie_tag = r->u32<34>();
  const auto created = r->array<38, 8>();
  const auto lifetime = r->array<46, 8>();
  c.created = TimePoint(Duration(static_cast<std::int64_t>(load_be64(created.data()))));
  const std::uint64_t life = load_be64(lifetime.data());
  if (life > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  c.lifetime = Duration(static_cast<std::int64_t>(life));
  const std::uint8_t family = r->u8<kAddressOffset>();
  const auto addr = r->array<kAddressOffset + 1, 16>();
  const auto zero = [](std::uint8_t b) { return b == 0; };
  if (family == 0) {
    if (!std::all_of(addr.begin(), addr.end(), zero)) return std::nullopt;
  } else if (family == static_cast<std::uint8_t>(IpAddress::Family::kV4)) {
    if (!std::all_of(addr.begin() + 4, addr.end(), zero)) return std::nullopt;
    c.peer_address = IpAddress::v4({addr[0], addr[1], addr[2], addr[3]});
  } else if (family == static_cast<std::uint8_t>(IpAddress::Family::kV6)) {
    c.peer_address = IpAddress::v6(addr);
  } else {
    return std::nullopt;
  }
  const std::size_t params_len = r->u16<71>();
  wire::Bytes rest = r->tail();
  if (rest.size() < params_len + 2) return std::nullopt;
  c.peer_init_parameters.assign(rest.begin(),
                                rest.begin() + static_cast<std::ptrdiff_t>(params_len));
  rest = rest.subspan(params_len);
  const std::size_t ext_len = wire::load_be16(rest.data());
  rest = rest.subspan(2);
  if (rest.size() != ext_len) return std::nullopt;
  c.extension.assign(rest.begin(), rest.end());
  return c;
}

}  // namespace cookie_format

Duration cookie_lifetime(Duration valid_cookie_life, std::optional<std::uint32_t> preservative_ms,
                         Duration max_lifetime) {
  if (!preservative_ms || valid_cookie_life >= max_lifetime) return valid_cookie_life;
  // Added as at most the room below the cap, so no sum can overflow.
  return valid_cookie_life +
         std::min<Duration>(ms(*preservative_ms), max_lifetime - valid_cookie_life);
}

CookieCheck CookieCheck::stale(StateCookie cookie, Duration staleness) {
  CookieCheck c(Error::kStale, std::move(cookie));
  c.staleness_ = staleness;
  return c;
}

std::uint32_t CookieCheck::staleness_us() const {
  const std::int64_t us = staleness_.count();
  if (us <= 0) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::int64_t>(us, std::numeric_limits<std::uint32_t>::max()));
}

CookieAuthenticator::CookieAuthenticator(RandomSource& random) : random_(&random) {
  random_->fill(current_);
}

CookieAuthenticator::~CookieAuthenticator() {
  OPENSSL_cleanse(current_.data(), current_.size());
  OPENSSL_cleanse(previous_.data(), previous_.size());
}

void CookieAuthenticator::rotate() {
  previous_ = current_;
  has_previous_ = true;
  random_->fill(current_);
  // The key id tells open() which secret sealed a cookie, so a MAC is computed only once.
  ++key_id_;
}

bool CookieAuthenticator::mac(const Secret& key, wire::Bytes data, std::uint8_t* out) {
  unsigned int len = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(),
                                data.size(), out, &len);
  return r != nullptr && len == kMacSize;
}

std::vector<std::uint8_t> CookieAuthenticator::seal(const StateCookie& cookie) const {
  std::vector<std::uint8_t> out = cookie_format::encode_body(cookie, key_id_);
  if (out.empty() || out.size() + kMacSize > kMaxSealedSize) return {};
  const std::size_t body = out.size();
  out.resize(body + kMacSize);
  if (!mac(current_, wire::Bytes(out.data(), body), out.data() + body)) return {};
  return out;
}

CookieCheck CookieAuthenticator::open(wire::Bytes cookie, TimePoint now) const {
  using Error = CookieCheck::Error;
  if (cookie.size() < kMinSealedSize) return CookieCheck::rejected(Error::kMalformed);
  const Secret* key = nullptr;
  if (cookie[1] == key_id_) {
    key = &current_;
  } else if (has_previous_ && cookie[1] == static_cast<std::uint8_t>(key_id_ - 1)) {
    key = &previous_;
  } else {
    return CookieCheck::rejected(Error::kBadMac);
  }
  const std::size_t body = cookie.size() - kMacSize;
  std::uint8_t expected[kMacSize];
  if (!mac(*key, cookie.first(body), expected) ||
      CRYPTO_memcmp(expected, cookie.data() + body, kMacSize) != 0) {
    return CookieCheck::rejected(Error::kBadMac);
  }
  auto decoded = cookie_format::decode_body(cookie.first(body));
  if (!decoded) return CookieCheck::rejected(Error::kMalformed);

  // §5.1.5 step 3: stale when more time than the lifespan has passed since creation. Computed on
  // the elapsed time so no sum of time points can overflow.
  const std::int64_t t_now = now.time_since_epoch().count();
  const std::int64_t t_created = decoded->created.time_since_epoch().count();
  if (t_now > t_created) {
    const std::uint64_t elapsed =
        static_cast<std::uint64_t>(t_now) - static_cast<std::uint64_t>(t_created);
    const auto life = static_cast<std::uint64_t>(decoded->lifetime.count());
    if (elapsed > life) {
      const std::uint64_t over = std::min<std::uint64_t>(
          elapsed - life, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
      return CookieCheck::stale(std::move(*decoded), Duration(static_cast<std::int64_t>(over)));
    }
  }
  return CookieCheck::accepted(std::move(*decoded));
}

}  // namespace sctps::core
