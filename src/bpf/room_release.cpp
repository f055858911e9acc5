#include "bpf/room_release.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <set>
#include <string>

#include "bpf/bpf_adapter.h"
#include "bpf/clt_datapath_abi.h"
#include "os/unique_fd.h"

namespace clt::bpf {
namespace {

os::UniqueFd pidfd_of(int pid) {
  return os::UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

os::UniqueFd copy_of_fd(int pidfd, int fd) {
  return os::UniqueFd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0)));
}

// The numeric entries of a /proc directory (processes, or a process's fds).
std::set<int> numbered_entries(const std::string& dir) {
  std::set<int> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long n = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0') out.insert(static_cast<int>(n));
  }
  ::closedir(d);
  return out;
}

bool is_socket(const std::string& fd_path, ino_t& inode) {
  struct stat st {};
  if (::stat(fd_path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  inode = st.st_ino;
  return true;
}

// Clears one socket's room if the datapath reserved one on it.
void release_socket(int socket_ids_map, int fd, RoomRelease& out) {
  clt_socket_ids ids{};
  if (!map_lookup(socket_ids_map, &fd, &ids) || ids.room_len == 0) return;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, nullptr, 0) == 0) ++out.released;
  map_delete(socket_ids_map, &fd);
}

}  // namespace

RoomRelease release_kept_rooms(int socket_ids_map) {
  RoomRelease out;
  std::set<ino_t> seen;
  for (const int pid : numbered_entries("/proc")) {
    const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    const os::UniqueFd pidfd = pidfd_of(pid);
    if (!pidfd) continue;  // gone since the listing
    for (const int fd : numbered_entries(fds)) {
      ino_t inode = 0;
      if (!is_socket(fds + "/" + std::to_string(fd), inode) || !seen.insert(inode).second) continue;
      const os::UniqueFd copy = copy_of_fd(pidfd.get(), fd);
      if (copy) {
        release_socket(socket_ids_map, copy.get(), out);
      } else if (errno == EPERM) {
        ++out.unreachable;
      }
    }
  }
  return out;
}

}  // namespace clt::bpf
