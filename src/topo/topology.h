#pragma once

// A topology of network namespaces as described by a .topo file: nodes,
// veth links with addresses, routes, and the IOAM configuration of each node.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clt::topo {

struct Node {
  std::string name;
  std::uint32_t ioam_id = 0;                  // net.ipv6.ioam6_id (24 bits)
  std::optional<std::uint64_t> ioam_id_wide;  // net.ipv6.ioam6_id_wide (56 bits)
  bool forwarding = false;
  int line = 0;
};

struct Endpoint {
  std::string node;
  std::string interface;
  std::string address;  // "fd00:1::1/64"
};

struct Link {
  Endpoint a;
  Endpoint b;
  int line = 0;
};

struct Route {
  std::string node;
  std::string prefix;  // "fd00:2::/64" or "default"
  std::string via;
  int line = 0;
};

struct IoamNamespace {
  std::string node;
  std::uint16_t id = 0;
  std::optional<std::uint32_t> data;
  std::optional<std::uint64_t> data_wide;
  std::optional<std::uint32_t> schema;
  int line = 0;
};

struct IoamSchema {
  std::string node;
  std::uint32_t id = 0;  // 24 bits
  std::string data;      // without 0x, whole 4-byte words
  int line = 0;
};

struct IoamInterface {
  std::string node;
  std::string interface;
  std::uint16_t id = 0;
  std::optional<std::uint32_t> id_wide;
  bool enabled = false;
  int line = 0;
};

struct Netem {
  std::string node;
  std::string interface;
  std::string delay;   // tc time, e.g. "10ms"
  std::string jitter;  // only with delay
  std::string rate;    // tc rate, e.g. "10mbit"
  std::string loss;    // percent, e.g. "1%"
  std::string limit;   // packets
  int line = 0;
};

// A token-bucket rate limit (tc tbf): packets beyond the rate queue up, so
// the egress queue depth and the one-way delay grow under load.
struct Shape {
  std::string node;
  std::string interface;
  std::string rate;     // tc rate, e.g. "10mbit"
  std::string burst;    // tc size, e.g. "32kb"
  std::string latency;  // tc time: the longest a packet may wait
  int line = 0;
};

struct Topology {
  std::vector<Node> nodes;
  std::vector<Link> links;
  std::vector<Route> routes;
  std::vector<IoamSchema> schemas;
  std::vector<IoamNamespace> namespaces;
  std::vector<IoamInterface> interfaces;
  std::vector<Netem> netems;
  std::vector<Shape> shapes;

  const Node* find_node(const std::string& name) const {
    for (const auto& n : nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
};

}  // namespace clt::topo
