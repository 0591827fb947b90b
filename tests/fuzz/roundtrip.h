// Round-trip checks shared by the fuzz targets: whatever parsed must encode, and the encoding must
// parse back to an equal value. A violation traps, which libFuzzer reports as a crash.
#pragma once

#include <cstdint>
#include <vector>

#include "wire/any_chunk.h"
#include "wire/error_causes.h"
#include "wire/parameters.h"
#include "wire/tlv.h"

namespace sctps::fuzz {

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

// Parses every item of a TLV block as a parameter or an error cause and round-trips those that
// parse.
inline void roundtrip_tlv_block(wire::Bytes block, bool causes) {
  auto items = wire::TlvBlock::parse(block);
  if (!items) return;
  std::vector<std::uint8_t> buf;
  for (const wire::TlvView& item : *items) {
    if (causes) {
      auto cause = wire::parse_error_cause(item);
      if (!cause) continue;
      buf.assign(wire::error_cause_encoded_size(*cause), 0);
      wire::ByteWriter w(buf);
      wire::encode_error_cause(w, *cause);
      require(!w.overflowed() && w.size() == buf.size());
      auto again = wire::TlvBlock::parse(w.written());
      require(again.ok() && again->count() == 1);
      auto back = wire::parse_error_cause(*again->begin());
      require(back.ok() && *back == *cause);
    } else {
      auto param = wire::parse_parameter(item);
      if (!param) continue;
      buf.assign(wire::parameter_encoded_size(*param), 0);
      wire::ByteWriter w(buf);
      wire::encode_parameter(w, *param);
      require(!w.overflowed() && w.size() == buf.size());
      auto again = wire::TlvBlock::parse(w.written());
      require(again.ok() && again->count() == 1);
      auto back = wire::parse_parameter(*again->begin());
      require(back.ok() && *back == *param);
    }
  }
}

}  // namespace sctps::fuzz
