// Fuzz target: arbitrary bytes as a State Cookie body (as if its MAC had verified), and as INIT
// parameters for the scan. Decoding never crashes; what decodes re-encodes to an equal cookie.
#include <cstdint>

#include "core/handshake/init_parameters.h"
#include "core/handshake/state_cookie.h"
#include "roundtrip.h"

using namespace sctps;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input(data, size);
  if (auto cookie = core::cookie_format::decode_body(input)) {
    const auto again = core::cookie_format::encode_body(*cookie, 0);
    auto back = core::cookie_format::decode_body(again);
    fuzz::require(back.has_value() && *back == *cookie);
  }
  if (auto block = wire::TlvBlock::parse(input)) {
    (void)core::scan_init_parameters(*block, false);
    (void)core::scan_init_parameters(*block, true);
  }
  return 0;
}
