#pragma once

// Echo servers and a record-based client for the kernel tests: every record
// is kRecordSize bytes whose first byte names the phase it was sent in.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "encap/netns_thread.h"

namespace clt::test {

inline constexpr std::size_t kRecordSize = 200;

inline bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

inline bool recv_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// An echo server inside a namespace, on an ephemeral port, serving one TCP
// connection or UDP datagrams until a record starting with 'Q'.
class EchoServer {
 public:
  EchoServer(const std::string& netns, int type) {
    std::promise<std::uint16_t> bound;
    auto port = bound.get_future();
    thread_ = std::thread([&bound, netns, type] {
      int fd = -1;
      try {
        enter_netns(netns);
        fd = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_any;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
          throw std::runtime_error("bind echo server");
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        if (type == SOCK_STREAM) ::listen(fd, 4);
        // A client that never comes (or a lost final datagram) must not hang
        // the test: accept/recv give up after 10 s.
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        bound.set_value(ntohs(a.sin6_port));
      } catch (...) {
        bound.set_exception(std::current_exception());
        if (fd >= 0) ::close(fd);
        return;
      }
      char rec[kRecordSize];
      if (type == SOCK_STREAM) {
        const int c = ::accept(fd, nullptr, nullptr);
        while (c >= 0 && recv_all(c, rec, sizeof rec) && rec[0] != 'Q')
          send_all(c, rec, sizeof rec);
        if (c >= 0) ::close(c);
      } else {
        for (;;) {
          sockaddr_in6 from{};
          socklen_t len = sizeof from;
          const ssize_t n =
              ::recvfrom(fd, rec, sizeof rec, 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (n <= 0 || rec[0] == 'Q') break;
          ::sendto(fd, rec, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from),
                   len);
        }
      }
      ::close(fd);
    });
    port_ = port.get();
  }
  ~EchoServer() {
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// Connected socket to [address]:port (TCP or UDP).
inline int connect_to(const std::string& address, std::uint16_t port, int type) {
  const int fd = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  if (inet_pton(AF_INET6, address.c_str(), &a.sin6_addr) != 1) throw std::runtime_error("address");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to " + address + ": " + std::strerror(errno));
  }
  return fd;
}

// Sends one record of the phase and waits for its echo (UDP: retries, since
// a datagram may be lost).
inline void exchange(int fd, char phase, int type) {
  char rec[kRecordSize];
  std::memset(rec, phase, sizeof rec);
  char back[kRecordSize];
  if (type == SOCK_STREAM) {
    if (!send_all(fd, rec, sizeof rec) || !recv_all(fd, back, sizeof back))
      throw std::runtime_error("TCP echo failed");
    return;
  }
  timeval tv{0, 300000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (int attempt = 0; attempt < 10; ++attempt) {
    ::send(fd, rec, sizeof rec, 0);
    if (::recv(fd, back, sizeof back, 0) == static_cast<ssize_t>(sizeof back)) return;
  }
  throw std::runtime_error("UDP echo failed");
}

}  // namespace clt::test
