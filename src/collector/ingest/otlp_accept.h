#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "collector/http/worker_pool.h"
#include "collector/ingest/commit_waiter.h"
#include "collector/ingest/ingest_queue.h"
#include "collector/ingest/otlp_spans.h"
#include "collector/model/metrics.h"

namespace clt::collector {

struct OtlpAcceptOptions {
  SpanLimits limits;
  std::chrono::milliseconds ack_timeout{30'000};
  // Requests waiting for room in a full ingest queue; beyond, refused.
  std::size_t max_waiting = 4096;
};

// How an export ended, for the transport to answer in its own terms.
struct OtlpAcceptResult {
  enum class Status {
    ok,           // committed (partial success if rejected_spans > 0)
    retry_later,  // not stored: overloaded, storing failed or took too long, shutting down
  };
  Status status = Status::ok;
  std::string message;  // why, when not ok
  std::int64_t rejected_spans = 0;
  std::string first_error;  // why the first rejected span was rejected
};

// The one OTLP accept path of the gRPC and HTTP receivers: converts a
// request within the span limits, queues its spans and calls back once they
// are committed. Back-pressure is the same for both: a full ingest queue is
// waited for on a thread of this acceptor's (the caller never blocks; its
// answer, and so the sender's next request, waits), and a burst beyond
// max_waiting is refused as overloaded.
class OtlpAcceptor {
 public:
  using Done = std::function<void(const OtlpAcceptResult&)>;

  OtlpAcceptor(IngestQueue& queue, CommitWaiter& waiter, Metrics& metrics,
               OtlpAcceptOptions options);
  ~OtlpAcceptor();
  OtlpAcceptor(const OtlpAcceptor&) = delete;
  OtlpAcceptor& operator=(const OtlpAcceptor&) = delete;

  // `done` is called once, from any thread.
  void accept(const ExportTraceServiceRequest& request, Done done);
  // After the receivers stopped: no request is left to wait.
  void stop();

 private:
  struct Call;
  void wait_for_commit(std::shared_ptr<Call> call, std::uint64_t seq);

  IngestQueue& queue_;
  CommitWaiter& waiter_;
  Metrics& metrics_;
  const OtlpAcceptOptions options_;
  WorkerPool room_waits_;
};

}  // namespace clt::collector
