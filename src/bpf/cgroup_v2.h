#pragma once

// Finding the cgroup v2 directory the datapath's socket hooks attach to.

#include <optional>
#include <string>

#include "os/unique_fd.h"

namespace clt::bpf {

// The mount point of the cgroup v2 hierarchy in this mount namespace, from
// /proc/self/mountinfo (on hybrid systems it is not /sys/fs/cgroup).
std::optional<std::string> cgroup2_mount_point();

// An fd of the cgroup directory path, or of the hierarchy's root when path is
// empty. `ip netns exec` leaves no cgroup mount visible; then the hierarchy
// is mounted on a temporary directory, opened, and the mount detached at
// once, leaving nothing behind. Invalid fd with error set otherwise.
os::UniqueFd open_cgroup(const std::string& path, std::string& error);

}  // namespace clt::bpf
