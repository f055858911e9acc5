#include "topo/netns_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "os/netns.h"
#include "os/unique_fd.h"

namespace clt::topo {

namespace {

std::vector<pid_t> pids_in(const std::string& netns) {
  std::vector<pid_t> pids;
  struct stat target {};
  if (::stat(os::netns_path(netns).c_str(), &target) != 0) return pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  const pid_t self = ::getpid();
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid == self) continue;
    struct stat st {};
    const std::string path = std::string("/proc/") + e->d_name + "/ns/net";
    if (::stat(path.c_str(), &st) == 0 && st.st_ino == target.st_ino && st.st_dev == target.st_dev)
      pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

}  // namespace

bool write_sysctl(const std::string& netns, const std::string& key, const std::string& value,
                  std::string& error) {
  // A thread of its own keeps this process's namespace untouched.
  bool written = false;
  const bool entered = os::run_in_netns(
      netns,
      [&] {
        const std::string path = "/proc/sys/" + key;
        const os::UniqueFd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!f) {
          error = "cannot open " + path + " in " + netns + ": " + std::strerror(errno);
          return;
        }
        if (::write(f.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
          error = "cannot write " + value + " to " + path + " in " + netns + ": " +
                  std::strerror(errno);
          return;
        }
        written = true;
      },
      error);
  return entered && written;
}

bool namespace_exists(const std::string& netns) {
  struct stat st {};
  return ::stat(os::netns_path(netns).c_str(), &st) == 0;
}

int stop_processes_in(const std::string& netns) {
  std::vector<pid_t> pids = pids_in(netns);
  for (pid_t p : pids) ::kill(p, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!pids_in(netns).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (pid_t p : pids_in(netns)) ::kill(p, SIGKILL);
  return static_cast<int>(pids.size());
}

}  // namespace clt::topo
