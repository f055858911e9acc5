#include "capture/ioam_events.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/ioam_genl.h"

namespace clt::capture {

namespace {

constexpr std::size_t kReceiveBufferBytes = 1u << 16;
// Events burst at line rate; a large socket buffer rides out scheduling gaps.
constexpr int kSocketBufferBytes = 32 << 20;

struct AttrView {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> payload;
};

// Walks netlink attributes; calls on_attr for each, false if they are malformed.
template <typename OnAttr>
bool for_each_attr(std::span<const std::uint8_t> bytes, OnAttr&& on_attr) {
  while (bytes.size() >= NLA_HDRLEN) {
    nlattr header;
    std::memcpy(&header, bytes.data(), sizeof header);
    if (header.nla_len < NLA_HDRLEN || header.nla_len > bytes.size()) return false;
    on_attr(AttrView{static_cast<std::uint16_t>(header.nla_type & NLA_TYPE_MASK),
                     bytes.subspan(NLA_HDRLEN, header.nla_len - NLA_HDRLEN)});
    const std::size_t step = NLA_ALIGN(header.nla_len);
    if (step >= bytes.size()) return true;
    bytes = bytes.subspan(step);
  }
  return bytes.empty() || bytes.size() < NLA_HDRLEN;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

struct FamilyInfo {
  std::uint16_t id = 0;
  std::uint32_t event_group = 0;
  bool has_group = false;
};

// Asks the generic-netlink controller for the IOAM6 family and its groups.
bool resolve_family(int fd, FamilyInfo& info, std::string& error, EventOpenFailure& failure) {
  struct {
    nlmsghdr nl;
    genlmsghdr genl;
    std::uint8_t attrs[32];
  } request{};
  const std::size_t name_len = sizeof ioam_genl::kFamilyName;  // with the terminator
  nlattr name_attr{};
  name_attr.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + name_len);
  name_attr.nla_type = CTRL_ATTR_FAMILY_NAME;
  std::memcpy(request.attrs, &name_attr, sizeof name_attr);
  std::memcpy(request.attrs + NLA_HDRLEN, ioam_genl::kFamilyName, name_len);
  request.nl.nlmsg_len =
      static_cast<std::uint32_t>(NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(name_attr.nla_len));
  request.nl.nlmsg_type = GENL_ID_CTRL;
  request.nl.nlmsg_flags = NLM_F_REQUEST;
  request.nl.nlmsg_seq = 1;
  request.genl.cmd = CTRL_CMD_GETFAMILY;
  request.genl.version = 1;
  if (send(fd, &request, request.nl.nlmsg_len, 0) < 0) {
    error = errno_text("cannot query the generic-netlink controller");
    failure = EventOpenFailure::kOther;
    return false;
  }
  std::vector<std::uint8_t> reply(kReceiveBufferBytes);
  const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
  if (n < static_cast<ssize_t>(NLMSG_HDRLEN)) {
    error = errno_text("no answer from the generic-netlink controller");
    failure = EventOpenFailure::kOther;
    return false;
  }
  nlmsghdr header;
  std::memcpy(&header, reply.data(), sizeof header);
  if (header.nlmsg_type == NLMSG_ERROR) {
    nlmsgerr err;
    std::memcpy(&err, reply.data() + NLMSG_HDRLEN, sizeof err);
    if (err.error == -ENOENT) {
      error =
          "this kernel has no IOAM generic-netlink family (IOAM6): needs Linux >= 6.2 with "
          "CONFIG_IPV6_IOAM6; run with --no-events to report captured traces only";
      failure = EventOpenFailure::kNoKernelSupport;
    } else {
      errno = -err.error;
      error = errno_text("the generic-netlink controller refused the IOAM6 query");
      failure = EventOpenFailure::kOther;
    }
    return false;
  }
  const std::size_t total = std::min<std::size_t>(header.nlmsg_len, static_cast<std::size_t>(n));
  if (total < NLMSG_HDRLEN + GENL_HDRLEN) {
    error = "malformed answer from the generic-netlink controller";
    failure = EventOpenFailure::kOther;
    return false;
  }
  const std::span<const std::uint8_t> attrs(reply.data() + NLMSG_HDRLEN + GENL_HDRLEN,
                                            total - NLMSG_HDRLEN - GENL_HDRLEN);
  for_each_attr(attrs, [&](const AttrView& a) {
    if (a.type == CTRL_ATTR_FAMILY_ID && a.payload.size() >= 2) {
      std::memcpy(&info.id, a.payload.data(), 2);
    } else if (a.type == CTRL_ATTR_MCAST_GROUPS) {
      for_each_attr(a.payload, [&](const AttrView& group) {
        std::string_view name;
        std::uint32_t id = 0;
        bool has_id = false;
        for_each_attr(group.payload, [&](const AttrView& field) {
          if (field.type == CTRL_ATTR_MCAST_GRP_NAME && !field.payload.empty()) {
            name = std::string_view(
                reinterpret_cast<const char*>(field.payload.data()),
                strnlen(reinterpret_cast<const char*>(field.payload.data()), field.payload.size()));
          } else if (field.type == CTRL_ATTR_MCAST_GRP_ID && field.payload.size() >= 4) {
            std::memcpy(&id, field.payload.data(), 4);
            has_id = true;
          }
        });
        if (has_id && name == ioam_genl::kEventGroupName) {
          info.event_group = id;
          info.has_group = true;
        }
      });
    }
  });
  if (info.id == 0 || !info.has_group) {
    error =
        "this kernel's IOAM6 family has no event group (ioam6_events): needs Linux >= 6.2; "
        "run with --no-events to report captured traces only";
    failure = EventOpenFailure::kNoKernelSupport;
    return false;
  }
  return true;
}

}  // namespace

std::size_t netlink_message_length(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < NLMSG_HDRLEN) return 0;
  nlmsghdr header;
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > bytes.size()) return 0;
  return NLMSG_ALIGN(header.nlmsg_len);
}

