#include "os/netns.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace clt::os {

namespace {

bool join_namespace(int fd, const std::string& name, std::string& error) {
  if (::setns(fd, CLONE_NEWNET) == 0) return true;
  error = "cannot enter network namespace " + name + ": " + std::strerror(errno) +
          " (needs root / CAP_SYS_ADMIN)";
  return false;
}

}  // namespace

std::string netns_path(const std::string& name) {
  return "/run/netns/" + name;
}

bool enter_netns(const std::string& name, std::string& error) {
  const UniqueFd target(::open(netns_path(name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) {
    error = "network namespace " + name + " not found (" + netns_path(name) +
            "): " + std::strerror(errno);
    return false;
  }
  return join_namespace(target.get(), name, error);
}

bool run_in_netns(const std::string& name, const std::function<void()>& fn, std::string& error) {
  bool entered = false;
  std::thread worker([&] {
    entered = enter_netns(name, error);
    if (entered) fn();
  });
  worker.join();
  return entered;
}

ScopedNetns::ScopedNetns(const std::string& name)
    : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (!original_) {
    error_ = std::string("cannot open this thread's network namespace: ") + std::strerror(errno);
    return;
  }
  entered_ = enter_netns(name, error_);
}

ScopedNetns::~ScopedNetns() {
  if (entered_) (void)::setns(original_.get(), CLONE_NEWNET);
}

}  // namespace clt::os
