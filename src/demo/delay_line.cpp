#include "demo/delay_line.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace clt::demo {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kSlotBytes = 2048;  // the device's MTU (1500) fits

// Fixed ring of packet slots, allocated once: nothing is allocated per packet.
class PacketRing {
 public:
  explicit PacketRing(std::size_t capacity)
      : data_(capacity * kSlotBytes), lengths_(capacity), release_(capacity) {}

  bool full() const { return count_ == lengths_.size(); }
  bool empty() const { return count_ == 0; }
  std::uint8_t* tail_slot() { return &data_[slot_index(count_) * kSlotBytes]; }
  void push(std::size_t length, Clock::time_point release) {
    std::size_t i = slot_index(count_);
    lengths_[i] = length;
    release_[i] = release;
    ++count_;
  }
  Clock::time_point head_release() const { return release_[head_]; }
  const std::uint8_t* head_data() const { return &data_[head_ * kSlotBytes]; }
  std::size_t head_length() const { return lengths_[head_]; }
  void pop() {
    head_ = (head_ + 1) % lengths_.size();
    --count_;
  }

 private:
  std::size_t slot_index(std::size_t offset) const { return (head_ + offset) % lengths_.size(); }

  std::vector<std::uint8_t> data_;
  std::vector<std::size_t> lengths_;
  std::vector<Clock::time_point> release_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

int open_tun(const std::string& name) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    std::fprintf(stderr, "delay line: cannot open /dev/net/tun: %s (needs root and CONFIG_TUN)\n",
                 std::strerror(errno));
    return -1;
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    std::fprintf(stderr, "delay line: cannot create TUN device %s: %s\n", name.c_str(),
                 std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int run_delay_line(const DelayLineOptions& options, const std::atomic<bool>& stop,
                   DelayLineCounters& counters) {
  int fd = open_tun(options.device);
  if (fd < 0) return 1;
  PacketRing ring(options.capacity);
  std::uint8_t discard[kSlotBytes];

  while (!stop.load(std::memory_order_relaxed)) {
    auto now = Clock::now();
    while (!ring.empty() && ring.head_release() <= now) {
      if (::write(fd, ring.head_data(), ring.head_length()) >= 0) {
        ++counters.forwarded;
      } else {
        ++counters.dropped;
      }
      ring.pop();
    }
    int timeout_ms = 100;  // also bounds how late a stop request is seen
    if (!ring.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(ring.head_release() - now);
      timeout_ms = static_cast<int>(std::min<std::int64_t>(wait.count(), timeout_ms));
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) < 0 && errno != EINTR) break;
    if (!(p.revents & POLLIN)) continue;
    for (;;) {
      std::uint8_t* slot = ring.full() ? discard : ring.tail_slot();
      ssize_t n = ::read(fd, slot, kSlotBytes);
      if (n <= 0) break;
      if (slot == discard) {
        ++counters.dropped;
        continue;
      }
      ring.push(static_cast<std::size_t>(n), Clock::now() + options.delay);
    }
  }
  ::close(fd);
  return 0;
}

}  // namespace clt::demo
