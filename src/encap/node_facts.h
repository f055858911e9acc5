#pragma once

// What the encapsulating node knows about itself, for its own entry on the
// path: the same values a stock kernel writes when it fills a slot.

#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "core/ioam_trace.h"

namespace clt::encap {

struct InterfaceFacts {
  std::string name;
  unsigned index = 0;
  std::uint16_t ioam_id = 0xffff;                       // conf.IF.ioam6_id
  std::uint32_t ioam_id_wide = 0xffffffff;              // conf.IF.ioam6_id_wide
  std::vector<std::array<std::uint8_t, 16>> addresses;  // its IPv6 addresses
};

struct NodeFacts {
  std::uint32_t node_id = 0xffffff;                    // net.ipv6.ioam6_id (24 bits)
  std::uint64_t node_id_wide = 0x00ffffffffffffffULL;  // net.ipv6.ioam6_id_wide (56 bits)
  std::uint32_t namespace_data = 0xffffffff;           // `ip ioam namespace` data
  std::uint64_t namespace_data_wide = 0xffffffffffffffffULL;
  std::uint8_t default_hop_limit = 64;  // conf.default.hop_limit
  std::vector<InterfaceFacts> interfaces;

  // The interface that owns a local address, nullptr if none does.
  const InterfaceFacts* interface_for(const std::array<std::uint8_t, 16>& local) const;
  // The interface with this index, nullptr if none has it.
  const InterfaceFacts* interface_by_index(unsigned index) const;
};

// The sender's own entry as a stock kernel would fill it for a packet leaving
// through egress (nullptr: unknown) at wall-clock time now: a locally sent
// packet arrived on no interface, and nothing is queued for it yet.
core::NodeData own_entry_for(const NodeFacts& facts, const InterfaceFacts* egress,
                             std::uint8_t hop_limit, const timespec& now);

// Reads the facts of the calling thread's network namespace. Values the node
// does not configure stay "unavailable" (all ones), as the kernel writes them.
// error receives a sentence if the IOAM namespace table cannot be read; the
// facts are still usable then.
NodeFacts read_node_facts(std::uint16_t namespace_id, std::string* error = nullptr);

}  // namespace clt::encap
