#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace clt::collector {

// A fixed number of threads running queued jobs. The queue is bounded: a
// burst beyond it is refused (the caller answers "overloaded") rather than
// piling up memory.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false when the queue is full or the pool stopped.
  bool submit(std::function<void()> job);
  // Runs no further job (queued ones are dropped) and joins the threads.
  void stop();

 private:
  void run();

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace clt::collector
