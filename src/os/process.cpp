#include "os/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "os/unique_fd.h"

extern char** environ;

namespace clt::os {

namespace {

std::vector<char*> to_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

class SpawnAttributes {
 public:
  explicit SpawnAttributes(bool own_group) {
    posix_spawnattr_init(&attr_);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr_, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) sigaddset(&defaults, s);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
      flags = static_cast<short>(flags | POSIX_SPAWN_SETPGROUP);
      posix_spawnattr_setpgroup(&attr_, 0);
    }
    posix_spawnattr_setflags(&attr_, flags);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void trim_trailing_space(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
}

std::string read_all(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return out;
}

int wait_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult result;
  if (argv.empty()) {
    result.output = "no command given";
    return result;
  }
  const UniqueFd out(::memfd_create("clt-command-output", MFD_CLOEXEC));
  if (!out) {
    result.output = std::string("cannot create an output file: ") + std::strerror(errno);
    return result;
  }
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), out.get(), 1);
  posix_spawn_file_actions_adddup2(actions.get(), out.get(), 2);
  const SpawnAttributes attributes(false);
  auto args = to_argv(argv);
  pid_t pid = -1;
  const int rc =
      ::posix_spawnp(&pid, args[0], actions.get(), attributes.get(), args.data(), environ);
  if (rc != 0) {
    result.output = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  const int status = wait_blocking(pid);
  result.exit_code = status < 0 ? -1 : exit_code_of(status);
  result.output = read_all(out.get());
  trim_trailing_space(result.output);
  return result;
}

int run_command(const std::vector<std::string>& argv, std::string& output) {
  CommandResult result = run_command(argv);
  output = std::move(result.output);
  return result.exit_code;
}

pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options, std::string& error) {
  if (argv.empty()) {
    error = "no command given";
    return -1;
  }
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  if (!options.output_path.empty()) {
    posix_spawn_file_actions_addopen(actions.get(), 1, options.output_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(actions.get(), 1, 2);
  }
  const SpawnAttributes attributes(options.own_process_group);
  auto args = to_argv(argv);
  pid_t pid = -1;
  const int rc =
      ::posix_spawnp(&pid, args[0], actions.get(), attributes.get(), args.data(), environ);
  if (rc != 0) {
    error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) return status;
  return std::nullopt;
}

bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void stop_process(pid_t pid, bool process_group, std::chrono::milliseconds grace) {
  const pid_t target = process_group ? -pid : pid;
  ::kill(target, SIGTERM);
  if (wait_exit(pid, grace)) return;
  ::kill(target, SIGKILL);
  (void)wait_exit(pid, std::chrono::milliseconds(2000));
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return std::string("killed by signal ") + ::strsignal(WTERMSIG(wait_status));
  return "stopped";
}

}  // namespace clt::os
