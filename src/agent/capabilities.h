#pragma once

#include <string>

namespace clt::agent {

// Linux capability numbers (linux/capability.h) the agent needs.
inline constexpr int kCapNetAdmin = 12;
inline constexpr int kCapNetRaw = 13;
inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapBpf = 39;

// True if the capability is in this process's effective set (read from
// /proc/self/status, so it also works without libcap).
bool has_effective_capability(int capability);

// Empty when the process may run the agent, else one line naming the missing
// capability and how to grant it.
std::string missing_capabilities(bool need_events);

// The same for loading and attaching the eBPF datapath (CAP_BPF and
// CAP_NET_ADMIN, or CAP_SYS_ADMIN on kernels that predate CAP_BPF).
std::string missing_datapath_capabilities();

}  // namespace clt::agent
