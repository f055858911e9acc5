#pragma once

// The node's IOAM namespace table, read over generic netlink (family IOAM6),
// the same table `ip ioam namespace show` prints.

#include <cstdint>
#include <optional>
#include <string>

namespace clt::encap {

struct IoamNamespaceEntry {
  std::uint16_t id = 0;
  std::optional<std::uint32_t> data;
  std::optional<std::uint64_t> data_wide;
};

// Looks up one namespace. nullopt with error set when the table cannot be
// read; nullopt with error empty when the namespace is not configured.
std::optional<IoamNamespaceEntry> find_ioam_namespace(std::uint16_t id, std::string& error);

}  // namespace clt::encap
