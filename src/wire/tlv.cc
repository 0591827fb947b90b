#include "wire/tlv.h"

namespace sctps::wire {

Result<TlvBlock> TlvBlock::parse(Bytes region) {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < region.size()) {
    const std::size_t left = region.size() - pos;
    if (left < 4) return make_error(ParseErrorCode::kParameterOverrun, pos, "item header");
    const std::uint16_t length = load_be16(region.data() + pos + 2);
    if (length < 4) return make_error(ParseErrorCode::kBadLength, pos, "item length below 4");
    if (length > left) return make_error(ParseErrorCode::kParameterOverrun, pos, "item length");
    pos += std::min(padded4(length), left);
    ++count;
  }
  return TlvBlock(region, count);
}

void TlvBlock::Iterator::load() {
  if (pos_ >= region_.size()) {
    pos_ = region_.size();
    return;
  }
  // Framing was validated by parse(); the checks below only keep a misused iterator in bounds.
  const std::size_t left = region_.size() - pos_;
  const std::uint16_t length = left >= 4 ? load_be16(region_.data() + pos_ + 2) : 0;
  if (length < 4 || length > left) {
    pos_ = region_.size();
    return;
  }
  cur_.type = load_be16(region_.data() + pos_);
  cur_.whole = region_.subspan(pos_, length);
  cur_.value = cur_.whole.subspan(4);
  cur_.offset = pos_;
  next_ = pos_ + std::min(padded4(length), left);
}

void encode_tlv(ByteWriter& w, std::uint16_t type, Bytes value) {
  TlvScope scope(w, type);
  w.bytes(value);
}

}  // namespace sctps::wire
