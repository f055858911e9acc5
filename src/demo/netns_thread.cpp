#include "demo/netns_thread.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace clt::demo {

bool enter_netns(const std::string& netns, std::string& error) {
  std::string path = "/run/netns/" + netns;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  int rc = ::setns(fd, CLONE_NEWNET);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    error = "cannot enter network namespace " + netns + ": " + std::strerror(saved);
    return false;
  }
  return true;
}

bool run_in_netns(const std::string& netns, const std::function<void()>& fn, std::string& error) {
  bool entered = false;
  std::thread t([&] {
    entered = enter_netns(netns, error);
    if (entered) fn();
  });
  t.join();
  return entered;
}

}  // namespace clt::demo
