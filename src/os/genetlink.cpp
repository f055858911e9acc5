#include "os/genetlink.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace clt::os {

namespace {

struct ReplyContext {
  const GenlSocket::OnReply* on_reply;
};

int on_message(const nlmsghdr* message, void* data) {
  const auto* context = static_cast<const ReplyContext*>(data);
  (*context->on_reply)(genl_attributes(*message));
  return MNL_CB_OK;
}

void read_group(std::span<const std::uint8_t> group, GenlFamily& out) {
  std::string name;
  std::optional<std::uint32_t> id;
  for_each_attr(group, [&](const NetlinkAttr& field) {
    if (field.type == CTRL_ATTR_MCAST_GRP_NAME) {
      const auto* text = reinterpret_cast<const char*>(field.payload.data());
      name.assign(text, strnlen(text, field.payload.size()));
    } else if (field.type == CTRL_ATTR_MCAST_GRP_ID) {
      id = attr_value<std::uint32_t>(field);
    }
  });
  if (id) out.groups.emplace_back(std::move(name), *id);
}

}  // namespace

std::span<const std::uint8_t> genl_attributes(const nlmsghdr& message) {
  const std::size_t header = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(genlmsghdr));
  if (message.nlmsg_len < header) return {};
  return {reinterpret_cast<const std::uint8_t*>(&message) + header, message.nlmsg_len - header};
}

std::optional<std::uint32_t> GenlFamily::group(std::string_view name) const {
  for (const auto& [group_name, group_id] : groups)
    if (group_name == name) return group_id;
  return std::nullopt;
}

std::unique_ptr<GenlSocket> GenlSocket::open(std::string& error) {
  auto netlink = NetlinkSocket::open(NETLINK_GENERIC, "generic-netlink", error);
  if (!netlink) return nullptr;
  return std::unique_ptr<GenlSocket>(new GenlSocket(std::move(netlink)));
}

GenlSocket::GenlSocket(std::unique_ptr<NetlinkSocket> netlink) : netlink_(std::move(netlink)) {}

int GenlSocket::fd() const {
  return netlink_->fd();
}

int GenlSocket::request(std::uint16_t family, std::uint8_t command, std::uint8_t version,
                        std::uint16_t flags, const AddAttributes& add, const OnReply& on_reply) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = family;
  message->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = command;
  genl->version = version;
  if (add) add(*message);
  ReplyContext context{&on_reply};
  return netlink_->exchange(*message, on_message, &context);
}

int GenlSocket::resolve(const char* family_name, GenlFamily& out) {
  out = {};
  const int rc = request(
      GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0,
      [&](nlmsghdr& m) { mnl_attr_put_strz(&m, CTRL_ATTR_FAMILY_NAME, family_name); },
      [&](std::span<const std::uint8_t> attributes) {
        for_each_attr(attributes, [&](const NetlinkAttr& a) {
          if (a.type == CTRL_ATTR_FAMILY_ID) {
            out.id = attr_value<std::uint16_t>(a).value_or(0);
          } else if (a.type == CTRL_ATTR_MCAST_GROUPS) {
            for_each_attr(a.payload,
                          [&](const NetlinkAttr& group) { read_group(group.payload, out); });
          }
        });
      });
  if (rc < 0) return rc;
  return out.id == 0 ? -ENOENT : 0;
}

int GenlSocket::join_group(std::uint32_t group) {
  if (mnl_socket_setsockopt(netlink_->handle(), NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return -errno;
  return 0;
}

}  // namespace clt::os
