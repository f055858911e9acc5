#include "encap/ioam_namespaces.h"

#include <linux/genetlink.h>
#include <linux/ioam6_genl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace clt::encap {

namespace {

class NetlinkSocket {
 public:
  NetlinkSocket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC)) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct Request {
  nlmsghdr nl;
  genlmsghdr genl;
  char attrs[64];
};

void add_attr(Request& r, std::uint16_t type, const void* data, std::size_t len) {
  auto* a = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(&r) + NLMSG_ALIGN(r.nl.nlmsg_len));
  a->nla_type = type;
  a->nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
  std::memcpy(reinterpret_cast<char*>(a) + NLA_HDRLEN, data, len);
  r.nl.nlmsg_len = NLMSG_ALIGN(r.nl.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

template <typename Visit>
void for_each_attr(const char* p, std::size_t len, Visit visit) {
  while (len >= NLA_HDRLEN) {
    const auto* a = reinterpret_cast<const nlattr*>(p);
    if (a->nla_len < NLA_HDRLEN || a->nla_len > len) return;
    visit(static_cast<std::uint16_t>(a->nla_type & NLA_TYPE_MASK), p + NLA_HDRLEN,
          std::size_t{a->nla_len} - NLA_HDRLEN);
    const std::size_t step = NLA_ALIGN(a->nla_len);
    if (step >= len) return;
    p += step;
    len -= step;
  }
}

// Sends one request and calls on_message for each reply payload (after the
// genl header) until the kernel says done. Returns 0 or a negative errno.
template <typename OnMessage>
int transact(const NetlinkSocket& s, Request& r, OnMessage on_message) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(s.fd(), &r, r.nl.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
      0)
    return -errno;
  std::vector<char> buf(32768);
  for (;;) {
    const ssize_t n = ::recv(s.fd(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    auto len = static_cast<std::size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        return e->error;  // 0 = ack
      }
      const char* payload = static_cast<const char*>(NLMSG_DATA(h)) + GENL_HDRLEN;
      const std::size_t payload_len = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
      on_message(payload, payload_len);
      if (!(h->nlmsg_flags & NLM_F_MULTI)) return 0;
    }
  }
}

}  // namespace

std::optional<IoamNamespaceEntry> find_ioam_namespace(std::uint16_t id, std::string& error) {
  error.clear();
  NetlinkSocket s;
  if (s.fd() < 0) {
    error = std::string("cannot open a generic netlink socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  Request r{};
  r.nl.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
  r.nl.nlmsg_type = GENL_ID_CTRL;
  r.nl.nlmsg_flags = NLM_F_REQUEST;
  r.genl.cmd = CTRL_CMD_GETFAMILY;
  r.genl.version = 1;
  add_attr(r, CTRL_ATTR_FAMILY_NAME, IOAM6_GENL_NAME, sizeof IOAM6_GENL_NAME);
  std::uint16_t family = 0;
  int rc = transact(s, r, [&](const char* p, std::size_t len) {
    for_each_attr(p, len, [&](std::uint16_t type, const char* data, std::size_t n) {
      if (type == CTRL_ATTR_FAMILY_ID && n >= 2) std::memcpy(&family, data, 2);
    });
  });
  if (rc < 0 || family == 0) {
    error = "the kernel has no IOAM6 generic netlink family (IPv6 IOAM needs Linux >= 5.15)";
    return std::nullopt;
  }
  Request d{};
  d.nl.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
  d.nl.nlmsg_type = family;
  d.nl.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  d.genl.cmd = IOAM6_CMD_DUMP_NAMESPACES;
  d.genl.version = IOAM6_GENL_VERSION;
  std::optional<IoamNamespaceEntry> found;
  rc = transact(s, d, [&](const char* p, std::size_t len) {
    IoamNamespaceEntry e;
    bool has_id = false;
    for_each_attr(p, len, [&](std::uint16_t type, const char* data, std::size_t n) {
      if (type == IOAM6_ATTR_NS_ID && n >= 2) {
        std::memcpy(&e.id, data, 2);
        has_id = true;
      } else if (type == IOAM6_ATTR_NS_DATA && n >= 4) {
        std::uint32_t v;
        std::memcpy(&v, data, 4);
        e.data = v;
      } else if (type == IOAM6_ATTR_NS_DATA_WIDE && n >= 8) {
        std::uint64_t v;
        std::memcpy(&v, data, 8);
        e.data_wide = v;
      }
    });
    if (has_id && e.id == id) found = e;
  });
  if (rc < 0) {
    error = std::string("cannot list IOAM namespaces: ") + std::strerror(-rc) +
            (rc == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
    return std::nullopt;
  }
  return found;
}

}  // namespace clt::encap
