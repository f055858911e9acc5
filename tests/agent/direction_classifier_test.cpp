#include "agent/direction_classifier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace clt::agent {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

core::Ipv6Address address(std::uint8_t last) {
  core::Ipv6Address a{0xfd, 0x00};
  a[15] = last;
  return a;
}

// A node with address ::2 listening on the given ports; counts its reads.
struct FakeNode {
  std::vector<std::uint16_t> listening{8080};
  bool fail = false;
  int reads = 0;
  LocalSocketsSource source() {
    return [this](LocalSockets& out, std::string& error) {
      ++reads;
      if (fail) {
        error = "no netlink here";
        return false;
      }
      out.clear();
      for (std::uint16_t p : listening) out.listening_tcp.set(p);
      out.addresses.push_back(address(2));
      return true;
    };
  }
};

core::DecodedPacket packet(std::uint16_t dst_port, std::uint8_t protocol = 6,
                           std::uint8_t dst_last = 2) {
  core::DecodedPacket p;
  p.src = address(1);
  p.dst = address(dst_last);
  p.upper_protocol = protocol;
  p.has_ports = true;
  p.src_port = 40000;
  p.dst_port = dst_port;
  p.trace_count = 1;
  return p;
}

TEST(DirectionClassifier, ToAListenerIsARequestToAnyOtherPortAResponse) {
  FakeNode node;
  DirectionClassifier c(node.source());
  EXPECT_EQ(c.classify(packet(8080), 0), core::Direction::kRequest);
  EXPECT_EQ(c.classify(packet(43512), 1), core::Direction::kResponse);
  EXPECT_EQ(c.counters().requests, 1u);
  EXPECT_EQ(c.counters().responses, 1u);
  EXPECT_EQ(c.counters().unknown, 0u);
}

TEST(DirectionClassifier, UdpNoPortsAndForwardedPacketsAreRequests) {
  FakeNode node;
  DirectionClassifier c(node.source());
  EXPECT_EQ(c.classify(packet(43512, 17), 0), core::Direction::kRequest);
  core::DecodedPacket no_ports = packet(43512);
  no_ports.has_ports = false;
  EXPECT_EQ(c.classify(no_ports, 0), core::Direction::kRequest);
  EXPECT_EQ(c.classify(packet(43512, 6, 9), 0), core::Direction::kRequest)
      << "a packet to another node's address: this node only forwards it";
  EXPECT_EQ(c.counters().unknown, 3u);
  EXPECT_EQ(c.counters().responses, 0u);
}

TEST(DirectionClassifier, ReadsTheListenersPeriodicallyNotPerPacket) {
  FakeNode node;
  DirectionClassifier c(node.source(), {.refresh_ns = 1000 * kMs, .miss_refresh_ns = 50 * kMs});
  for (int i = 0; i < 100; ++i) (void)c.classify(packet(8080), static_cast<std::uint64_t>(i) * kMs);
  EXPECT_EQ(node.reads, 1) << "hits need no read";
  // Misses (responses) read again at most every miss_refresh_ns.
  for (int i = 0; i < 100; ++i)
    (void)c.classify(packet(43512), 100 * kMs + static_cast<std::uint64_t>(i) * kMs);
  EXPECT_EQ(node.reads, 3);
  c.maybe_refresh(1500 * kMs);
  EXPECT_EQ(node.reads, 4);
  EXPECT_EQ(c.counters().refreshes, 4u);
}

TEST(DirectionClassifier, AServerThatJustStartedIsFoundOnTheFirstMiss) {
  FakeNode node;
  DirectionClassifier c(node.source());
  EXPECT_EQ(c.classify(packet(9000), 0), core::Direction::kResponse);
  node.listening.push_back(9000);
  EXPECT_EQ(c.classify(packet(9000), 100 * kMs), core::Direction::kRequest);
}

TEST(DirectionClassifier, AFailedReadKeepsWhatWasKnownAndIsCounted) {
  FakeNode node;
  DirectionClassifier c(node.source());
  EXPECT_EQ(c.classify(packet(8080), 0), core::Direction::kRequest);
  node.fail = true;
  c.maybe_refresh(2000 * kMs);
  EXPECT_EQ(c.counters().refresh_failures, 1u);
  EXPECT_EQ(c.last_error(), "no netlink here");
  EXPECT_EQ(c.classify(packet(8080), 2001 * kMs), core::Direction::kRequest);
}

// The real source, in this process's network namespace: a socket listening on
// an ephemeral port is found by sock_diag, a connected one's port is not.
TEST(DirectionClassifier, SystemSourceFindsThisProcesssListener) {
  LocalSocketsSource source = system_local_sockets();
  const int listener = ::socket(AF_INET6, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::uint16_t port = ntohs(a.sin6_port);
  const int client = ::socket(AF_INET6, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  sockaddr_in6 c{};
  len = sizeof c;
  ASSERT_EQ(::getsockname(client, reinterpret_cast<sockaddr*>(&c), &len), 0);
  LocalSockets local;
  std::string error;
  ASSERT_TRUE(source(local, error)) << error;
  EXPECT_TRUE(local.listening_tcp.test(port));
  EXPECT_FALSE(local.listening_tcp.test(ntohs(c.sin6_port)));
  core::Ipv6Address loopback{};
  loopback[15] = 1;
  EXPECT_NE(std::find(local.addresses.begin(), local.addresses.end(), loopback),
            local.addresses.end());
  ::close(client);
  ::close(listener);
}

}  // namespace
}  // namespace clt::agent
