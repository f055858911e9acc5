#include "encap/ioam_namespaces.h"

#include <linux/ioam6_genl.h>

#include <cerrno>
#include <cstring>

#include "os/genetlink.h"
#include "os/ioam6_genl.h"

namespace clt::encap {

namespace {

IoamNamespaceEntry read_entry(std::span<const std::uint8_t> attributes, bool& has_id) {
  IoamNamespaceEntry e;
  os::for_each_attr(attributes, [&](const os::NetlinkAttr& a) {
    if (a.type == IOAM6_ATTR_NS_ID) {
      if (const auto id = os::attr_value<std::uint16_t>(a)) {
        e.id = *id;
        has_id = true;
      }
    } else if (a.type == IOAM6_ATTR_NS_DATA) {
      e.data = os::attr_value<std::uint32_t>(a);
    } else if (a.type == IOAM6_ATTR_NS_DATA_WIDE) {
      e.data_wide = os::attr_value<std::uint64_t>(a);
    }
  });
  return e;
}

}  // namespace

std::optional<IoamNamespaceEntry> find_ioam_namespace(std::uint16_t id, std::string& error) {
  error.clear();
  const auto socket = os::GenlSocket::open(error);
  if (!socket) return std::nullopt;
  os::GenlFamily family;
  if (const int rc = socket->resolve(os::ioam6_genl::kFamilyName, family); rc < 0) {
    error = rc == -ENOENT
                ? std::string(
                      "the kernel has no IOAM6 generic netlink family (IPv6 "
                      "IOAM needs ") +
                      os::ioam6_genl::kFamilyKernel + ")"
                : std::string("cannot query the generic-netlink controller: ") + std::strerror(-rc);
    return std::nullopt;
  }
  std::optional<IoamNamespaceEntry> found;
  const int rc =
      socket->request(family.id, IOAM6_CMD_DUMP_NAMESPACES, os::ioam6_genl::kVersion, NLM_F_DUMP,
                      nullptr, [&](std::span<const std::uint8_t> attributes) {
                        bool has_id = false;
                        const IoamNamespaceEntry e = read_entry(attributes, has_id);
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
