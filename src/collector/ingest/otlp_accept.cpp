#include "collector/ingest/otlp_accept.h"

#include <memory>

namespace clt::collector {

struct OtlpAcceptor::Call {
  OtlpConversion conv;
  std::size_t accepted = 0;
  Done done;

  void finish(OtlpAcceptResult::Status status, std::string message = {}) const {
    OtlpAcceptResult r;
    r.status = status;
    r.message = std::move(message);
    r.rejected_spans = conv.rejected;
    r.first_error = conv.first_error;
    done(r);
  }
};

namespace {

constexpr const char* kShuttingDown = "the collector is shutting down";

const char* failure_message(IngestQueue::Outcome outcome) {
  switch (outcome) {
    case IngestQueue::Outcome::failed:
      return "the collector could not store the spans; retry";
    case IngestQueue::Outcome::timeout:
      return "storing the spans took too long; retry";
    default:
      return kShuttingDown;
  }
}

}  // namespace

OtlpAcceptor::OtlpAcceptor(IngestQueue& queue, CommitWaiter& waiter, Metrics& metrics,
                           OtlpAcceptOptions options)
    : queue_(queue),
      waiter_(waiter),
      metrics_(metrics),
      options_(options),
      room_waits_(2, options.max_waiting) {}

OtlpAcceptor::~OtlpAcceptor() {
  stop();
}

void OtlpAcceptor::stop() {
  room_waits_.stop();
}

void OtlpAcceptor::accept(const ExportTraceServiceRequest& request, Done done) {
  auto call = std::make_shared<Call>();
  call->done = std::move(done);
  convert_otlp(request, options_.limits, call->conv);
  count_conversion(call->conv, metrics_);
  call->accepted = call->conv.spans.size();
  if (call->accepted == 0) return call->finish(OtlpAcceptResult::Status::ok);
  // A full disk: refused at once rather than queued to fail.
  std::string refusal;
  if (queue_.storage_refused(refusal)) {
    metrics_.requests_refused_storage.fetch_add(1, std::memory_order_relaxed);
    return call->finish(OtlpAcceptResult::Status::retry_later, std::move(refusal));
  }
  if (const std::uint64_t seq = queue_.add_spans(std::move(call->conv.spans), false))
    return wait_for_commit(std::move(call), seq);
  if (queue_.closed()) return call->finish(OtlpAcceptResult::Status::retry_later, kShuttingDown);
  const bool waiting = room_waits_.submit([this, call]() mutable {
    if (const std::uint64_t seq = queue_.add_spans(std::move(call->conv.spans), true))
      return wait_for_commit(std::move(call), seq);
    call->finish(OtlpAcceptResult::Status::retry_later, kShuttingDown);
  });
  if (waiting) return;
  metrics_.requests_refused_overload.fetch_add(1, std::memory_order_relaxed);
  call->finish(OtlpAcceptResult::Status::retry_later, "the collector is overloaded; retry later");
}

void OtlpAcceptor::wait_for_commit(std::shared_ptr<Call> call, std::uint64_t seq) {
  waiter_.when_committed(seq, options_.ack_timeout, [this, call](IngestQueue::Outcome outcome) {
    std::string refusal;
    if (outcome == IngestQueue::Outcome::failed && queue_.storage_failing(refusal))
      return call->finish(OtlpAcceptResult::Status::retry_later, std::move(refusal));
    if (outcome != IngestQueue::Outcome::committed)
      return call->finish(OtlpAcceptResult::Status::retry_later, failure_message(outcome));
    metrics_.otlp_spans_received.fetch_add(call->accepted, std::memory_order_relaxed);
    call->finish(OtlpAcceptResult::Status::ok);
  });
}

}  // namespace clt::collector
