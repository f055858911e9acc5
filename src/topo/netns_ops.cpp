#include "topo/netns_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace clt::topo {

namespace {

std::string netns_path(const std::string& netns) {
  return "/run/netns/" + netns;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<pid_t> pids_in(const std::string& netns) {
  std::vector<pid_t> pids;
  struct stat target {};
  if (::stat(netns_path(netns).c_str(), &target) != 0) return pids;
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

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult r;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    r.output = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    r.output = argv[0] + ": " + std::strerror(rc);
    return r;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      r.output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r;
}

bool write_sysctl(const std::string& netns, const std::string& key, const std::string& value,
                  std::string& error) {
  // setns applies to the calling thread only: a short-lived thread keeps this
  // process's own namespace untouched.
  bool ok = false;
  std::thread worker([&] {
    Fd target(::open(netns_path(netns).c_str(), O_RDONLY | O_CLOEXEC));
    if (target.get() < 0) {
      error = "network namespace " + netns + " not found: " + std::strerror(errno);
      return;
    }
    if (::setns(target.get(), CLONE_NEWNET) != 0) {
      error = "cannot enter network namespace " + netns + ": " + std::strerror(errno) +
              " (needs root / CAP_SYS_ADMIN)";
      return;
    }
    const std::string path = "/proc/sys/" + key;
    Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (f.get() < 0) {
      error = "cannot open " + path + " in " + netns + ": " + std::strerror(errno);
      return;
    }
    if (::write(f.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
      error =
          "cannot write " + value + " to " + path + " in " + netns + ": " + std::strerror(errno);
      return;
    }
    ok = true;
  });
  worker.join();
  return ok;
}

bool namespace_exists(const std::string& netns) {
  struct stat st {};
  return ::stat(netns_path(netns).c_str(), &st) == 0;
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
