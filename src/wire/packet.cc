#include "wire/packet.h"

#include <algorithm>

namespace sctps::wire {

Result<CommonHeader> CommonHeader::parse(Bytes packet) {
  auto r = FixedReader<kSize>::make(packet);
  if (!r) return make_error(ParseErrorCode::kTruncated, 0, "common header");
  CommonHeader h;
  h.source_port = r->u16<0>();
  h.destination_port = r->u16<2>();
  h.verification_tag = VerificationTag(r->u32<4>());
  h.checksum = r->u32<8>();
  return h;
}

void CommonHeader::encode(ByteWriter& w) const {
  w.u16(source_port);
  w.u16(destination_port);
  w.u32(verification_tag.value());
  w.u32(checksum);
}

Result<ChunkRegion> ChunkRegion::parse(Bytes region, std::size_t base_offset) {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < region.size()) {
    const std::size_t left = region.size() - pos;
    if (left < 4)
      return make_error(ParseErrorCode::kTrailingBytes, base_offset + pos, "chunk header");
    const std::uint16_t length = load_be16(region.data() + pos + 2);
    if (length < 4)
      return make_error(ParseErrorCode::kChunkTooShort, base_offset + pos, "chunk length");
    if (length > left)
      return make_error(ParseErrorCode::kBadLength, base_offset + pos, "chunk length");
    // The last chunk's padding may be cut off: the length field does not count it (§3.2).
    pos += std::min(padded4(length), left);
    ++count;
  }
  ChunkRegion out;
  out.bytes = region;
  out.base_offset = base_offset;
  out.chunk_count = count;
  return out;
}

void ChunkRegion::Iterator::load() {
  if (pos_ >= region_.size()) {
    pos_ = region_.size();
    return;
  }
  const std::size_t left = region_.size() - pos_;
  const std::uint16_t length = left >= 4 ? load_be16(region_.data() + pos_ + 2) : 0;
  if (length < 4 || length > left) {  // only reachable on a region that parse() did not accept
    pos_ = region_.size();
    return;
  }
  cur_.type = region_[pos_];
  cur_.flags = region_[pos_ + 1];
  cur_.whole = region_.subspan(pos_, length);
  cur_.value = cur_.whole.subspan(4);
  cur_.offset = base_ + pos_;
  next_ = pos_ + std::min(padded4(length), left);
}

PacketView::PacketView(CommonHeader h, Bytes packet, ChunkRegion chunks)
    : header_(h), packet_(packet), chunks_(chunks), first_(*chunks_.begin()) {}

Result<PacketView> PacketView::parse(Bytes packet) {
  auto header = CommonHeader::parse(packet);
  if (!header) return header.error();
  auto chunks = ChunkRegion::parse(packet.subspan(CommonHeader::kSize), CommonHeader::kSize);
  if (!chunks) return chunks.error();
  if (chunks->chunk_count == 0)
    return make_error(ParseErrorCode::kNoChunks, CommonHeader::kSize, "packet");
  return PacketView(*header, packet, *chunks);
}

Result<PacketView> PacketView::with_chunks(const CommonHeader& header, Bytes packet,
                                           const ChunkRegion& chunks) {
  if (chunks.chunk_count == 0)
    return make_error(ParseErrorCode::kNoChunks, chunks.base_offset, "packet");
  return PacketView(header, packet, chunks);
}

}  // namespace sctps::wire
