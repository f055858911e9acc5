#include "collector/ingest/commit_waiter.h"

#include <algorithm>
#include <vector>

namespace clt::collector {

namespace {

// Also how often deadlines are looked at while the store is slow.
constexpr std::chrono::milliseconds kMaxWait{50};

}  // namespace

CommitWaiter::CommitWaiter(IngestQueue& queue) : queue_(queue), thread_([this] { run(); }) {}

CommitWaiter::~CommitWaiter() {
  stop();
}

void CommitWaiter::when_committed(std::uint64_t seq, std::chrono::milliseconds timeout,
                                  Callback done, std::uint64_t failures_before) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      pending_.emplace(seq, Pending{Clock::now() + timeout, std::move(done), failures_before});
      cv_.notify_one();
      return;
    }
  }
  done(IngestQueue::Outcome::closed);
}

void CommitWaiter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CommitWaiter::run() {
  std::vector<std::pair<Callback, IngestQueue::Outcome>> ready;
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    const std::uint64_t first = pending_.begin()->first;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        pending_.begin()->second.deadline - Clock::now());
    wait = std::clamp(wait, std::chrono::milliseconds(0), kMaxWait);
    lock.unlock();
    queue_.wait_committed(first, wait);
    lock.lock();
    const auto now = Clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto outcome = queue_.wait_committed(it->first, std::chrono::milliseconds(0),
                                           it->second.failures_before);
      if (outcome == IngestQueue::Outcome::timeout && now < it->second.deadline) {
        ++it;
        continue;
      }
      ready.emplace_back(std::move(it->second.done), outcome);
      it = pending_.erase(it);
    }
    lock.unlock();
    for (auto& [done, outcome] : ready) done(outcome);
    ready.clear();
    lock.lock();
  }
  for (auto& [seq, p] : pending_)
    ready.emplace_back(std::move(p.done), IngestQueue::Outcome::closed);
  pending_.clear();
  lock.unlock();
  for (auto& [done, outcome] : ready) done(outcome);
}

}  // namespace clt::collector
