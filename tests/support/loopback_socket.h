#pragma once

// Sockets connected over IPv6 loopback, and the client library's
// configuration that admits them (domain ::1), for benchmarks of per-socket
// calls and of the packets a socket sends.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "encap/clt_socket.h"

namespace clt::test {

// fd is connected to peer: for TCP the accepted end of a listener of its
// own, for UDP a bound receiving socket.
struct LoopbackSocket {
  int listener = -1;
  int fd = -1;
  int peer = -1;
  explicit LoopbackSocket(int type) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const int bound = ::socket(AF_INET6, type, 0);
    ::bind(bound, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(bound, reinterpret_cast<sockaddr*>(&a), &len);
    if (type == SOCK_STREAM) {
      listener = bound;
      ::listen(listener, 1);
    } else {
      peer = bound;
    }
    fd = ::socket(AF_INET6, type, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    if (type == SOCK_STREAM) peer = ::accept(listener, nullptr, nullptr);
  }
  ~LoopbackSocket() {
    for (int f : {fd, peer, listener})
      if (f >= 0) ::close(f);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
};

// An Encapsulator whose IOAM domain is ::1; aborts with the reason if the
// configuration is refused.
inline std::unique_ptr<encap::Encapsulator> loopback_encapsulator(bool own_entry = true) {
  encap::Config config;
  config.domain = {*encap::Prefix::parse("::1/128")};
  config.own_entry = own_entry;
  std::string error;
  auto e = encap::Encapsulator::create(config, error);
  if (!e) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  return e;
}

}  // namespace clt::test
