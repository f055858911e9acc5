#include "agent/capabilities.h"

#include <cstdint>
#include <fstream>
#include <string>

namespace clt::agent {

bool has_effective_capability(int capability) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      const std::uint64_t mask = std::stoull(line.substr(7), nullptr, 16);
      return (mask >> capability) & 1;
    }
  }
  return false;
}

std::string missing_capabilities(bool need_events) {
  const char* grant =
      ": run as root, or grant it (setcap cap_net_raw,cap_net_admin+ep on the clt binary, "
      "or AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in the systemd unit)";
  if (!has_effective_capability(kCapNetRaw)) {
    return std::string("missing CAP_NET_RAW (needed to open the packet capture ring)") + grant;
  }
  if (need_events && !has_effective_capability(kCapNetAdmin)) {
    return std::string(
               "missing CAP_NET_ADMIN (needed for the IOAM event socket and its buffer size)") +
           grant;
  }
  return {};
}

std::string missing_datapath_capabilities() {
  const bool bpf = has_effective_capability(kCapBpf) || has_effective_capability(kCapSysAdmin);
  if (bpf && has_effective_capability(kCapNetAdmin)) return {};
  return std::string("missing ") + (bpf ? "CAP_NET_ADMIN" : "CAP_BPF") +
         " (needed to load and attach the eBPF datapath for --encap): run as root, or grant "
         "them (setcap cap_bpf,cap_net_admin,cap_perfmon,cap_net_raw+ep on the clt binary, or "
         "AmbientCapabilities=CAP_BPF CAP_NET_ADMIN CAP_PERFMON in the systemd unit)";
}

}  // namespace clt::agent
