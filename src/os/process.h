#pragma once

// Child processes: running a command to completion for its output, and
// starting, reaping and stopping long-running ones. Children start with
// default signal handling and nothing blocked, whatever the parent blocks.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace clt::os {

struct CommandResult {
  int exit_code = -1;  // -1: could not run; 128 + N: killed by signal N
  std::string output;  // stdout and stderr, trailing blank space trimmed
};

// Runs argv (found on PATH) with stdin from /dev/null and waits for it. Output
// goes to an anonymous file, so a grandchild that keeps it open cannot make
// this block.
CommandResult run_command(const std::vector<std::string>& argv);
// The same, for callers that keep the output in a variable: the exit code.
int run_command(const std::vector<std::string>& argv, std::string& output);

struct SpawnOptions {
  std::string output_path;         // stdout and stderr (truncated); empty: inherited
  bool own_process_group = false;  // a terminal's Ctrl-C then reaches only the parent
};

// Starts argv; the child's pid, or -1 with error set.
pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options, std::string& error);

// The wait status if the child has exited (it is reaped then), else nullopt.
std::optional<int> try_reap(pid_t pid);

// Waits up to timeout for the child to exit (and reaps it); false if it still runs.
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout);

// SIGTERM to the child (its process group if it leads one), SIGKILL after
// grace, and waits for it.
void stop_process(pid_t pid, bool process_group, std::chrono::milliseconds grace);

// "exited with status 3", "killed by signal Terminated".
std::string describe_exit(int wait_status);

}  // namespace clt::os
