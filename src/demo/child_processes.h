#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace clt::demo {

// The long-running processes of a demo run. Each runs in its own process group
// (a terminal's Ctrl-C reaches only the demo, which then stops them in order)
// with output in its own log file. Stopped in reverse start order.
class ChildProcesses {
 public:
  struct Child {
    std::string name;
    pid_t pid = -1;
    std::string log_path;
  };

  explicit ChildProcesses(std::string log_dir) : log_dir_(std::move(log_dir)) {}
  ~ChildProcesses() { stop_all(); }
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  // Starts argv; returns false with error set if it cannot be started.
  bool start(const std::string& name, const std::vector<std::string>& argv, std::string& error);
  // The first child that exited since the last call (name and reason), or empty.
  std::string reap_exited();
  // SIGTERM, then SIGKILL after grace, to each process group; waits for all.
  void stop_all(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Stops one child by name (same escalation).
  void stop(const std::string& name,
            std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Last lines of a child's log, for error messages.
  std::string log_tail(const std::string& name, std::size_t max_lines = 5) const;
  const std::vector<Child>& children() const { return children_; }

 private:
  std::string log_dir_;
  std::vector<Child> children_;
};

}  // namespace clt::demo
