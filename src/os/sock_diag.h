#pragma once

// Socket diagnostics (NETLINK_SOCK_DIAG) through libmnl: which TCP ports
// this network namespace listens on, as the kernel's socket table says.

#include "os/netlink_socket.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace clt::os {

// A sock_diag socket, kept open between dumps.
class SockDiagSocket {
 public:
  // nullptr with error set when the socket cannot be opened.
  static std::unique_ptr<SockDiagSocket> open(std::string& error);

  // Hands the local port of every IPv6 TCP socket in LISTEN state (dual-stack
  // ones included) to on_port. 0, or a negative errno.
  int listening_tcp6_ports(const std::function<void(std::uint16_t)>& on_port);

 private:
  explicit SockDiagSocket(std::unique_ptr<NetlinkSocket> netlink);
  std::unique_ptr<NetlinkSocket> netlink_;
};

}  // namespace clt::os
