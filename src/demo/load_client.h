#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "demo/request_report.h"
#include "tracing/id_generator.h"

namespace clt::demo {

// A sampled W3C traceparent with fresh ids, and its trace id in hex: the
// caller starts the trace, as a traced client in front of the API would.
struct StartedTrace {
  std::string traceparent;
  std::string trace_id;
};
StartedTrace start_trace(tracing::IdGenerator& ids);

// Calls the API service's /api/request at a steady rate from inside the API
// node's network namespace, and hands each answer to the consumer. With
// start_traces, each call carries a traceparent of its own (start_trace), for
// an API service that does not tell its trace id in its answer.
class LoadClient {
 public:
  struct Result {
    std::optional<ApiAnswer> answer;
    std::string error;
  };

  LoadClient(std::string netns, std::uint16_t api_port, double rate, int count,
             bool start_traces = false)
      : netns_(std::move(netns)),
        port_(api_port),
        rate_(rate),
        count_(count),
        start_traces_(start_traces) {}
  ~LoadClient() { stop(); }
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  void start();
  // Asks the thread to stop after its current request; stop() also waits.
  void request_stop();
  void stop();
  // The next answer, or nullopt if none came within timeout.
  std::optional<Result> next(std::chrono::milliseconds timeout);
  // True once count requests were sent (never for count 0).
  bool finished() const { return finished_.load(); }

 private:
  void loop();

  std::string netns_;
  std::uint16_t port_;
  double rate_;
  int count_;
  bool start_traces_;
  tracing::RandomIdGenerator ids_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Result> results_;
};

// One GET on the API node (inside its namespace); false with error on failure.
// A non-empty traceparent is sent as the request's header.
bool api_get(const std::string& netns, std::uint16_t port, const std::string& path,
             std::string& body, std::string& error, const std::string& traceparent = {});

}  // namespace clt::demo
