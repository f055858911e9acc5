#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "collector/ingest/ingest_queue.h"

namespace clt::collector {

// Calls back once an ingest batch is committed (or failed, or the wait timed
// out, or the queue closed), from one thread of its own: a receiver then
// acknowledges a sender without holding a thread per request while the
// store writes.
class CommitWaiter {
 public:
  using Callback = std::function<void(IngestQueue::Outcome)>;

  explicit CommitWaiter(IngestQueue& queue);
  ~CommitWaiter();
  CommitWaiter(const CommitWaiter&) = delete;
  CommitWaiter& operator=(const CommitWaiter&) = delete;

  // failures_before: as IngestQueue::wait_committed's.
  void when_committed(std::uint64_t seq, std::chrono::milliseconds timeout, Callback done,
                      std::uint64_t failures_before = IngestQueue::kThisBatchOnly);
  // Pending callbacks are called with Outcome::closed; later ones at once.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    Clock::time_point deadline;
    Callback done;
    std::uint64_t failures_before;
  };
  void run();

  IngestQueue& queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::uint64_t, Pending> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace clt::collector
