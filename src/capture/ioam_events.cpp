#include "capture/ioam_events.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "os/ioam6_genl.h"

namespace clt::capture {

namespace {

namespace genl = os::ioam6_genl;

// Events burst at line rate; a large socket buffer rides out scheduling gaps.
constexpr int kSocketBufferBytes = 32 << 20;

std::string errno_text(const char* what, int error) {
  return std::string(what) + ": " + std::strerror(error);
}

constexpr char kNoEventsHint[] = "; run with --no-events to report captured traces only";

// The IOAM6 family's id and its event group, from the generic-netlink controller.
bool resolve_family(os::GenlSocket& socket, std::uint16_t& family_id, std::uint32_t& group,
                    std::string& error, EventOpenFailure& failure) {
  os::GenlFamily family;
  if (const int rc = socket.resolve(genl::kFamilyName, family); rc < 0) {
    if (rc == -ENOENT) {
      error = std::string("this kernel has no IOAM generic-netlink family (IOAM6): needs ") +
              genl::kFamilyKernel + kNoEventsHint;
      failure = EventOpenFailure::kNoKernelSupport;
    } else {
      error = errno_text("the generic-netlink controller refused the IOAM6 query", -rc);
      failure = EventOpenFailure::kOther;
    }
    return false;
  }
  const auto events = family.group(genl::kEventGroupName);
  if (!events) {
    error = std::string("this kernel's IOAM6 family has no event group (") + genl::kEventGroupName +
            "): trace events need " + genl::kEventsKernel + kNoEventsHint;
    failure = EventOpenFailure::kNoKernelSupport;
    return false;
  }
  family_id = family.id;
  group = *events;
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
  genlmsghdr genl_header;
  std::memcpy(&genl_header, message.data() + NLMSG_HDRLEN, sizeof genl_header);
  if (genl_header.cmd != genl::kEventTrace) return EventParse::kOtherMessage;

  bool has_ns = false, has_len = false, has_type = false, has_data = false;
  const auto attrs =
      message.subspan(NLMSG_HDRLEN + GENL_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
  const bool well_formed = os::for_each_attr(attrs, [&](const os::NetlinkAttr& a) {
    switch (a.type) {
      case genl::kAttrNamespace:
        if (const auto v = os::attr_value<std::uint16_t>(a)) {
          out.namespace_id = *v;
          has_ns = true;
        }
        break;
      case genl::kAttrNodeLen:
        if (const auto v = os::attr_value<std::uint8_t>(a)) {
          out.node_len = *v;
          has_len = true;
        }
        break;
      case genl::kAttrType:
        if (const auto v = os::attr_value<std::uint32_t>(a)) {
          out.trace_type = *v >> 8;
          has_type = true;
        }
        break;
      case genl::kAttrData:
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
  events->socket_ = os::GenlSocket::open(error);
  if (!events->socket_) {
    failure = EventOpenFailure::kOther;
    return nullptr;
  }
  const int fd = events->socket_->fd();
  timeval timeout{2, 0};
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::uint32_t group = 0;
  if (!resolve_family(*events->socket_, events->family_id_, group, error, failure)) return nullptr;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBufferBytes, sizeof kSocketBufferBytes) !=
      0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
  }
  if (const int rc = events->socket_->join_group(group); rc < 0) {
    if (rc == -EPERM) {
      error = "cannot join the IOAM event group: missing CAP_NET_ADMIN";
      failure = EventOpenFailure::kPermission;
    } else {
      error = errno_text("cannot join the IOAM event group", -rc);
      failure = EventOpenFailure::kOther;
    }
    return nullptr;
  }
  events->buffer_.resize(kBatch * kDatagramBytes);
  return events;
}

IoamEventSocket::~IoamEventSocket() = default;

int IoamEventSocket::fd() const {
  return socket_->fd();
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
    const int n = recvmmsg(fd(), messages.data(), kBatch, MSG_DONTWAIT, nullptr);
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
