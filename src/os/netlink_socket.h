#pragma once

// A netlink socket bound to the kernel through libmnl: the one home of
// opening it, numbering requests and reading the answers, for every netlink
// protocol the project speaks (generic netlink, socket diagnostics).

#include <libmnl/libmnl.h>

#include <memory>
#include <string>

namespace clt::os {

class NetlinkSocket {
 public:
  // bus: NETLINK_GENERIC, NETLINK_SOCK_DIAG, ...; what names it in errors
  // ("generic-netlink"). nullptr with error set when it cannot be opened.
  static std::unique_ptr<NetlinkSocket> open(int bus, const char* what, std::string& error);
  ~NetlinkSocket();
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  int fd() const;
  mnl_socket* handle() const { return socket_; }

  // Numbers the request, sends it and hands every answer to on_message
  // (libmnl's callback, with data) until the kernel is done: its DONE for a
  // dump (NLM_F_DUMP), else the first answer. 0, or a negative errno (the
  // kernel's answer or the socket's).
  int exchange(nlmsghdr& request, mnl_cb_t on_message, void* data);

 private:
  explicit NetlinkSocket(mnl_socket* socket);
  mnl_socket* socket_;
  unsigned port_id_;
  unsigned sequence_ = 0;
};

}  // namespace clt::os
