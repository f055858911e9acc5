#include "bpf/cgroup_v2.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace clt::bpf {

namespace {

constexpr const char* kNoCgroup2 =
    "no cgroup v2 hierarchy is mounted (this system has only cgroup v1): mount it (mount -t "
    "cgroup2 none /sys/fs/cgroup/unified) or boot with systemd.unified_cgroup_hierarchy=1, or "
    "give --cgroup PATH of a cgroup v2 directory";

// Mounts the hierarchy on a temporary directory, opens it and detaches the
// mount at once: the fd keeps the hierarchy reachable.
os::UniqueFd open_private_root(std::string& error) {
  char dir[] = "/tmp/clt-cgroup2-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    error = std::string("cannot create a directory to mount cgroup v2 on: ") + std::strerror(errno);
    return {};
  }
  os::UniqueFd fd;
  if (::mount("none", dir, "cgroup2", 0, nullptr) == 0) {
    fd.reset(::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ::umount2(dir, MNT_DETACH);
  }
  const int mount_errno = errno;
  ::rmdir(dir);
  if (!fd) error = std::string(kNoCgroup2) + " (" + std::strerror(mount_errno) + ")";
  return fd;
}

}  // namespace

std::optional<std::string> cgroup2_mount_point() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, dev, root, mount_point;
    head >> id >> parent >> dev >> root >> mount_point;
    if (root == "/") return mount_point;
  }
  return std::nullopt;
}

os::UniqueFd open_cgroup(const std::string& path, std::string& error) {
  if (!path.empty()) {
    os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) error = "cannot open cgroup '" + path + "': " + std::strerror(errno);
    return fd;
  }
  if (auto root = cgroup2_mount_point()) {
    os::UniqueFd fd(::open(root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) error = "cannot open the cgroup v2 root '" + *root + "': " + std::strerror(errno);
    return fd;
  }
  return open_private_root(error);
}

}  // namespace clt::bpf
