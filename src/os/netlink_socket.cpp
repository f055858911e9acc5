#include "os/netlink_socket.h"

#include <cerrno>
#include <cstring>
#include <vector>

namespace clt::os {

std::unique_ptr<NetlinkSocket> NetlinkSocket::open(int bus, const char* what, std::string& error) {
  mnl_socket* socket = mnl_socket_open2(bus, SOCK_CLOEXEC);
  if (socket == nullptr) {
    error = std::string("cannot open a ") + what + " socket: " + std::strerror(errno);
    return nullptr;
  }
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    error = std::string("cannot bind a ") + what + " socket: " + std::strerror(errno);
    mnl_socket_close(socket);
    return nullptr;
  }
  return std::unique_ptr<NetlinkSocket>(new NetlinkSocket(socket));
}

NetlinkSocket::NetlinkSocket(mnl_socket* socket)
    : socket_(socket), port_id_(mnl_socket_get_portid(socket)) {}

NetlinkSocket::~NetlinkSocket() {
  mnl_socket_close(socket_);
}

int NetlinkSocket::fd() const {
  return mnl_socket_get_fd(socket_);
}

int NetlinkSocket::exchange(nlmsghdr& request, mnl_cb_t on_message, void* data) {
  request.nlmsg_seq = ++sequence_;
  if (mnl_socket_sendto(socket_, &request, request.nlmsg_len) < 0) return -errno;
  // Dumps come in datagrams of up to a page each; a larger buffer takes them whole.
  std::vector<char> buffer(32768);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    const int rc = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), sequence_, port_id_,
                              on_message, data);
    if (rc < 0) return errno > 0 ? -errno : -EPROTO;
    if (rc == MNL_CB_STOP) return 0;
    if (!(request.nlmsg_flags & NLM_F_DUMP)) return 0;  // a single answer, no DONE follows
  }
}

}  // namespace clt::os
