// The classic BPF program runs in the kernel on any socket, so an AF_UNIX
// datagram pair (data starting at the IPv6 header, as on the SOCK_DGRAM
// packet ring) exercises the real filter without privileges.
#include "capture/hop_by_hop_filter.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <vector>

namespace clt::capture {
namespace {

std::vector<std::uint8_t> ipv6(std::uint8_t next_header) {
  std::vector<std::uint8_t> p(48, 0);
  p[0] = 0x60;
  p[5] = 8;
  p[6] = next_header;
  p[7] = 64;
  return p;
}

TEST(HopByHopFilter, PassesOnlyIpv6WithHopByHop) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds), 0);
  ASSERT_TRUE(attach_hop_by_hop_filter(fds[1]));
  auto v4 = ipv6(0);
  v4[0] = 0x45;
  const std::vector<std::vector<std::uint8_t>> sent = {ipv6(17), v4, ipv6(0), ipv6(6), {0x60}};
  for (const auto& p : sent) ASSERT_EQ(send(fds[0], p.data(), p.size(), 0), ssize_t(p.size()));
  std::array<std::uint8_t, 128> buf{};
  std::vector<std::size_t> received;
  for (;;) {
    const ssize_t n = recv(fds[1], buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) break;
    received.push_back(static_cast<std::size_t>(n));
    EXPECT_EQ(buf[6], 0);
  }
  EXPECT_EQ(received, (std::vector<std::size_t>{48}));
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace clt::capture
