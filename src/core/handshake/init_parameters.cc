// INIT / INIT ACK parameter scanning and building, RFC 9260 §3.2.1, §3.3.2, §3.3.3, §5.1.2.
#include "core/handshake/init_parameters.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "wire/chunk_type.h"
#include "wire/init_chunk.h"
#include "wire/parameters.h"

namespace sctps::core {
namespace {

namespace pt = wire::parameter_type;

// Which known parameters each chunk may carry: §3.3.2 and §3.3.3 plus the extensions we implement
// (RFC 3758, RFC 5061 §4.2.6-7, RFC 4820 for INIT only, the DTLS chunk draft).
bool allowed(std::uint16_t type, bool is_init_ack) {
  switch (type) {
    case pt::kIpv4Address:
    case pt::kIpv6Address:
    case pt::kHostNameAddress:
    case pt::kEcnCapable:
    case pt::kDtlsKeyManagement:
    case pt::kSupportedExtensions:
    case pt::kForwardTsnSupported:
    case pt::kAdaptationLayerIndication: return true;
    case pt::kCookiePreservative:
    case pt::kSupportedAddressTypes:
    case pt::kPadding: return !is_init_ack;
    case pt::kStateCookie:
    case pt::kUnrecognizedParameter: return is_init_ack;
    default: return false;
  }
}

std::vector<std::uint8_t> copy(wire::Bytes b) {
  return {b.begin(), b.end()};
}

// Applies one parsed, allowed parameter to the scan.
struct Apply {
  InitParameterScan& scan;
  const wire::TlvView& tlv;

  void add_address(const IpAddress& a) {
    if (std::find(scan.addresses.begin(), scan.addresses.end(), a) != scan.addresses.end()) return;
    if (scan.addresses.size() >= InitParameterScan::kMaxAddresses) {
      scan.addresses_truncated = true;
      return;
    }
    scan.addresses.push_back(a);
  }

