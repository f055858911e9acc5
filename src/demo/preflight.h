#pragma once

#include <string>
#include <vector>

#include "demo/demo_options.h"

namespace clt::demo {

// What an earlier run may have left behind.
struct Leftovers {
  std::vector<std::string> namespaces;  // names starting with the prefix
  int running_pid = 0;                  // a demo still running with this run dir
  std::vector<int> child_pids;          // its parts still running (children.pids)
  bool run_dir_exists = false;
};

Leftovers find_leftovers(const DemoOptions& options);
// Removes leftovers (kills a stale demo's processes, deletes namespaces and
// the run dir). Returns false with error if something could not be removed.
bool remove_leftovers(const DemoOptions& options, const Leftovers& leftovers, std::string& error);

// Checks everything the demo needs before it touches anything. Each problem
// is one line saying what is wrong and what to do. Empty when all is well.
std::vector<std::string> preflight(const DemoOptions& options);

}  // namespace clt::demo
