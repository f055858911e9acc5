#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/direction.h"
#include "core/packet.h"

namespace clt::agent {

// What the node knows about itself: the TCP ports it listens on (IPv6 and
// dual-stack sockets) and its own IPv6 addresses.
struct LocalSockets {
  std::bitset<65536> listening_tcp;
  std::vector<core::Ipv6Address> addresses;
  void clear() {
    listening_tcp.reset();
    addresses.clear();
  }
};

// Fills a LocalSockets from the system (false with error set on failure).
using LocalSocketsSource = std::function<bool(LocalSockets& out, std::string& error)>;
// The real one: sock_diag for the listeners, getifaddrs for the addresses,
// both in the caller's network namespace.
LocalSocketsSource system_local_sockets();

struct DirectionConfig {
  std::uint64_t refresh_ns = 1'000'000'000;    // re-read the listeners this often
  std::uint64_t miss_refresh_ns = 50'000'000;  // and on a miss, at most this often
};

struct DirectionCounters {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t unknown = 0;  // not TCP, no ports, or not addressed to this node
  std::uint64_t refreshes = 0;
  std::uint64_t refresh_failures = 0;
};

// Tells a request from a response on the node that receives it. Both carry
// the same ids (the server binds its response to the request's ids), so the
// wire cannot say; the receiver can: a TCP packet addressed to this node whose
// destination port is one it listens on goes to a server here (request);
// one to any other port goes to a connection this node opened (response).
// Anything else (UDP, no transport header, a packet this node forwards) is
// counted unknown and taken as a request.
//
// The listeners come from the kernel (sock_diag), periodically and when a
// packet misses (a server that just started), never per packet: the
// per-packet cost is a bit test and a scan of the node's few addresses.
class DirectionClassifier {
 public:
  DirectionClassifier(LocalSocketsSource source, const DirectionConfig& config = {});

  core::Direction classify(const core::DecodedPacket& packet, std::uint64_t now_ns);
  // Re-reads the listeners when refresh_ns has passed.
  void maybe_refresh(std::uint64_t now_ns);
  const DirectionCounters& counters() const { return counters_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void refresh(std::uint64_t now_ns);
  bool is_local(const core::Ipv6Address& address) const;

  LocalSocketsSource source_;
  DirectionConfig config_;
  LocalSockets local_;
  LocalSockets scratch_;
  bool loaded_ = false;
  std::uint64_t refreshed_ns_ = 0;
  DirectionCounters counters_;
  std::string last_error_;
};

}  // namespace clt::agent
