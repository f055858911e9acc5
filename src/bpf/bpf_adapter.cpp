#include "bpf/bpf_adapter.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clt::bpf {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

os::UniqueFd attach_tcx(int program_fd, unsigned ifindex, int attach_type, std::string& error) {
  const int fd = bpf_link_create(program_fd, static_cast<int>(ifindex),
                                 static_cast<bpf_attach_type>(attach_type), nullptr);
  if (fd < 0) error = "attaching the tc program (tcx) failed: " + errno_text(errno);
  return os::UniqueFd(fd < 0 ? -1 : fd);
}

os::UniqueFd attach_cgroup(int program_fd, int cgroup_fd, int attach_type, std::string& error) {
  const int fd =
      bpf_link_create(program_fd, cgroup_fd, static_cast<bpf_attach_type>(attach_type), nullptr);
  if (fd < 0) error = "attaching the cgroup program failed: " + errno_text(errno);
  return os::UniqueFd(fd < 0 ? -1 : fd);
}

std::vector<AttachedProgram> tcx_programs(unsigned ifindex, int attach_type) {
  std::vector<AttachedProgram> out;
  __u32 ids[64];
  __u32 count = 64;
  // For tcx the target is the interface index (the kernel reads it from the
  // same field as a target fd).
  if (bpf_prog_query(static_cast<int>(ifindex), static_cast<bpf_attach_type>(attach_type), 0,
                     nullptr, ids, &count) != 0)
    return out;
  for (__u32 i = 0; i < count && i < 64; ++i) {
    AttachedProgram p;
    p.id = ids[i];
    const int fd = bpf_prog_get_fd_by_id(ids[i]);
    if (fd >= 0) {
      bpf_prog_info info{};
      __u32 len = sizeof info;
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) p.name = info.name;
      ::close(fd);
    }
    out.push_back(std::move(p));
  }
  return out;
}

bool map_update(int map_fd, const void* key, const void* value, std::string& error) {
  if (bpf_map_update_elem(map_fd, key, value, BPF_ANY) == 0) return true;
  error = "updating a datapath map failed: " + errno_text(errno);
  return false;
}

bool map_delete(int map_fd, const void* key) {
  return bpf_map_delete_elem(map_fd, key) == 0;
}

bool map_lookup(int map_fd, const void* key, void* value) {
  return bpf_map_lookup_elem(map_fd, key, value) == 0;
}

std::vector<std::uint64_t> percpu_sums(int map_fd, std::uint32_t count) {
  std::vector<std::uint64_t> sums(count, 0);
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return sums;
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  for (std::uint32_t key = 0; key < count; ++key) {
    if (bpf_map_lookup_elem(map_fd, &key, per_cpu.data()) != 0) continue;
    for (std::uint64_t v : per_cpu) sums[key] += v;
  }
  return sums;
}

os::UniqueFd enable_run_time_stats(std::string& error) {
  const int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) error = "enabling BPF run-time statistics failed: " + errno_text(errno);
  return os::UniqueFd(fd < 0 ? -1 : fd);
}

ProgramStats program_stats(int program_fd) {
  bpf_prog_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(program_fd, &info, &len) != 0) return {};
  return {info.run_time_ns, info.run_cnt};
}

TestRun test_run(int program_fd, const TestRunInput& input) {
  TestRun result;
  // Room for the largest header the program may insert.
  result.packet.resize(input.packet.size() + 512);
  __sk_buff ctx{};
  ctx.ifindex = input.ifindex;
  ctx.gso_size = input.gso_size;
  ctx.gso_segs = input.gso_segs;
  ctx.tstamp = input.tstamp;
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  opts.data_in = input.packet.data();
  opts.data_size_in = static_cast<__u32>(input.packet.size());
  opts.data_out = result.packet.data();
  opts.data_size_out = static_cast<__u32>(result.packet.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof ctx;
  opts.repeat = input.repeat;
  if (bpf_prog_test_run_opts(program_fd, &opts) != 0) {
    result.error = errno;
    result.packet.clear();
    return result;
  }
  result.ret = static_cast<int>(opts.retval);
  result.duration_ns = opts.duration;
  result.packet.resize(opts.data_size_out);
  return result;
}

}  // namespace clt::bpf