EventParse parse_ioam_event(std::span<const std::uint8_t> message, std::uint16_t family_id,
                            IoamEvent& out) {
  if (message.size() < NLMSG_HDRLEN) return EventParse::kMalformed;
  nlmsghdr header;
  std::memcpy(&header, message.data(), sizeof header);
  if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > message.size()) {
    return EventParse::kMalformed;
  }
  if (header.nlmsg_type != family_id) return EventParse::kOtherMessage;
  if (header.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) return EventParse::kMalformed;
  genlmsghdr genl;
  std::memcpy(&genl, message.data() + NLMSG_HDRLEN, sizeof genl);
  if (genl.cmd != ioam_genl::kEventTrace) return EventParse::kOtherMessage;

  bool has_ns = false, has_len = false, has_type = false, has_data = false;
  const auto attrs =
      message.subspan(NLMSG_HDRLEN + GENL_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
  const bool well_formed = for_each_attr(attrs, [&](const AttrView& a) {
    switch (a.type) {
      case ioam_genl::kAttrNamespace:
        if (a.payload.size() >= 2) {
          std::memcpy(&out.namespace_id, a.payload.data(), 2);
          has_ns = true;
        }
        break;
      case ioam_genl::kAttrNodeLen:
        if (!a.payload.empty()) {
          out.node_len = a.payload[0];
          has_len = true;
        }
        break;
      case ioam_genl::kAttrType:
        if (a.payload.size() >= 4) {
          std::uint32_t shifted;
          std::memcpy(&shifted, a.payload.data(), 4);
          out.trace_type = shifted >> 8;
          has_type = true;
        }
        break;
      case ioam_genl::kAttrData:
        out.data = a.payload;
        has_data = true;
        break;
      default:
        break;
    }
  });
  if (!well_formed || !has_ns || !has_len || !has_type || !has_data) return EventParse::kMalformed;
  return EventParse::kTraceEvent;
}

std::unique_ptr<IoamEventSocket> IoamEventSocket::open(std::string& error,
                                                       EventOpenFailure& failure) {
  failure = EventOpenFailure::kNone;
  std::unique_ptr<IoamEventSocket> events(new IoamEventSocket());
  events->fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (events->fd_ < 0) {
    error = errno_text("cannot open a generic-netlink socket");
    failure = EventOpenFailure::kOther;
    return nullptr;
  }
  timeval timeout{2, 0};
  (void)setsockopt(events->fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  FamilyInfo info;
  if (!resolve_family(events->fd_, info, error, failure)) return nullptr;
  events->family_id_ = info.id;
  if (setsockopt(events->fd_, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBufferBytes,
                 sizeof kSocketBufferBytes) != 0) {
    (void)setsockopt(events->fd_, SOL_SOCKET, SO_RCVBUF, &kSocketBufferBytes,
                     sizeof kSocketBufferBytes);
  }
  if (setsockopt(events->fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &info.event_group,
                 sizeof info.event_group) != 0) {
    if (errno == EPERM) {
      error = "cannot join the IOAM event group: missing CAP_NET_ADMIN";
      failure = EventOpenFailure::kPermission;
    } else {
      error = errno_text("cannot join the IOAM event group");
      failure = EventOpenFailure::kOther;
    }
    return nullptr;
  }
  events->buffer_.resize(kBatch * kDatagramBytes);
  return events;
}

IoamEventSocket::~IoamEventSocket() {
  if (fd_ >= 0) close(fd_);
}

std::size_t IoamEventSocket::receive() {
  std::array<iovec, kBatch> iov;
  std::array<mmsghdr, kBatch> messages{};
  for (std::size_t i = 0; i < kBatch; ++i) {
    iov[i] = {buffer_.data() + i * kDatagramBytes, kDatagramBytes};
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;) {
    const int n = recvmmsg(fd_, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n > 0) {
      for (int i = 0; i < n; ++i)
        lengths_[static_cast<std::size_t>(i)] = messages[static_cast<std::size_t>(i)].msg_len;
      return static_cast<std::size_t>(n);
    }
    if (n < 0 && errno == ENOBUFS) {
      ++overruns_;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return 0;
  }
}

}  // namespace clt::capture
