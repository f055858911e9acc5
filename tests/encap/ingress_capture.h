#pragma once

// Captures every IPv6 frame arriving on one interface of a network namespace
// (AF_PACKET, so before the node's own IOAM processing), on a background
// thread, until stopped.

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "encap/netns_thread.h"
#include "os/unique_fd.h"

namespace clt::test {

class IngressCapture {
 public:
  IngressCapture(const std::string& netns, const std::string& interface) {
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, netns, interface, &ready] {
      try {
        enter_netns(netns);
        fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6)));
        if (!fd_) throw std::runtime_error("AF_PACKET socket (needs root)");
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_IPV6);
        sll.sll_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
        if (sll.sll_ifindex == 0) throw std::runtime_error("no interface " + interface);
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)
          throw std::runtime_error("bind AF_PACKET");
        ready.set_value();
      } catch (...) {
        ready.set_exception(std::current_exception());
        return;
      }
      loop();
    });
    started.get();  // rethrows a setup failure
  }

  ~IngressCapture() { stop(); }

  // Stops capturing and returns the frames (Ethernet framing, inbound only).
  std::vector<std::vector<std::uint8_t>> stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      fd_.reset();
    }
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  void loop() {
    std::vector<std::uint8_t> buf(65536);
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
      std::lock_guard lock(mutex_);
      frames_.emplace_back(buf.begin(), buf.begin() + n);
    }
  }

  std::thread thread_;
  std::atomic<bool> stop_{false};
  os::UniqueFd fd_;
  std::mutex mutex_;
  std::vector<std::vector<std::uint8_t>> frames_;
};

}  // namespace clt::test
