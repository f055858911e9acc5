#pragma once

#include <linux/filter.h>

#include <span>

namespace clt::capture {

// Classic BPF socket filter for a packet socket bound to ETH_P_IPV6 in
// SOCK_DGRAM mode (data starts at the IPv6 header): accepts IPv6 packets whose
// Next Header is 0 (Hop-by-Hop) and that were not sent by this host; rejects
// everything else in the kernel so the ring never sees it.
std::span<const sock_filter> hop_by_hop_filter();

// Attaches the filter to fd; false with errno set on failure.
bool attach_hop_by_hop_filter(int fd);

}  // namespace clt::capture
