// Span edges through the datapath's setsockopt hook on a real kernel: the
// datapath attached to lo in a namespace of the test's own, a connection
// over ::1, and the packets as a capture on lo sees them after tc egress.
//   - A TCP socket keeps its room between spans: the second span binds
//     without the kernel, packets between spans leave without IOAM and
//     without the placeholder, each span's packets carry its own ids.
//   - A UDP socket gives its room back at every span's end.
// Needs root (a network namespace, BPF).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bpf/datapath.h"
#include "core/packet.h"
#include "encap/clt_socket.h"
#include "support/loopback_socket.h"
#include "support/private_loopback.h"

namespace {

using clt::core::SpanId;
using clt::core::TraceId;

constexpr std::size_t kPayload = 100;
constexpr std::uint8_t kNextHopByHop = 0;
constexpr std::uint8_t kNextRouting = 43;

// One data packet the connection's sender sent, as captured on lo.
struct Sent {
  char marker = 0;  // the payload's first byte
  bool has_hop_by_hop = false;
  bool has_routing_header = false;  // a placeholder that was not rewritten
  std::optional<TraceId> trace_id;
  std::optional<SpanId> span_id;
};

class LoCapture {
 public:
  LoCapture() {
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IPV6));
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ETH_P_IPV6);
    at.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
    if (fd_ >= 0) ::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at);
  }
  ~LoCapture() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // The packets sent from source port `from` that carry a payload, in order,
  // as they arrive back on lo (after tc egress): a socket bound to one
  // protocol sees only arriving packets.
  std::vector<Sent> sent_from(std::uint16_t from) const {
    std::vector<Sent> out;
    std::vector<std::uint8_t> frame(65536);
    auto decoded = std::make_unique<clt::core::DecodedPacket>();
    for (;;) {
      sockaddr_ll from_addr{};
      socklen_t len = sizeof from_addr;
      const ssize_t n = ::recvfrom(fd_, frame.data(), frame.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from_addr), &len);
      if (n < 0) break;
      if (from_addr.sll_pkttype != PACKET_HOST) continue;
      const std::span<const std::uint8_t> bytes(frame.data(), static_cast<std::size_t>(n));
      if (auto s = parse(bytes, from, *decoded)) out.push_back(*s);
    }
    return out;
  }

 private:
  // Ethernet (lo's zero header), IPv6, then a Hop-by-Hop or routing header
  // or neither, then TCP or UDP.
  static std::optional<Sent> parse(std::span<const std::uint8_t> frame, std::uint16_t from,
                                   clt::core::DecodedPacket& decoded) {
    constexpr std::size_t kIp = 14;
    if (frame.size() < kIp + 40) return std::nullopt;
    Sent s;
    std::uint8_t next = frame[kIp + 6];
    std::size_t at = kIp + 40;
    if (next == kNextHopByHop || next == kNextRouting) {
      s.has_hop_by_hop = next == kNextHopByHop;
      s.has_routing_header = next == kNextRouting;
      if (frame.size() < at + 2) return std::nullopt;
      next = frame[at];
      at += (std::size_t{frame[at + 1]} + 1) * 8;
    }
    if (frame.size() < at + 8 || (frame[at] << 8 | frame[at + 1]) != from) return std::nullopt;
    std::size_t payload = at + 8;  // UDP
    if (next == IPPROTO_TCP)
      payload = at + (frame.size() > at + 12 ? (frame[at + 12] >> 4) * 4 : 0);
    if (payload >= frame.size()) return std::nullopt;  // a pure ACK
    s.marker = static_cast<char>(frame[payload]);
    if (s.has_hop_by_hop &&
        clt::core::decode_packet(frame, clt::core::LinkType::kEthernet, clt::core::LayoutPolicy{},
                                 decoded) == clt::core::DecodeError::kOk &&
        decoded.traces[0].ids_intact) {
      s.trace_id = decoded.traces[0].trace_id;
      s.span_id = decoded.traces[0].span_id;
    }
    return s;
  }
  int fd_ = -1;
};

TraceId trace_of(std::uint8_t b) {
  TraceId t{};
  t.fill(b);
  return t;
}
SpanId span_of(std::uint8_t b) {
  SpanId s{};
  s.fill(b);
  return s;
}

