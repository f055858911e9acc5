#include "demo/demo_topology.h"

namespace clt::demo {

namespace {

// "fd00:2::2/64" -> "fd00:2::2".
std::string without_length(const std::string& address) {
  return address.substr(0, address.find('/'));
}

// The ends of the link between a and b, a's first; nullopt when there is none.
std::optional<std::pair<topo::Endpoint, topo::Endpoint>> link_between(const topo::Topology& t,
                                                                      const std::string& a,
                                                                      const std::string& b) {
  for (const auto& l : t.links) {
    if (l.a.node == a && l.b.node == b) return std::pair{l.a, l.b};
    if (l.b.node == a && l.a.node == b) return std::pair{l.b, l.a};
  }
  return std::nullopt;
}

const topo::IoamInterface* ioam_interface(const topo::Topology& t, const std::string& node,
                                          const std::string& interface) {
  for (const auto& i : t.interfaces)
    if (i.node == node && i.interface == interface) return &i;
  return nullptr;
}

}  // namespace

std::optional<DemoTopology> DemoTopology::from(const topo::Topology& t, std::string prefix,
                                               std::string& error) {
  DemoTopology d;
  d.prefix_ = std::move(prefix);
  if (t.nodes.size() < 3) {
    error = "the demo topology needs a client, a router and a server node";
    return std::nullopt;
  }
  d.client_ = t.nodes.front().name;
  d.server_ = t.nodes.back().name;
  for (const auto& n : t.nodes) {
    if (n.forwarding && n.name != d.client_ && n.name != d.server_) {
      d.router_ = n.name;
      break;
    }
  }
  for (const auto& n : t.nodes) d.node_ids_.emplace_back(n.ioam_id, n.name);
  const auto to_router = link_between(t, d.client_, d.router_);
  const auto to_server = link_between(t, d.router_, d.server_);
  if (d.router_.empty() || !to_router || !to_server) {
    error = "the demo topology needs a forwarding node linked to its first and its last node";
    return std::nullopt;
  }
  d.client_interface_ = to_router->first.interface;
  d.router_ingress_ = to_router->second.interface;
  d.router_egress_ = to_server->first.interface;
  d.server_interface_ = to_server->second.interface;
  d.server_address_ = without_length(to_server->second.address);
  // The client reaches the server's subnet through the router.
  const std::string router_address = without_length(to_router->second.address);
  for (const auto& r : t.routes)
    if (r.node == d.client_ && r.via == router_address) d.server_prefix_ = r.prefix;
  const auto* egress = ioam_interface(t, d.router_, d.router_egress_);
  if (d.server_prefix_.empty() || !egress) {
    error = "the demo topology needs a route from " + d.client_ + " via " + router_address +
            " and an IOAM interface id on " + d.router_ + ":" + d.router_egress_;
    return std::nullopt;
  }
  d.router_egress_ioam_id_ = egress->id;
  // The way back: the server reaches the client's subnet through the router.
  const std::string router_server_side = without_length(to_server->first.address);
  for (const auto& r : t.routes)
    if (r.node == d.server_ && r.via == router_server_side) d.client_prefix_ = r.prefix;
  const auto* towards_client = ioam_interface(t, d.router_, d.router_ingress_);
  if (d.client_prefix_.empty() || !towards_client) {
    d.no_reverse_site_ = "the topology has no route from " + d.server_ + " via " +
                         router_server_side + " or no IOAM interface id on " + d.router_ + ":" +
                         d.router_ingress_;
  } else {
    d.router_ingress_ioam_id_ = towards_client->id;
  }
  return d;
}

std::vector<std::string> DemoTopology::namespaces() const {
  return {netns(client_), netns(router_), netns(server_)};
}

CongestionSite DemoTopology::congestion_site() const {
  CongestionSite site;
  site.netns = netns(router_);
  site.device = router_egress_;
  site.ingress = router_ingress_;
  site.destination = server_prefix_;
  site.egress_ioam_id = router_egress_ioam_id_;
  site.node = router_;
  site.next_node = server_;
  return site;
}

std::optional<CongestionSite> DemoTopology::reverse_congestion_site(std::string& error) const {
  if (!no_reverse_site_.empty()) {
    error = no_reverse_site_;
    return std::nullopt;
  }
  CongestionSite site;
  site.netns = netns(router_);
  site.device = router_ingress_;
  site.ingress = router_egress_;
  site.destination = client_prefix_;
  site.egress_ioam_id = router_ingress_ioam_id_;
  site.delay_device = "cltdelayback";
  site.delay_table = "4243";
  site.node = router_;
  site.next_node = client_;
  return site;
}

}  // namespace clt::demo
