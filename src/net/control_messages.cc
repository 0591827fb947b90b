#include "net/control_messages.h"

#include <netinet/in.h>
#include <netinet/udp.h>

namespace sctps::net {

std::optional<ControlMessage> ControlMessageReader::next() {
  if (offset_ >= control_.size() || control_.size() - offset_ < sizeof(cmsghdr)) {
    return std::nullopt;
  }
  cmsghdr header{};
  std::memcpy(&header, control_.data() + offset_, sizeof(header));
  const std::size_t length = header.cmsg_len;
  if (length < cmsg_header_size() || length > control_.size() - offset_) {
    offset_ = control_.size();
    return std::nullopt;
  }
  ControlMessage message{
      header.cmsg_level, header.cmsg_type,
      control_.subspan(offset_ + cmsg_header_size(), length - cmsg_header_size())};
  const std::size_t advance = cmsg_align(length);
  offset_ = advance > control_.size() - offset_ ? control_.size() : offset_ + advance;
  return message;
}

bool ControlMessageWriter::add(int level, int type, std::span<const std::uint8_t> data) {
  const std::size_t space = cmsg_space(data.size());
  if (space > buffer_.size() - size_) return false;
  std::memset(buffer_.data() + size_, 0, space);
  cmsghdr header{};
  header.cmsg_len = cmsg_length(data.size());
  header.cmsg_level = level;
  header.cmsg_type = type;
  std::memcpy(buffer_.data() + size_, &header, sizeof(header));
  if (!data.empty()) {
    std::memcpy(buffer_.data() + size_ + cmsg_header_size(), data.data(), data.size());
  }
  size_ += space;
  return true;
}

ReceiveMetadata parse_receive_metadata(std::span<const std::uint8_t> control) {
  ReceiveMetadata meta;
  ControlMessageReader reader(control);
  while (const auto message = reader.next()) {
    if (message->level == IPPROTO_IP && message->type == IP_PKTINFO &&
        message->data.size() >= sizeof(in_pktinfo)) {
      in_pktinfo info{};
      std::memcpy(&info, message->data.data(), sizeof(info));
      std::array<std::uint8_t, 4> ip{};
      std::memcpy(ip.data(), &info.ipi_addr, ip.size());
      meta.local = SocketAddress::v4(ip, 0);
      meta.interface_index =
          info.ipi_ifindex > 0 ? static_cast<std::uint32_t>(info.ipi_ifindex) : 0;
    } else if (message->level == IPPROTO_IPV6 && message->type == IPV6_PKTINFO &&
               message->data.size() >= sizeof(in6_pktinfo)) {
      in6_pktinfo info{};
      std::memcpy(&info, message->data.data(), sizeof(info));
      std::array<std::uint8_t, 16> ip{};
      std::memcpy(ip.data(), &info.ipi6_addr, ip.size());
      // A link-local destination is only meaningful with its interface.
      const bool link_local = ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
      meta.local = SocketAddress::v6(ip, 0, link_local ? info.ipi6_ifindex : 0);
      meta.interface_index = info.ipi6_ifindex;
    } else if (message->level == SOL_UDP && message->type == UDP_GRO &&
               message->data.size() >= sizeof(int)) {
      int size = 0;
      std::memcpy(&size, message->data.data(), sizeof(size));
      if (size > 0 && size <= 0xffff) meta.gro_segment_size = static_cast<std::uint16_t>(size);
    }
  }
  return meta;
}

std::optional<std::size_t> write_send_metadata(std::span<std::uint8_t> buffer,
                                               const SocketAddress& source,
                                               std::uint16_t gso_segment_size) {
  ControlMessageWriter writer(buffer);
  if (source.is_v4() && !source.is_any()) {
    in_pktinfo info{};
    std::memcpy(&info.ipi_spec_dst, source.ip_bytes().data(), 4);
    if (!writer.add_value(IPPROTO_IP, IP_PKTINFO, info)) return std::nullopt;
  } else if (source.is_v6() && !source.is_any()) {
    in6_pktinfo info{};
    std::memcpy(&info.ipi6_addr, source.ip_bytes().data(), 16);
    info.ipi6_ifindex = source.scope_id();
    if (!writer.add_value(IPPROTO_IPV6, IPV6_PKTINFO, info)) return std::nullopt;
  }
  if (gso_segment_size > 0 && !writer.add_value(SOL_UDP, UDP_SEGMENT, gso_segment_size)) {
    return std::nullopt;
  }
  return writer.size();
}

}  // namespace sctps::net
