#include "wire/parameters.h"

#include <fmt/format.h>

#include <cstddef>
#include <type_traits>
#include <utility>

#include "wire/bytes_equal.h"

namespace sctps::wire {
namespace {

constexpr std::size_t kKnownCount = std::variant_size_v<Parameter> - 1;  // all but Unknown

template <std::size_t... I>
constexpr bool types_unique(std::index_sequence<I...>) {
  constexpr std::uint16_t types[] = {std::variant_alternative_t<I, Parameter>::kType...};
  for (std::size_t a = 0; a < sizeof...(I); ++a)
    for (std::size_t b = a + 1; b < sizeof...(I); ++b)
      if (types[a] == types[b]) return false;
  return true;
}
static_assert(types_unique(std::make_index_sequence<kKnownCount>{}),
              "two parameter structs claim the same type code");
static_assert(std::is_same_v<std::variant_alternative_t<kKnownCount, Parameter>, UnknownParameter>,
              "UnknownParameter must be the last alternative");

template <typename T>
Result<Parameter> parse_as(const TlvView& p) {
  auto r = T::parse(p);
  if (!r.ok()) return r.error();
  return Parameter(std::in_place_type<T>, std::move(*r));
}

// Tries each known alternative in turn; the fold stops at the first whose kType matches.
template <std::size_t... I>
Result<Parameter> dispatch(const TlvView& p, std::index_sequence<I...>) {
  std::optional<Result<Parameter>> out;
  (void)((p.type == std::variant_alternative_t<I, Parameter>::kType
              ? (out.emplace(parse_as<std::variant_alternative_t<I, Parameter>>(p)), true)
              : false) ||
         ...);
  if (out) return std::move(*out);
  return Parameter(UnknownParameter::from(p));
}

}  // namespace

void UnknownParameter::encode(ByteWriter& w) const {
  if (encoded_size() > 0xFFFF) {
    w.zeros(w.remaining() + 1);  // never fits: marks the writer overflowed, writes nothing
    return;
  }
  encode_tlv(w, type, value);
}

std::string UnknownParameter::describe() const {
  return fmt::format("type=0x{:04x} len={} action={}", type, value.size(), to_string(action()));
}

bool operator==(const UnknownParameter& a, const UnknownParameter& b) {
  return a.type == b.type && bytes_equal(a.value, b.value);
}

Result<Parameter> parse_parameter(const TlvView& p) {
  return dispatch(p, std::make_index_sequence<kKnownCount>{});
}

void encode_parameter(ByteWriter& w, const Parameter& p) {
  std::visit([&w](const auto& x) { x.encode(w); }, p);
}

std::size_t parameter_encoded_size(const Parameter& p) {
  return std::visit([](const auto& x) { return padded4(x.encoded_size()); }, p);
}

std::uint16_t parameter_type_of(const Parameter& p) {
  return std::visit(
      [](const auto& x) -> std::uint16_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, UnknownParameter>) {
          return x.type;
        } else {
          return std::decay_t<decltype(x)>::kType;
        }
      },
      p);
}

std::string describe_parameter(const Parameter& p) {
  const std::string details = std::visit([](const auto& x) { return x.describe(); }, p);
  const std::string_view name = parameter_type_name(parameter_type_of(p));
  if (details.empty()) return std::string(name);
  return fmt::format("{} {}", name, details);
}

std::size_t parameters_encoded_size(std::span<const Parameter> params) {
  std::size_t n = 0;
  for (const Parameter& p : params) n += parameter_encoded_size(p);
  return n;
}

std::optional<Bytes> encode_parameters(MutableBytes buffer, std::span<const Parameter> params) {
  ByteWriter w(buffer);
  std::size_t last_unpadded = 0;
  for (const Parameter& p : params) {
    const std::size_t start = w.size();
    encode_parameter(w, p);
    if (w.overflowed()) return std::nullopt;
    last_unpadded = start + std::visit([](const auto& x) { return x.encoded_size(); }, p);
  }
  return w.written().first(last_unpadded);
}

}  // namespace sctps::wire
