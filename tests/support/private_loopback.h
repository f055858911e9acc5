#pragma once

// A network namespace of the calling thread's own, with only loopback up:
// for tests and benchmarks that attach the datapath to lo without touching
// the host's. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace clt::test {

// False with error set when the namespace cannot be made or lo brought up.
inline bool private_loopback_namespace(std::string& error) {
  if (::unshare(CLONE_NEWNET) != 0) {
    error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) + " (needs root)";
    return false;
  }
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::strcpy(req.ifr_name, "lo");
  const bool up = sock >= 0 && ::ioctl(sock, SIOCGIFFLAGS, &req) == 0 &&
                  (req.ifr_flags |= IFF_UP, ::ioctl(sock, SIOCSIFFLAGS, &req) == 0);
  if (!up) error = std::string("bringing lo up: ") + std::strerror(errno);
  if (sock >= 0) ::close(sock);
  return up;
}

}  // namespace clt::test
