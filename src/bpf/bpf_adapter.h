#pragma once

// The datapath's only door to the bpf() syscall beyond loading: attaching
// programs through links owned by file descriptors (closing the fd, or the
// process dying, detaches them), map writes, counters, attached-program
// queries and BPF_PROG_TEST_RUN.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "os/unique_fd.h"

namespace clt::bpf {

// Kernel attach types newer than Debian 12's UAPI headers (linux/bpf.h 6.1).
inline constexpr int kAttachTcxIngress = 46;
inline constexpr int kAttachTcxEgress = 47;

struct AttachedProgram {
  std::uint32_t id = 0;
  std::string name;
};

// Each returns an owned link fd, or an invalid one with error set.
os::UniqueFd attach_tcx(int program_fd, unsigned ifindex, int attach_type, std::string& error);
os::UniqueFd attach_cgroup(int program_fd, int cgroup_fd, int attach_type, std::string& error);

// Programs attached through tcx at that hook of the interface.
std::vector<AttachedProgram> tcx_programs(unsigned ifindex, int attach_type);

bool map_update(int map_fd, const void* key, const void* value, std::string& error);
bool map_delete(int map_fd, const void* key);
// false when the key has no value (or the lookup failed).
bool map_lookup(int map_fd, const void* key, void* value);

// Sum over CPUs of each u64 slot 0..count-1 of a per-CPU array.
std::vector<std::uint64_t> percpu_sums(int map_fd, std::uint32_t count);

// The kernel's run-time statistics of a program, kept while the fd from
// enable_run_time_stats is open (BPF_ENABLE_STATS).
struct ProgramStats {
  std::uint64_t run_time_ns = 0;
  std::uint64_t run_count = 0;
};
os::UniqueFd enable_run_time_stats(std::string& error);
ProgramStats program_stats(int program_fd);

struct TestRun {
  int ret = -1;                      // the program's return value
  std::uint32_t duration_ns = 0;     // the kernel's mean time per run
  std::vector<std::uint8_t> packet;  // the packet as the program left it
  int error = 0;                     // errno of the syscall, 0 on success
};
struct TestRunInput {
  std::span<const std::uint8_t> packet;  // starts at the L2 header
  unsigned ifindex = 1;
  std::uint32_t gso_size = 0;  // > 0: the packet is handed over as GSO
  std::uint32_t gso_segs = 0;
  std::uint32_t repeat = 1;
  std::uint64_t tstamp = 0;  // the packet's timestamp (a test run's is CLOCK_REALTIME)
};
TestRun test_run(int program_fd, const TestRunInput& input);

}  // namespace clt::bpf
