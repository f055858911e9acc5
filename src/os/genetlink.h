#pragma once

// Generic netlink through libmnl: resolving a family and its multicast
// groups, one-shot and dump requests, and walking attributes. The attribute
// walk allocates nothing, so event readers can use it per message.

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "os/netlink_socket.h"

namespace clt::os {

struct NetlinkAttr {
  std::uint16_t type = 0;  // without the nested / byte-order flags
  std::span<const std::uint8_t> payload;
};

// Calls on_attr for each attribute in bytes (a message's or a nested
// attribute's payload). false when an attribute header is malformed (a length
// below the header's or past the end); the ones before it were handed over.
template <typename OnAttr>
bool for_each_attr(std::span<const std::uint8_t> bytes, OnAttr&& on_attr) {
  const auto* attr = reinterpret_cast<const nlattr*>(bytes.data());
  int remaining = static_cast<int>(bytes.size());
  while (mnl_attr_ok(attr, remaining)) {
    const auto* payload = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
    on_attr(NetlinkAttr{mnl_attr_get_type(attr), {payload, mnl_attr_get_payload_len(attr)}});
    remaining -= static_cast<int>(MNL_ALIGN(attr->nla_len));
    attr = mnl_attr_next(attr);
  }
  return remaining < static_cast<int>(MNL_ATTR_HDRLEN);
}

// The attributes of a generic-netlink message (after its genl header); empty
// when the message is too short to have one.
std::span<const std::uint8_t> genl_attributes(const nlmsghdr& message);

// A little-endian (host order) integer attribute, nullopt if too short.
template <typename T>
std::optional<T> attr_value(const NetlinkAttr& attr) {
  if (attr.payload.size() < sizeof(T)) return std::nullopt;
  T v;
  std::memcpy(&v, attr.payload.data(), sizeof v);
  return v;
}

struct GenlFamily {
  std::uint16_t id = 0;
  std::vector<std::pair<std::string, std::uint32_t>> groups;  // multicast: name, id
  std::optional<std::uint32_t> group(std::string_view name) const;
};

// A generic-netlink socket bound to the kernel.
class GenlSocket {
 public:
  // nullptr with error set when the socket cannot be opened.
  static std::unique_ptr<GenlSocket> open(std::string& error);

  int fd() const;

  // Asks the controller for a family. 0, or a negative errno (-ENOENT: this
  // kernel has no such family).
  int resolve(const char* family_name, GenlFamily& out);

  using AddAttributes = std::function<void(nlmsghdr&)>;
  using OnReply = std::function<void(std::span<const std::uint8_t> attributes)>;

  // Sends one request (NLM_F_REQUEST plus flags, e.g. NLM_F_DUMP) and hands
  // each reply's attributes to on_reply until the kernel is done. 0, or a
  // negative errno (the kernel's answer or the socket's).
  int request(std::uint16_t family, std::uint8_t command, std::uint8_t version, std::uint16_t flags,
              const AddAttributes& add, const OnReply& on_reply);

  // Subscribes to a multicast group. 0, or a negative errno.
  int join_group(std::uint32_t group);

 private:
  explicit GenlSocket(std::unique_ptr<NetlinkSocket> netlink);
  std::unique_ptr<NetlinkSocket> netlink_;
};

}  // namespace clt::os
