#pragma once

// The system operations a topology needs: running `ip`/`tc`, writing a
// sysctl inside a named network namespace, and finding what is left of one.

#include <string>
#include <vector>

namespace clt::topo {

struct CommandResult {
  int exit_code = -1;  // -1: could not run
  std::string output;  // stdout + stderr
};

CommandResult run_command(const std::vector<std::string>& argv);

// Writes /proc/sys/<key> as seen from network namespace `netns` (a name under
// /run/netns). error receives a sentence on failure.
bool write_sysctl(const std::string& netns, const std::string& key, const std::string& value,
                  std::string& error);

bool namespace_exists(const std::string& netns);

// Stops (SIGTERM, then SIGKILL after a grace period) every process whose
// network namespace is `netns`. Returns how many there were.
int stop_processes_in(const std::string& netns);

}  // namespace clt::topo
