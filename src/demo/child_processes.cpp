#include "demo/child_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace clt::demo {

namespace {

std::vector<char*> to_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Children start with default signal handling and nothing blocked, whatever
// the demo itself blocks.
void init_attrs(posix_spawnattr_t& attr, bool own_group) {
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (own_group) {
    flags = static_cast<short>(flags | POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

bool wait_gone(pid_t pid, std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int run_command(const std::vector<std::string>& argv, std::string* output) {
  std::string path = "/tmp/clt-demo-cmd-XXXXXX";
  int out_fd = ::mkstemp(path.data());
  if (out_fd < 0) return -1;
  ::unlink(path.c_str());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  posix_spawnattr_t attr;
  init_attrs(attr, false);
  auto args = to_argv(argv);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    ::close(out_fd);
    if (output) *output = std::string("cannot run ") + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output) {
    output->clear();
    ::lseek(out_fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out_fd, buf, sizeof buf)) > 0)
      output->append(buf, static_cast<std::size_t>(n));
    while (!output->empty() && (output->back() == '\n' || output->back() == ' '))
      output->pop_back();
  }
  ::close(out_fd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool ChildProcesses::start(const std::string& name, const std::vector<std::string>& argv,
                           std::string& error) {
  Child child{name, -1, log_dir_ + "/" + name + ".log"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, child.log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  init_attrs(attr, true);
  auto args = to_argv(argv);
  int rc = posix_spawnp(&child.pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "cannot start " + name + " (" + argv[0] + "): " + std::strerror(rc);
    return false;
  }
  children_.push_back(std::move(child));
  return true;
}

std::string ChildProcesses::reap_exited() {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    int status = 0;
    if (::waitpid(it->pid, &status, WNOHANG) == it->pid) {
      std::string what = it->name + " " + describe_status(status);
      std::string tail = log_tail(it->name);
      if (!tail.empty()) what += ": " + tail;
      children_.erase(it);
      return what;
    }
  }
  return {};
}

void ChildProcesses::stop(const std::string& name, std::chrono::milliseconds grace) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [&](const Child& c) { return c.name == name; });
  if (it == children_.end()) return;
  ::kill(-it->pid, SIGTERM);
  if (!wait_gone(it->pid, grace)) {
    ::kill(-it->pid, SIGKILL);
    wait_gone(it->pid, std::chrono::milliseconds(2000));
  }
  children_.erase(it);
}

void ChildProcesses::stop_all(std::chrono::milliseconds grace) {
  while (!children_.empty()) stop(children_.back().name, grace);
}

std::string ChildProcesses::log_tail(const std::string& name, std::size_t max_lines) const {
  std::ifstream in(log_dir_ + "/" + name + ".log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace clt::demo
