// Termination (RFC 9260 §9): graceful shutdown with T2-shutdown and T5-shutdown-guard, ABORT in
// both directions, ERROR chunks, and the end of the association reported to the application.
#include <fmt/format.h>

#include <algorithm>

#include "core/association/association.h"
#include "wire/error_chunk.h"

namespace sctps::core {
namespace {

std::string describe_causes(wire::Bytes causes) {
  auto block = wire::TlvBlock::parse(causes);
  if (!block || block->empty()) return {};
  std::string out;
  for (const wire::TlvView& item : *block) {
    if (!out.empty()) out += "; ";
    // The peer's reason in words (User-Initiated Abort, Protocol Violation) is what the
    // application most needs: given whole when it is printable text, up to a bound.
    constexpr std::size_t kMaxReason = 400;
    const bool reason = item.type == wire::cause_code::kUserInitiatedAbort ||
                        item.type == wire::cause_code::kProtocolViolation;
    if (reason && !item.value.empty() && item.value.size() <= kMaxReason &&
        std::all_of(item.value.begin(), item.value.end(),
                    [](std::uint8_t c) { return c >= 0x20 && c < 0x7F; })) {
      out += fmt::format(
          "{}: {}", wire::error_cause_name(item.type),
          std::string_view(reinterpret_cast<const char*>(item.value.data()), item.value.size()));
      continue;
    }
    auto cause = wire::parse_error_cause(item);
    out +=
        cause ? wire::describe_error_cause(*cause) : std::string(wire::error_cause_name(item.type));
  }
  return out;
}

}  // namespace

void Association::shutdown(TimePoint now) {
  switch (state_) {
    case AssociationState::kCookieWait:
    case AssociationState::kCookieEchoed:
      shutdown_requested_ = true;  // completes the handshake, then shuts down gracefully
      break;
    case AssociationState::kEstablished:
      set_state(AssociationState::kShutdownPending, "shutdown requested");
      maybe_progress_shutdown(now);
      break;
    default: break;
  }
}

// §9.2: SHUTDOWN (or SHUTDOWN ACK) goes out once everything we sent is acknowledged.
void Association::maybe_progress_shutdown(TimePoint now) {
  if (!all_data_acked()) return;
  if (state_ == AssociationState::kShutdownPending) {
    t2_.stop();
    t5_.start(now, ctx_.options.shutdown_guard);
    send_shutdown(now);
  } else if (state_ == AssociationState::kShutdownReceived) {
    t2_.stop();
    send_shutdown_ack(now);
  }
}

void Association::send_shutdown(TimePoint now) {
  wire::ShutdownChunk chunk;
  chunk.cumulative_tsn_ack = tracker_ ? tracker_->cumulative_tsn_ack() : Tsn(0);
  const auto dest = destination();
  queue_control(chunk, dest);
  set_state(AssociationState::kShutdownSent, "all data acknowledged");
  paths_.stop_heartbeats();  // §8.3: the SHUTDOWN exchange itself shows whether the peer is there
  t2_.start(now, paths_.path(dest.value_or(PathId{0})).rto().rto());
}

void Association::send_shutdown_ack(TimePoint now) {
  const auto dest = destination();
  queue_control(wire::ShutdownAckChunk{}, dest);
  set_state(AssociationState::kShutdownAckSent, "SHUTDOWN received, all data acknowledged");
  paths_.stop_heartbeats();
  t2_.start(now, paths_.path(dest.value_or(PathId{0})).rto().rto());
}

void Association::on_init_while_shutting_down(TimePoint now) {
  if (state_ == AssociationState::kShutdownAckSent) send_shutdown_ack(now);
}

void Association::on_shutdown(const wire::ChunkView& chunk, TimePoint now) {
  auto shutdown = wire::ShutdownChunk::parse(chunk);
  if (!shutdown) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  switch (state_) {
    case AssociationState::kEstablished:
    case AssociationState::kShutdownPending:
    case AssociationState::kShutdownReceived: {
      if (state_ != AssociationState::kShutdownReceived) {
        set_state(AssociationState::kShutdownReceived, "SHUTDOWN received");
      }
      // §9.2: the Cumulative TSN Ack acknowledges what it covers; gap-acked chunks stay acked
      // (§3.3.8: SHUTDOWN carries no gap information) and the window is left as it is.
      if (rtx_) {
        std::vector<std::size_t> flight_before(paths_.size());
        for (std::size_t i = 0; i < paths_.size(); ++i) {
          flight_before[i] = rtx_->outstanding_bytes(i);
        }
        const auto r = rtx_->handle_cumulative_ack(shutdown->cumulative_tsn_ack, now);
        if (r.accepted) apply_sack_result(r, flight_before, std::nullopt, now);
      }
      maybe_progress_shutdown(now);
      break;
    }
    case AssociationState::kShutdownSent:
      // §9.2: both sides shut down at once: answer with SHUTDOWN ACK right away.
      t2_.stop();
      send_shutdown_ack(now);
      break;
    case AssociationState::kShutdownAckSent:
      // §9.2: our SHUTDOWN ACK was lost and the peer repeats its SHUTDOWN: answer again.
      send_shutdown_ack(now);
      break;
    default: break;
  }
}

void Association::on_shutdown_ack(TimePoint now) {
  switch (state_) {
    case AssociationState::kShutdownSent:
    case AssociationState::kShutdownAckSent: {
      t2_.stop();
      t5_.stop();
      control_.clear();  // §6.10: SHUTDOWN COMPLETE travels alone
      queue_control(wire::ShutdownCompleteChunk{}, destination());
      fail(DownReason::kShutdown, "graceful shutdown");
      break;
    }
    case AssociationState::kCookieWait:
    case AssociationState::kCookieEchoed: {
      // §8.5.1 E / §8.4 rule 5: answered as out of the blue, with the T bit.
      wire::ShutdownCompleteChunk complete;
      complete.tag_reflected = true;
      queue_control(complete, destination());
      break;
    }
    default: break;  // discard
  }
  (void)now;
}

void Association::on_shutdown_complete(TimePoint) {
  if (state_ != AssociationState::kShutdownAckSent) return;  // §9.2: discard elsewhere
  t2_.stop();
  fail(DownReason::kShutdown, "graceful shutdown");
}

void Association::on_t2_expired(TimePoint now) {
  t2_.fired();
  const PathId dest = destination().value_or(PathId{0});
  paths_.path(dest).rto().back_off();
  if (t2_.expirations() > ctx_.options.max_association_retransmits) {
    send_abort({});
    fail(DownReason::kCommunicationLost, "no answer to SHUTDOWN after Association.Max.Retrans");
    return;
  }
  if (state_ == AssociationState::kShutdownSent) {
    send_shutdown(now);
  } else if (state_ == AssociationState::kShutdownAckSent) {
    send_shutdown_ack(now);
  }
}

void Association::on_abort(const wire::ChunkView& chunk) {
  auto abort = wire::AbortChunk::parse(chunk);
  if (!abort) {  // §3.3.7: a malformed ABORT is not acted on
    ++stats_.dropped_malformed_chunks;
    return;
  }
  std::string detail = "ABORT received";
  const std::string causes = describe_causes(abort->causes);
  if (!causes.empty()) detail += ": " + causes;
  control_.clear();
  fail(DownReason::kPeerAborted, detail);
}

void Association::on_error(const wire::ChunkView& chunk, TimePoint now) {
  auto error = wire::ErrorChunk::parse(chunk);
  if (!error) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  auto block = wire::TlvBlock::parse(error->causes);
  if (!block) return;
  for (const wire::TlvView& item : *block) {
    auto cause = wire::parse_error_cause(item);
    if (!cause) continue;
    if (const auto* stale = std::get_if<wire::StaleCookieCause>(&*cause)) {
      on_stale_cookie(stale->staleness_us, now);
      if (closed()) return;
    }
    emit(PeerError{id_, wire::describe_error_cause(*cause)});
  }
}

void Association::send_abort(std::span<const wire::ErrorCause> causes) {
  control_.clear();
  if (peer_tag_.value() == 0) return;  // the peer has no state for us yet: nothing to abort
  std::vector<std::uint8_t> buf(wire::error_causes_encoded_size(causes));
  wire::AbortChunk abort;
  if (auto block = wire::encode_error_causes(causes, buf)) abort.causes = *block;
  queue_control(abort, destination());
}

void Association::abort(std::string_view reason, TimePoint) {
  if (closed()) return;
  const std::vector<std::uint8_t> text(reason.begin(), reason.end());
  const wire::ErrorCause cause = wire::UserInitiatedAbortCause{text};
  send_abort(std::span(&cause, 1));
  fail(DownReason::kLocalAbort, fmt::format("aborted: {}", reason));
}

void Association::fail(DownReason reason, std::string detail) {
  if (closed()) return;
  std::vector<UnsentMessage> undelivered = take_undelivered();
  set_state(AssociationState::kClosed, detail);
  t1_.stop();
  t2_.stop();
  t5_.stop();
  for (Timer& t : t3_) t.stop();
  paths_.stop_heartbeats();
  emit(AssociationDown{id_, reason, std::move(detail), std::move(undelivered)});
}

}  // namespace sctps::core
