#include "os/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace clt::os {

namespace {

struct DumpContext {
  const std::function<void(std::uint16_t)>* on_port;
};

int on_socket(const nlmsghdr* message, void* data) {
  if (mnl_nlmsg_get_payload_len(message) < sizeof(inet_diag_msg)) return MNL_CB_OK;
  const auto* msg = static_cast<const inet_diag_msg*>(mnl_nlmsg_get_payload(message));
  const auto* context = static_cast<const DumpContext*>(data);
  (*context->on_port)(ntohs(msg->id.idiag_sport));
  return MNL_CB_OK;
}

}  // namespace

std::unique_ptr<SockDiagSocket> SockDiagSocket::open(std::string& error) {
  mnl_socket* socket = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
  if (socket == nullptr) {
    error = std::string("cannot open a sock_diag netlink socket: ") + std::strerror(errno);
    return nullptr;
  }
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    error = std::string("cannot bind a sock_diag netlink socket: ") + std::strerror(errno);
    mnl_socket_close(socket);
    return nullptr;
  }
  return std::unique_ptr<SockDiagSocket>(new SockDiagSocket(socket));
}

SockDiagSocket::SockDiagSocket(mnl_socket* socket)
    : socket_(socket), port_id_(mnl_socket_get_portid(socket)) {}

SockDiagSocket::~SockDiagSocket() {
  mnl_socket_close(socket_);
}

int SockDiagSocket::listening_tcp6_ports(const std::function<void(std::uint16_t)>& on_port) {
  alignas(nlmsghdr) char request[256];
  nlmsghdr* message = mnl_nlmsg_put_header(request);
  message->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message->nlmsg_seq = ++sequence_;
  auto* req =
      static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(message, sizeof(inet_diag_req_v2)));
  req->sdiag_family = AF_INET6;
  req->sdiag_protocol = IPPROTO_TCP;
  req->idiag_states = 1u << TCP_LISTEN;
  if (mnl_socket_sendto(socket_, message, message->nlmsg_len) < 0) return -errno;
  // Dumps come in datagrams of up to a page each; a larger buffer takes them whole.
  std::vector<char> buffer(32768);
  DumpContext context{&on_port};
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    const int rc = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), sequence_, port_id_,
                              on_socket, &context);
    if (rc < 0) return errno > 0 ? -errno : -EPROTO;
    if (rc == MNL_CB_STOP) return 0;
  }
}

}  // namespace clt::os
