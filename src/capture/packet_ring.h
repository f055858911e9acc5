#pragma once

#include <linux/if_packet.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "os/unique_fd.h"

namespace clt::capture {

struct RingConfig {
  std::string interface;
  std::uint32_t block_bytes = 1u << 20;  // one TPACKET_V3 block
  std::uint32_t block_count = 16;
  std::uint32_t frame_bytes = 2048;  // V3 packs frames; this only sizes the frame count
  // A block is handed to user space when full or after this long: it bounds
  // the latency of a quiet link.
  std::uint32_t block_timeout_ms = 5;
  // Install the Hop-by-Hop socket filter (off only for a bare-capture baseline
  // that wants everything).
  bool hop_by_hop_filter = true;
};

// Kernel counters since the ring was opened (PACKET_STATISTICS resets on read,
// so they are accumulated here).
struct RingStats {
  std::uint64_t packets = 0;  // passed the filter, including the dropped ones
  std::uint64_t drops = 0;    // did not fit in the ring
  std::uint64_t freezes = 0;  // times the ring was full
};

struct CapturedPacket {
  std::span<const std::uint8_t> bytes;  // from the IPv6 header on
  std::uint32_t wire_length = 0;
  std::int64_t time_sec = 0;
  std::int32_t time_nsec = 0;
};

// An AF_PACKET TPACKET_V3 ring on one interface, bound to IPv6 in SOCK_DGRAM
// mode (so frames start at the IPv6 header, VLAN tags already stripped), with
// the Hop-by-Hop filter attached before any packet can be queued.
class PacketRing {
 public:
  // nullptr and a one-line reason on failure.
  static std::unique_ptr<PacketRing> open(const RingConfig& config, std::string& error);
  ~PacketRing();
  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& interface() const { return interface_; }

  // Hands every packet of every block the kernel has released to on_packet,
  // then returns the blocks to the kernel. Returns the packets handed over.
  // Never blocks.
  template <typename OnPacket>
  std::size_t drain(OnPacket&& on_packet);

  // Reads and accumulates PACKET_STATISTICS.
  const RingStats& update_stats();
  const RingStats& stats() const { return stats_; }

 private:
  PacketRing() = default;
  os::UniqueFd fd_;
  std::string interface_;
  std::uint8_t* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  std::uint32_t block_bytes_ = 0;
  std::uint32_t block_count_ = 0;
  std::uint32_t next_block_ = 0;
  RingStats stats_;
};

template <typename OnPacket>
std::size_t PacketRing::drain(OnPacket&& on_packet) {
  std::size_t handed = 0;
  for (std::uint32_t seen = 0; seen < block_count_; ++seen) {
    auto* block =
        reinterpret_cast<tpacket_block_desc*>(map_ + std::size_t{next_block_} * block_bytes_);
    if (!(__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) break;
    const std::uint32_t count = block->hdr.bh1.num_pkts;
    auto* frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<std::uint8_t*>(block) +
                                                  block->hdr.bh1.offset_to_first_pkt);
    for (std::uint32_t i = 0; i < count; ++i) {
      CapturedPacket packet;
      packet.bytes = {reinterpret_cast<const std::uint8_t*>(frame) + frame->tp_net,
                      frame->tp_snaplen - (frame->tp_net - frame->tp_mac)};
      packet.wire_length = frame->tp_len;
      packet.time_sec = frame->tp_sec;
      packet.time_nsec = static_cast<std::int32_t>(frame->tp_nsec);
      on_packet(static_cast<const CapturedPacket&>(packet));
      ++handed;
      frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<std::uint8_t*>(frame) +
                                              frame->tp_next_offset);
    }
    __atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    next_block_ = (next_block_ + 1) % block_count_;
  }
  return handed;
}

}  // namespace clt::capture
