#pragma once

// Runs code inside a named network namespace (/run/netns/NAME) on a thread of
// its own: setns changes only the calling thread, so one test process can
// play the client on one node and the server and capture on another.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace clt::test {

// Moves the calling thread into the namespace; throws with a clear message.
inline void enter_netns(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("network namespace " + name + " missing: " + std::strerror(errno));
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int err = errno;
  ::close(fd);
  if (rc != 0)
    throw std::runtime_error("setns " + name + ": " + std::strerror(err) + " (needs root)");
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
