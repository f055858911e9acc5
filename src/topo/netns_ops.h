#pragma once

// The system operations a topology needs beyond running `ip`/`tc`
// (os/process.h): writing a sysctl inside a named network namespace, and
// finding what is left of one.

#include <string>

namespace clt::topo {

// Writes /proc/sys/<key> as seen from network namespace `netns` (a name under
// /run/netns). error receives a sentence on failure.
bool write_sysctl(const std::string& netns, const std::string& key, const std::string& value,
                  std::string& error);

bool namespace_exists(const std::string& netns);

// Stops (SIGTERM, then SIGKILL after a grace period) every process whose
// network namespace is `netns`. Returns how many there were.
int stop_processes_in(const std::string& netns);

}  // namespace clt::topo
