// Heartbeats (RFC 9260 §8.3) and path state changes (§8.1, §8.2, §5.4).
#include "core/association/association.h"
#include "wire/heartbeat_chunk.h"

namespace sctps::core {

void Association::on_heartbeat(const wire::ChunkView& chunk, const IpAddress& from) {
  auto hb = wire::HeartbeatChunk::parse(chunk);
  if (!hb) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  // §8.3: echo the information unchanged, to the address the HEARTBEAT came from.
  wire::HeartbeatAckChunk ack;
  ack.info = hb->info;
  queue_control(ack, path_for(from));
}

void Association::on_heartbeat_ack(const wire::ChunkView& chunk, TimePoint now) {
  auto ack = wire::HeartbeatAckChunk::parse(chunk);
  if (!ack) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  const HeartbeatAckResult r = paths_.on_heartbeat_ack(ack->info, now);
  if (!r.ok()) {
    ++stats_.rejected_heartbeat_acks;
    return;
  }
  apply_path_update(r.update, now);
}

void Association::run_heartbeats(TimePoint now) {
  if (!paths_.heartbeats_started() || now < paths_.next_heartbeat_deadline()) return;
  while (auto update = paths_.expire_heartbeat(now)) {
    apply_path_update(*update, now);
    if (closed()) return;
  }
  while (auto hb = paths_.due_heartbeat(now)) {
    wire::HeartbeatChunk chunk;
    chunk.info = hb->info;
    queue_control(chunk, hb->path);
    ++stats_.heartbeats_sent;
  }
}

void Association::apply_path_update(const PathUpdate& update, TimePoint) {
  if (!update.any() || !paths_.contains(update.path)) return;
  const IpAddress& address = paths_.path(update.path).address();
  if (update.became_inactive) emit(PathChanged{id_, address, false});
  if (update.became_active) emit(PathChanged{id_, address, true});
  if (update.association_failed) {
    fail(DownReason::kCommunicationLost, "peer unreachable: Association.Max.Retrans exceeded");
  }
}

}  // namespace sctps::core
