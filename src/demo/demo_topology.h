#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "demo/congestion.h"
#include "topo/topology.h"

namespace clt::demo {

// The demo's roles in a topology and the facts it needs about them, all read
// from the topology `clt topo up` creates (topologies/default.topo): the
// client node runs the API service and sends with CLT (its first node), the
// server node runs the backend and the agent (its last), and the router (a
// forwarding node) links the two and carries the congestion.
class DemoTopology {
 public:
  // nullopt with error when the topology has no such roles.
  static std::optional<DemoTopology> from(const topo::Topology& topology, std::string prefix,
                                          std::string& error);

  std::string netns(const std::string& node) const { return prefix_ + node; }
  std::vector<std::string> namespaces() const;

  const std::string& client() const { return client_; }
  const std::string& router() const { return router_; }
  const std::string& server() const { return server_; }
  // The client's interface towards the router and the server's towards it.
  const std::string& client_interface() const { return client_interface_; }
  const std::string& server_interface() const { return server_interface_; }
  const std::string& server_address() const { return server_address_; }  // no prefix length
  // (IOAM node id, name) of every node, for the collector's --node-name.
  const std::vector<std::pair<std::uint32_t, std::string>>& node_ids() const { return node_ids_; }
  // The router's link towards the server, where traced requests queue.
  CongestionSite congestion_site() const;
  // Its link towards the client, where the responses go; nullopt with error
  // when the topology lacks the route back or that interface's IOAM id.
  std::optional<CongestionSite> reverse_congestion_site(std::string& error) const;

 private:
  std::string prefix_;
  std::string client_, router_, server_;
  std::string client_interface_, server_interface_, server_address_;
  std::string router_ingress_, router_egress_, server_prefix_, client_prefix_;
  unsigned router_egress_ioam_id_ = 0, router_ingress_ioam_id_ = 0;
  std::string no_reverse_site_;  // why there is no reverse site, if there is none
  std::vector<std::pair<std::uint32_t, std::string>> node_ids_;
};

}  // namespace clt::demo
