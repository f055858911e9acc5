#include "agent/direction_classifier.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "os/sock_diag.h"

namespace clt::agent {

namespace {

constexpr std::uint8_t kTcp = 6;

bool read_addresses(std::vector<core::Ipv6Address>& out, std::string& error) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    error = std::string("cannot list this node's addresses: ") + std::strerror(errno);
    return false;
  }
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET6) continue;
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
    core::Ipv6Address address;
    std::memcpy(address.data(), in6->sin6_addr.s6_addr, address.size());
    out.push_back(address);
  }
  freeifaddrs(list);
  return true;
}

}  // namespace

LocalSocketsSource system_local_sockets() {
  auto diag = std::make_shared<std::unique_ptr<os::SockDiagSocket>>();
  return [diag](LocalSockets& out, std::string& error) {
    if (!*diag && !(*diag = os::SockDiagSocket::open(error))) return false;
    out.clear();
    const int rc =
        (*diag)->listening_tcp6_ports([&](std::uint16_t port) { out.listening_tcp.set(port); });
    if (rc < 0) {
      error = std::string("cannot list this node's listening sockets (sock_diag): ") +
              std::strerror(-rc);
      diag->reset();  // a fresh socket next time, not one left mid-dump
      return false;
    }
    return read_addresses(out.addresses, error);
  };
}

DirectionClassifier::DirectionClassifier(LocalSocketsSource source, const DirectionConfig& config)
    : source_(std::move(source)), config_(config) {}

void DirectionClassifier::refresh(std::uint64_t now_ns) {
  refreshed_ns_ = now_ns;
  loaded_ = true;
  ++counters_.refreshes;
  if (source_(scratch_, last_error_)) {
    std::swap(local_, scratch_);
  } else {
    ++counters_.refresh_failures;  // keep what was known
  }
}

void DirectionClassifier::maybe_refresh(std::uint64_t now_ns) {
  if (!loaded_ || now_ns - refreshed_ns_ >= config_.refresh_ns) refresh(now_ns);
}

bool DirectionClassifier::is_local(const core::Ipv6Address& address) const {
  return std::find(local_.addresses.begin(), local_.addresses.end(), address) !=
         local_.addresses.end();
}

core::Direction DirectionClassifier::classify(const core::DecodedPacket& packet,
                                              std::uint64_t now_ns) {
  maybe_refresh(now_ns);
  if (!packet.has_ports || packet.upper_protocol != kTcp || !is_local(packet.dst)) {
    ++counters_.unknown;
    return core::Direction::kRequest;
  }
  if (!local_.listening_tcp.test(packet.dst_port) &&
      now_ns - refreshed_ns_ >= config_.miss_refresh_ns)
    refresh(now_ns);  // a listener opened since the last look?
  if (local_.listening_tcp.test(packet.dst_port)) {
    ++counters_.requests;
    return core::Direction::kRequest;
  }
  ++counters_.responses;
  return core::Direction::kResponse;
}

}  // namespace clt::agent
