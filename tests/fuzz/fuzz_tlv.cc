// Fuzz target: arbitrary bytes as a block of parameters (first byte even) or error causes (odd).
// Every item that parses must round-trip to an equal value.
#include <cstdint>

#include "roundtrip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  sctps::fuzz::roundtrip_tlv_block(sctps::wire::Bytes(data + 1, size - 1), (data[0] & 1) != 0);
  return 0;
}
