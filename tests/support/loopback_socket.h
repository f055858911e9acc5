#pragma once

// A socket connected over IPv6 loopback, for benchmarks of per-socket calls
// (UDP: to the discard port, no listener needed; TCP: to a listener of its
// own, accepted).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace clt::test {

struct LoopbackSocket {
  int listener = -1;
  int fd = -1;
  int accepted = -1;
  explicit LoopbackSocket(int type) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (type == SOCK_STREAM) {
      listener = ::socket(AF_INET6, SOCK_STREAM, 0);
      ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
      socklen_t len = sizeof a;
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
      ::listen(listener, 1);
    } else {
      a.sin6_port = htons(9);
    }
    fd = ::socket(AF_INET6, type, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    if (type == SOCK_STREAM) accepted = ::accept(listener, nullptr, nullptr);
  }
  ~LoopbackSocket() {
    for (int f : {fd, accepted, listener})
      if (f >= 0) ::close(f);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
};

}  // namespace clt::test