std::uint16_t local_port(int fd) {
  sockaddr_in6 a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin6_port);
}

class SpanEdges : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    ASSERT_TRUE(clt::test::private_loopback_namespace(error)) << error;
  }
  void SetUp() override {
    clt::bpf::DatapathConfig config;
    config.interfaces = {"lo"};
    config.ioam.domain = {*clt::encap::Prefix::parse("::1/128")};
    std::string error;
    datapath_ = clt::bpf::Datapath::open(config, error);
    ASSERT_TRUE(datapath_) << error;
    encap_ = clt::test::loopback_encapsulator();
    ASSERT_TRUE(capture_.ok()) << std::strerror(errno);
  }

  // Two spans with a send between them, then the packets as sent.
  std::vector<Sent> two_spans(const clt::test::LoopbackSocket& conn) {
    const auto prepared = encap_->prepare(conn.fd);
    EXPECT_TRUE(prepared.uses_datapath());
    char buf[kPayload];
    char drain[65536];
    auto send = [&](char marker) {
      std::memset(buf, marker, sizeof buf);
      EXPECT_EQ(::send(conn.fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
      EXPECT_EQ(::recv(conn.peer, drain, sizeof drain, 0), static_cast<ssize_t>(sizeof buf));
    };
    EXPECT_TRUE(prepared.enable(trace_of(0xa1), span_of(0xa2)).applied());
    send('A');
    EXPECT_TRUE(prepared.disable().applied());
    send('N');
    EXPECT_TRUE(prepared.enable(trace_of(0xb1), span_of(0xb2)).applied());
    send('B');
    EXPECT_TRUE(prepared.disable().applied());
    return capture_.sent_from(local_port(conn.fd));
  }

  std::uint64_t counter(clt_counter c) const { return datapath_->counters()[c]; }

  std::unique_ptr<clt::bpf::Datapath> datapath_;
  std::unique_ptr<clt::encap::Encapsulator> encap_;
  LoCapture capture_;
};

void expect_span(const Sent& s, char marker, std::uint8_t ids) {
  EXPECT_EQ(s.marker, marker);
  EXPECT_TRUE(s.has_hop_by_hop) << marker;
  ASSERT_TRUE(s.trace_id) << marker << ": no intact ids";
  EXPECT_EQ(*s.trace_id, trace_of(ids));
  EXPECT_EQ(*s.span_id, span_of(static_cast<std::uint8_t>(ids + 1)));
}

void expect_without_clt(const Sent& s, char marker) {
  EXPECT_EQ(s.marker, marker);
  EXPECT_FALSE(s.has_hop_by_hop) << marker;
  EXPECT_FALSE(s.has_routing_header) << marker << ": the placeholder left the node";
}

TEST_F(SpanEdges, TcpKeepsItsRoomBetweenSpans) {
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  const auto sent = two_spans(conn);
  ASSERT_EQ(sent.size(), 3u);
  expect_span(sent[0], 'A', 0xa1);
  expect_without_clt(sent[1], 'N');
  expect_span(sent[2], 'B', 0xb1);
  // One reservation through the kernel (prepare's probe released nothing
  // yet), the second span's bind and both unbinds answered by the hook.
  EXPECT_EQ(counter(CLT_CNT_ROOM_RESERVED), 1u);
  EXPECT_EQ(counter(CLT_CNT_IDS_SET), 2u);
  EXPECT_GE(counter(CLT_CNT_ROOM_REMOVED), 1u);  // from the packet between spans
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 2u);
}

TEST_F(SpanEdges, UdpGivesItsRoomBackAtEverySpansEnd) {
  const clt::test::LoopbackSocket conn(SOCK_DGRAM);
  const auto sent = two_spans(conn);
  ASSERT_EQ(sent.size(), 3u);
  expect_span(sent[0], 'A', 0xa1);
  expect_without_clt(sent[1], 'N');
  expect_span(sent[2], 'B', 0xb1);
  EXPECT_EQ(counter(CLT_CNT_ROOM_RESERVED), 2u);
  EXPECT_EQ(counter(CLT_CNT_ROOM_REMOVED), 0u);  // nothing to remove: the room went
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 2u);
}

