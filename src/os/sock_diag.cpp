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
  auto netlink = NetlinkSocket::open(NETLINK_SOCK_DIAG, "sock_diag netlink", error);
  if (!netlink) return nullptr;
  return std::unique_ptr<SockDiagSocket>(new SockDiagSocket(std::move(netlink)));
}

SockDiagSocket::SockDiagSocket(std::unique_ptr<NetlinkSocket> netlink)
    : netlink_(std::move(netlink)) {}

int SockDiagSocket::listening_tcp6_ports(const std::function<void(std::uint16_t)>& on_port) {
  alignas(nlmsghdr) char request[256];
  nlmsghdr* message = mnl_nlmsg_put_header(request);
  message->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* req =
      static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(message, sizeof(inet_diag_req_v2)));
  req->sdiag_family = AF_INET6;
  req->sdiag_protocol = IPPROTO_TCP;
  req->idiag_states = 1u << TCP_LISTEN;
  DumpContext context{&on_port};
  return netlink_->exchange(*message, on_socket, &context);
}

}  // namespace clt::os
