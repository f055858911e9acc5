#include "capture/packet_ring.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/hop_by_hop_filter.h"

namespace clt::capture {

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

std::unique_ptr<PacketRing> PacketRing::open(const RingConfig& config, std::string& error) {
  const unsigned ifindex = if_nametoindex(config.interface.c_str());
  if (ifindex == 0) {
    error = "interface '" + config.interface +
            "' not found in this network namespace (`ip link show` lists them)";
    return nullptr;
  }
  if (config.block_bytes == 0 || config.frame_bytes == 0 || config.block_count == 0 ||
      config.block_bytes % static_cast<std::uint32_t>(getpagesize()) != 0 ||
      config.block_bytes % config.frame_bytes != 0) {
    error = "ring block size must be a multiple of the page size and of the frame size";
    return nullptr;
  }

  std::unique_ptr<PacketRing> ring(new PacketRing());
  ring->interface_ = config.interface;
  // Protocol 0 first: nothing is queued before the filter and ring are in
  // place; bind() below starts delivery.
  ring->fd_.reset(socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!ring->fd_.get()) {
    if (errno == EPERM || errno == EACCES) {
      error = "cannot open a packet socket: missing CAP_NET_RAW";
    } else {
      error = errno_text("cannot open a packet socket");
    }
    return nullptr;
  }
  if (config.hop_by_hop_filter && !attach_hop_by_hop_filter(ring->fd_.get())) {
    error = errno_text("cannot attach the Hop-by-Hop socket filter");
    return nullptr;
  }
  const int one = 1;
  // Best effort: the filter also rejects outgoing copies.
  (void)setsockopt(ring->fd_.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  const int version = TPACKET_V3;
  if (setsockopt(ring->fd_.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
    error = errno_text("kernel refuses TPACKET_V3");
    return nullptr;
  }
  tpacket_req3 req{};
  req.tp_block_size = config.block_bytes;
  req.tp_block_nr = config.block_count;
  req.tp_frame_size = config.frame_bytes;
  req.tp_frame_nr = config.block_bytes / config.frame_bytes * config.block_count;
  req.tp_retire_blk_tov = config.block_timeout_ms;
  if (setsockopt(ring->fd_.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
    error = errno_text("cannot set up the packet ring (PACKET_RX_RING)");
    return nullptr;
  }
  ring->map_bytes_ = std::size_t{config.block_bytes} * config.block_count;
  void* map = mmap(nullptr, ring->map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
                   ring->fd_.get(), 0);
  if (map == MAP_FAILED) {
    // MAP_LOCKED needs memlock room; the ring works without it.
    map = mmap(nullptr, ring->map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd_.get(), 0);
  }
  if (map == MAP_FAILED) {
    error = errno_text("cannot map the packet ring");
    return nullptr;
  }
  ring->map_ = static_cast<std::uint8_t*>(map);
  ring->block_bytes_ = config.block_bytes;
  ring->block_count_ = config.block_count;

  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_IPV6);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (bind(ring->fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    error = errno_text(("cannot bind the packet ring to '" + config.interface + "'").c_str());
    return nullptr;
  }
  // Statistics before bind are meaningless; start from zero.
  tpacket_stats_v3 discard{};
  socklen_t len = sizeof discard;
  (void)getsockopt(ring->fd_.get(), SOL_PACKET, PACKET_STATISTICS, &discard, &len);
  return ring;
}

PacketRing::~PacketRing() {
  if (map_) munmap(map_, map_bytes_);
}

const RingStats& PacketRing::update_stats() {
  tpacket_stats_v3 st{};
  socklen_t len = sizeof st;
  if (getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    stats_.packets += st.tp_packets;
    stats_.drops += st.tp_drops;
    stats_.freezes += st.tp_freeze_q_cnt;
  }
  return stats_;
}

}  // namespace clt::capture