  void operator()(const wire::Ipv4AddressParameter& p) { add_address(IpAddress::v4(p.address)); }
  void operator()(const wire::Ipv6AddressParameter& p) { add_address(IpAddress::v6(p.address)); }
  void operator()(const wire::HostNameAddressParameter&) {
    if (!scan.host_name_parameter) scan.host_name_parameter = copy(tlv.whole);
  }
  void operator()(const wire::CookiePreservativeParameter& p) {
    if (!scan.cookie_preservative_ms) scan.cookie_preservative_ms = p.increment_ms;
  }
  void operator()(const wire::SupportedAddressTypesParameter& p) {
    if (!scan.supported_address_types) scan.supported_address_types = p.types;
  }
  void operator()(const wire::StateCookieParameter& p) {
    if (!scan.state_cookie) scan.state_cookie = copy(p.cookie);
  }
  void operator()(const wire::SupportedExtensionsParameter& p) {
    if (!scan.supported_extensions) scan.supported_extensions = copy(p.chunk_types);
  }
  void operator()(const wire::ForwardTsnSupportedParameter&) { scan.forward_tsn_supported = true; }
  void operator()(const wire::AdaptationLayerIndicationParameter& p) {
    if (!scan.adaptation_indication) scan.adaptation_indication = p.indication;
  }
  void operator()(const wire::DtlsKeyManagementParameter& p) {
    if (scan.dtls_km) return;
    scan.dtls_km = p;
    scan.dtls_km->wire = {};  // pointed into the packet
    scan.dtls_km_wire = copy(tlv.whole);
  }
  // ECN Capable (not implemented), PAD (ignored by definition, RFC 4820 §3), and types allowed()
  // never lets through.
  template <typename T>
  void operator()(const T&) {}
};

// The peer's report on our INIT: informational, so bad framing inside is tolerated.
void note_peer_unrecognized(InitParameterScan& scan, wire::Bytes value) {
  auto inner = wire::TlvBlock::parse(value);
  if (!inner) return;
  for (const wire::TlvView& t : *inner) scan.peer_unrecognized_types.push_back(t.type);
}

// §3.2.1: the upper two bits of an unrecognized type decide. Returns false when processing stops.
bool handle_unknown(InitParameterScan& scan, const wire::TlvView& tlv, std::size_t& report_bytes) {
  const wire::UnknownAction action = wire::unknown_parameter_action(tlv.type);
  if (wire::must_report(action)) {
    const std::size_t size = wire::padded4(tlv.whole.size());
    if (report_bytes + size <= InitParameterScan::kMaxReportBytes) {
      scan.unrecognized.push_back(copy(tlv.whole));
      report_bytes += size;
    } else {
      scan.reports_truncated = true;
    }
  }
  if (wire::stops_processing(action)) {
    scan.stopped = true;
    scan.stopped_at_type = tlv.type;
    return false;
  }
  return true;
}

}  // namespace

bool InitParameterScan::accepts(IpAddress::Family family) const {
  if (!supported_address_types) return true;
  const std::uint16_t wanted =
      family == IpAddress::Family::kV4 ? pt::kIpv4Address : pt::kIpv6Address;
  return std::find(supported_address_types->begin(), supported_address_types->end(), wanted) !=
         supported_address_types->end();
}

bool InitParameterScan::lists_extension(std::uint8_t chunk_type) const {
  return supported_extensions &&
         std::find(supported_extensions->begin(), supported_extensions->end(), chunk_type) !=
             supported_extensions->end();
}

std::vector<std::uint8_t> InitParameterScan::unrecognized_cause_value() const {
  std::vector<std::uint8_t> out;
  for (const auto& tlv : unrecognized) {
    out.insert(out.end(), tlv.begin(), tlv.end());
    out.resize(wire::padded4(out.size()), 0);
  }
  return out;
}

InitParameterScan scan_init_parameters(wire::TlvBlock params, bool is_init_ack) {
  InitParameterScan scan;
  std::size_t report_bytes = 0;
  for (const wire::TlvView& tlv : params) {
    auto parsed = wire::parse_parameter(tlv);
    const bool unknown = parsed.ok() && std::holds_alternative<wire::UnknownParameter>(*parsed);
    if (unknown) {
      if (!handle_unknown(scan, tlv, report_bytes)) break;
      continue;
    }
    if (!allowed(tlv.type, is_init_ack)) {
      scan.ignored_types.push_back(tlv.type);
      continue;
    }
    if (tlv.type == pt::kUnrecognizedParameter) {
      note_peer_unrecognized(scan, tlv.value);
      continue;
    }
    if (!parsed.ok()) {
      scan.error = InitScanError::kMalformedParameter;
      scan.error_parameter_type = tlv.type;
      scan.error_offset = tlv.offset;
      return scan;
    }
    std::visit(Apply{scan, tlv}, *parsed);
  }
  // §3.3.3: the State Cookie is mandatory in an INIT ACK; one behind a "stop" type was not seen.
  if (is_init_ack && !scan.state_cookie) scan.error = InitScanError::kMissingStateCookie;
  return scan;
}

std::optional<std::vector<std::uint8_t>> build_init_parameters(const LocalInitParameters& local) {
  std::vector<wire::Parameter> params;
  if (local.state_cookie) params.emplace_back(wire::StateCookieParameter{*local.state_cookie});
  for (const IpAddress& a : local.addresses) {
    const auto b = a.bytes();
    if (a.is_v4()) {
      wire::Ipv4AddressParameter p;
      std::copy(b.begin(), b.end(), p.address.begin());
      params.emplace_back(p);
    } else {
      wire::Ipv6AddressParameter p;
      std::copy(b.begin(), b.end(), p.address.begin());
      params.emplace_back(p);
    }
  }
  if (local.supported_address_types) {
    params.emplace_back(wire::SupportedAddressTypesParameter{*local.supported_address_types});
  }
  if (local.cookie_preservative_ms) {
    params.emplace_back(wire::CookiePreservativeParameter{*local.cookie_preservative_ms});
  }
  if (!local.supported_extensions.empty()) {
    params.emplace_back(wire::SupportedExtensionsParameter{local.supported_extensions});
  }
  if (local.forward_tsn) params.emplace_back(wire::ForwardTsnSupportedParameter{});
  if (local.dtls_km) params.emplace_back(*local.dtls_km);
  for (const auto& u : local.unrecognized) {
    params.emplace_back(wire::UnrecognizedParameterParameter{u});
  }
  std::vector<std::uint8_t> zeros;
  if (local.pad_bytes) {
    if (*local.pad_bytes > wire::InitFields::kMaxParametersSize) return std::nullopt;
    zeros.assign(*local.pad_bytes, 0);
    params.emplace_back(wire::PaddingParameter{zeros});
  }

  std::vector<std::uint8_t> out(wire::parameters_encoded_size(params));
  const auto written = wire::encode_parameters(out, params);
  if (!written || written->size() > wire::InitFields::kMaxParametersSize) return std::nullopt;
  out.resize(written->size());
  return out;
}

}  // namespace sctps::core
