// The live benchmark's baseline: the agent's ring setup (same TPACKET_V3
// geometry, same Hop-by-Hop filter, same poll loop) that only counts packets:
// no decoding, no events, no reporting. Prints its counts as JSON.
//   bench_agent_bare_capture IFACE SECONDS
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "capture/packet_ring.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_agent_bare_capture IFACE SECONDS\n");
    return 2;
  }
  clt::capture::RingConfig config;  // the agent's defaults
  config.interface = argv[1];
  std::string error;
  auto ring = clt::capture::PacketRing::open(config, error);
  if (!ring) {
    std::fprintf(stderr, "bench_agent_bare_capture: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "ready\n");
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration<double>(std::atof(argv[2]));
  std::uint64_t seen = 0, bytes = 0;
  pollfd pfd{ring->fd(), POLLIN, 0};
  while (Clock::now() < end) {
    (void)poll(&pfd, 1, 20);
    ring->drain([&](const clt::capture::CapturedPacket& p) {
      ++seen;
      bytes += p.bytes.size();
    });
  }
  // Hand over what the last blocks hold, as the agent does at exit.
  for (int i = 0; i < 3; ++i) {
    (void)poll(&pfd, 1, 20);
    ring->drain([&](const clt::capture::CapturedPacket& p) {
      ++seen;
      bytes += p.bytes.size();
    });
  }
  const auto& st = ring->update_stats();
  std::printf("{\"seen\": %llu, \"kernel_packets\": %llu, \"drops\": %llu, \"bytes\": %llu}\n",
              static_cast<unsigned long long>(seen), static_cast<unsigned long long>(st.packets),
              static_cast<unsigned long long>(st.drops), static_cast<unsigned long long>(bytes));
  return 0;
}