// An application that sets its own routing header replaces the room; the
// next span reserves it again instead of binding into room that is gone.
TEST_F(SpanEdges, OwnRoutingHeaderMakesTheNextSpanReserveAgain) {
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  const auto prepared = encap_->prepare(conn.fd);
  ASSERT_TRUE(prepared.enable(trace_of(0xa1), span_of(0xa2)).applied());
  ASSERT_TRUE(prepared.disable().applied());
  ASSERT_EQ(::setsockopt(conn.fd, IPPROTO_IPV6, IPV6_RTHDR, nullptr, 0), 0);
  ASSERT_TRUE(prepared.enable(trace_of(0xb1), span_of(0xb2)).applied());
  char buf[kPayload];
  std::memset(buf, 'B', sizeof buf);
  ASSERT_EQ(::send(conn.fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
  char drain[65536];
  ASSERT_EQ(::recv(conn.peer, drain, sizeof drain, 0), static_cast<ssize_t>(sizeof buf));
  ASSERT_TRUE(prepared.disable().applied());
  EXPECT_EQ(counter(CLT_CNT_ROOM_RESERVED), 2u);
  const auto sent = capture_.sent_from(local_port(conn.fd));
  ASSERT_EQ(sent.size(), 1u);
  expect_span(sent[0], 'B', 0xb1);
}

// The ids alone (24 bytes, the short bind a kept room allows) are refused on
// a socket without room, so that the caller sends the full request; once a
// span reserved the room, they bind and the packets carry them.
TEST_F(SpanEdges, IdsAloneBindOnlyIntoKeptRoom) {
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  std::uint8_t ids[CLT_IDS_REQUEST_BYTES] = {};
  std::memset(ids, 0xc1, 16);
  std::memset(ids + 16, 0xc2, 8);
  errno = 0;
  EXPECT_NE(::setsockopt(conn.fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, CLT_IDS_BYTES), 0);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(counter(CLT_CNT_IDS_SET), 0u);
  ASSERT_EQ(::setsockopt(conn.fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, sizeof ids), 0);
  const std::uint8_t none[CLT_IDS_BYTES] = {};
  ASSERT_EQ(::setsockopt(conn.fd, CLT_SOL_DATAPATH, CLT_SO_IDS, none, sizeof none), 0);
  std::memset(ids, 0xd1, 16);
  std::memset(ids + 16, 0xd2, 8);
  ASSERT_EQ(::setsockopt(conn.fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, CLT_IDS_BYTES), 0);
  char buf[kPayload];
  std::memset(buf, 'D', sizeof buf);
  ASSERT_EQ(::send(conn.fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
  char drain[65536];
  ASSERT_EQ(::recv(conn.peer, drain, sizeof drain, 0), static_cast<ssize_t>(sizeof buf));
  EXPECT_EQ(counter(CLT_CNT_ROOM_RESERVED), 1u);
  EXPECT_EQ(counter(CLT_CNT_IDS_SET), 2u);
  const auto sent = capture_.sent_from(local_port(conn.fd));
  ASSERT_EQ(sent.size(), 1u);
  expect_span(sent[0], 'D', 0xd1);
}

// A TCP socket that kept its room would send the placeholder once the
// programs are gone, and a receiver without Segment Routing (lo here) drops
// it: an orderly stop clears the room first.
TEST_F(SpanEdges, OrderlyStopClearsTheRoomSocketsKept) {
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  const auto prepared = encap_->prepare(conn.fd);
  ASSERT_TRUE(prepared.enable(trace_of(0xa1), span_of(0xa2)).applied());
  ASSERT_TRUE(prepared.disable().applied());
  const auto release = datapath_->release_kept_rooms();
  EXPECT_EQ(release.released, 1u);
  EXPECT_EQ(release.unreachable, 0u);
  datapath_.reset();
  char buf[kPayload];
  std::memset(buf, 'R', sizeof buf);
  ASSERT_EQ(::send(conn.fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
  pollfd readable{conn.peer, POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 2000), 1) << "the packet after the stop never arrived";
  char drain[65536];
  EXPECT_EQ(::recv(conn.peer, drain, sizeof drain, 0), static_cast<ssize_t>(sizeof buf));
  const auto sent = capture_.sent_from(local_port(conn.fd));
  ASSERT_EQ(sent.size(), 1u);
  expect_without_clt(sent[0], 'R');
}

}  // namespace
