#pragma once

#include <cstdint>

// The kernel's IPv6 IOAM generic-netlink interface (include/uapi/linux/
// ioam6_genl.h) and the kernels that have it. Debian 12's kernel headers
// predate the event part, so its values are spelled out here.
namespace clt::os::ioam6_genl {

inline constexpr char kFamilyName[] = "IOAM6";
inline constexpr std::uint8_t kVersion = 1;

// The family (namespaces, schemas) came with IPv6 IOAM itself; trace events
// on a multicast group later.
inline constexpr char kFamilyKernel[] = "Linux >= 5.15 built with CONFIG_IPV6_IOAM6";
inline constexpr char kEventsKernel[] = "Linux >= 6.9";

inline constexpr char kEventGroupName[] = "ioam6_events";
inline constexpr std::uint8_t kEventTrace = 1;  // IOAM6_EVENT_TRACE

// Attributes of a trace event (IOAM6_EVENT_ATTR_TRACE_*).
inline constexpr std::uint16_t kAttrNamespace = 1;  // u16
inline constexpr std::uint16_t kAttrNodeLen = 2;    // u8, 4-byte words
inline constexpr std::uint16_t kAttrType = 3;       // u32, host order, trace type << 8
inline constexpr std::uint16_t kAttrData = 4;       // filled node entries, local node first

}  // namespace clt::os::ioam6_genl
