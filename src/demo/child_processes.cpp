#include "demo/child_processes.h"

#include <algorithm>
#include <fstream>

#include "os/process.h"

namespace clt::demo {

bool ChildProcesses::start(const std::string& name, const std::vector<std::string>& argv,
                           std::string& error) {
  Child child{name, -1, log_dir_ + "/" + name + ".log"};
  std::string reason;
  child.pid = os::spawn(argv, {child.log_path, true}, reason);
  if (child.pid < 0) {
    error = "cannot start " + name + ": " + reason;
    return false;
  }
  children_.push_back(std::move(child));
  return true;
}

std::string ChildProcesses::reap_exited() {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (const auto status = os::try_reap(it->pid)) {
      std::string what = it->name + " " + os::describe_exit(*status);
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
  os::stop_process(it->pid, true, grace);
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
