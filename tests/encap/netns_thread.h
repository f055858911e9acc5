#pragma once

// Runs code inside a named network namespace (/run/netns/NAME) on a thread of
// its own: setns changes only the calling thread, so one test process can
// play the client on one node and the server and capture on another.

#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "os/netns.h"

namespace clt::test {

// Moves the calling thread into the namespace; throws with a clear message.
inline void enter_netns(const std::string& name) {
  std::string error;
  if (!os::enter_netns(name, error)) throw std::runtime_error(error);
}

// Runs fn inside the namespace and waits for it; rethrows its exception.
template <typename Fn>
auto run_in_netns(const std::string& name, Fn fn) -> decltype(fn()) {
  std::exception_ptr error;
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    std::thread t([&] {
      try {
        enter_netns(name);
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
  } else {
    R result{};
    std::thread t([&] {
      try {
        enter_netns(name);
        result = fn();
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
    return result;
  }
}

}  // namespace clt::test
