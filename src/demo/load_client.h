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

namespace clt::demo {

// Calls the API service's /api/request at a steady rate from inside the API
// node's network namespace, and hands each answer to the consumer.
class LoadClient {
 public:
  struct Result {
    std::optional<ApiAnswer> answer;
    std::string error;
  };

  LoadClient(std::string netns, std::uint16_t api_port, double rate, int count)
      : netns_(std::move(netns)), port_(api_port), rate_(rate), count_(count) {}
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
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Result> results_;
};

// One GET on the API node (inside its namespace); false with error on failure.
bool api_get(const std::string& netns, std::uint16_t port, const std::string& path,
             std::string& body, std::string& error);

}  // namespace clt::demo
