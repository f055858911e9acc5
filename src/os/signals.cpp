#include "os/signals.h"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace clt::os {

namespace {

// Wakes StopOnSignal's waiter when the service ends by itself.
constexpr int kWakeSignal = SIGUSR2;

}  // namespace

BlockedSignals::BlockedSignals(std::initializer_list<int> signals) {
  sigemptyset(&set_);
  for (int s : signals) sigaddset(&set_, s);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

BlockedSignals::~BlockedSignals() {
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int BlockedSignals::wait() {
  int sig = 0;
  while (sigwait(&set_, &sig) != 0) {
  }
  received_ = true;
  return sig;
}

std::optional<int> BlockedSignals::wait_for(std::chrono::milliseconds timeout) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  const timespec wait{static_cast<time_t>(ns / 1'000'000'000),
                      static_cast<long>(ns % 1'000'000'000)};
  for (;;) {
    const int sig = sigtimedwait(&set_, nullptr, &wait);
    if (sig > 0) {
      received_ = true;
      return sig;
    }
    if (errno != EINTR) return std::nullopt;
  }
}

bool BlockedSignals::received() {
  if (!received_) (void)wait_for(std::chrono::milliseconds(0));
  return received_;
}

StopOnSignal::StopOnSignal(std::function<void()> on_stop)
    : signals_({SIGTERM, SIGINT, kWakeSignal}), waiter_([this, on_stop = std::move(on_stop)] {
        const int sig = signals_.wait();
        done_ = true;
        if (sig != kWakeSignal) on_stop();
      }) {}

StopOnSignal::~StopOnSignal() {
  if (!done_) pthread_kill(waiter_.native_handle(), kWakeSignal);
  waiter_.join();
}

}  // namespace clt::os
