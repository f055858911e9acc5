#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace clt::demo {

// Stops a service on SIGTERM/SIGINT: a dedicated thread waits for the signal
// (blocked in every other thread) and runs the stop action once. Construct it
// before starting other threads so they inherit the blocked mask.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> on_stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGUSR2);  // wakes the waiter when the service ends by itself
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, on_stop = std::move(on_stop)] {
      int sig = 0;
      sigwait(&set_, &sig);
      done_ = true;
      if (sig != SIGUSR2) on_stop();
    });
  }
  ~StopOnSignal() {
    if (!done_) pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  sigset_t set_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace clt::demo
