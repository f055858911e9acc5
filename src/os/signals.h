#pragma once

// Signals taken synchronously: blocked in the constructing thread (and every
// thread it starts afterwards) and waited for, never handled asynchronously.
// Construct before starting other threads so they inherit the mask.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <thread>

namespace clt::os {

class BlockedSignals {
 public:
  explicit BlockedSignals(std::initializer_list<int> signals);
  // Restores the mask the thread had before.
  ~BlockedSignals();
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  // Blocks until one of the signals arrives; returns it.
  int wait();
  // The signal that arrived within timeout, or nullopt.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Whether one of the signals has arrived (now or at an earlier call).
  bool received();

 private:
  sigset_t set_{};
  sigset_t previous_{};
  bool received_ = false;
};

// Runs on_stop once when SIGTERM or SIGINT arrives, from a thread of its own.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> on_stop);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  BlockedSignals signals_;
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace clt::os
