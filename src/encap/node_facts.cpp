#include "encap/node_facts.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "encap/ioam_namespaces.h"

namespace clt::encap {

namespace {

std::optional<unsigned long long> read_sysctl(const std::string& path) {
  std::ifstream in("/proc/sys/net/ipv6/" + path);
  unsigned long long v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

}  // namespace

const InterfaceFacts* NodeFacts::interface_for(const std::array<std::uint8_t, 16>& local) const {
  for (const auto& itf : interfaces)
    for (const auto& a : itf.addresses)
      if (a == local) return &itf;
  return nullptr;
}

const InterfaceFacts* NodeFacts::interface_by_index(unsigned index) const {
  for (const auto& itf : interfaces)
    if (itf.index == index) return &itf;
  return nullptr;
}

core::NodeData own_entry_for(const NodeFacts& facts, const InterfaceFacts* egress,
                             std::uint8_t hop_limit, const timespec& now) {
  constexpr std::uint32_t kUnavailable32 = 0xffffffff;
  constexpr std::uint16_t kUnavailable16 = 0xffff;
  core::NodeData own;
  own.hop_limit = hop_limit;
  own.id = facts.node_id & 0xffffff;
  own.id_wide = facts.node_id_wide;
  own.ingress_id = kUnavailable16;
  own.egress_id = egress != nullptr ? egress->ioam_id : kUnavailable16;
  own.ingress_id_wide = kUnavailable32;
  own.egress_id_wide = egress != nullptr ? egress->ioam_id_wide : kUnavailable32;
  own.timestamp_secs = static_cast<std::uint32_t>(now.tv_sec);
  own.timestamp_frac = static_cast<std::uint32_t>(now.tv_nsec / 1000);  // microseconds
  own.transit_delay = kUnavailable32;
  own.namespace_data = facts.namespace_data;
  own.namespace_data_wide = facts.namespace_data_wide;
  own.queue_depth = kUnavailable32;
  own.checksum_complement = kUnavailable32;
  own.buffer_occupancy = kUnavailable32;
  return own;
}

NodeFacts read_node_facts(std::uint16_t namespace_id, std::string* error) {
  NodeFacts f;
  if (auto v = read_sysctl("ioam6_id")) f.node_id = static_cast<std::uint32_t>(*v & 0xffffff);
  if (auto v = read_sysctl("ioam6_id_wide")) f.node_id_wide = *v & 0x00ffffffffffffffULL;
  if (auto v = read_sysctl("conf/default/hop_limit"))
    f.default_hop_limit = static_cast<std::uint8_t>(*v);

  if (struct if_nameindex* names = ::if_nameindex()) {
    for (struct if_nameindex* n = names; n->if_index != 0; ++n) {
      InterfaceFacts itf;
      itf.name = n->if_name;
      itf.index = n->if_index;
      if (auto v = read_sysctl("conf/" + itf.name + "/ioam6_id"))
        itf.ioam_id = static_cast<std::uint16_t>(*v);
      if (auto v = read_sysctl("conf/" + itf.name + "/ioam6_id_wide"))
        itf.ioam_id_wide = static_cast<std::uint32_t>(*v);
      f.interfaces.push_back(std::move(itf));
    }
    if_freenameindex(names);
  }
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) == 0) {
    for (ifaddrs* a = addrs; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET6) continue;
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      for (auto& itf : f.interfaces) {
        if (itf.name != a->ifa_name) continue;
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &sin6->sin6_addr, 16);
        itf.addresses.push_back(bytes);
      }
    }
    freeifaddrs(addrs);
  }

  std::string ns_error;
  if (auto ns = find_ioam_namespace(namespace_id, ns_error)) {
    if (ns->data) f.namespace_data = *ns->data;
    if (ns->data_wide) f.namespace_data_wide = *ns->data_wide;
  }
  if (error != nullptr) *error = ns_error;
  return f;
}

}  // namespace clt::encap
