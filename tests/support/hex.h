// Hex helpers for tests: test vectors and expected packets are written as hex strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sctps::test {

// Decodes hex digits, ignoring white space; aborts the test binary on a malformed string.
std::vector<std::uint8_t> from_hex(std::string_view hex);
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace sctps::test
