// CLT on real sockets through real stock-kernel IOAM nodes. Needs root and the
// topology brought up by `clt topo up` (see with_topology.sh): the prefix comes
// in CLT_TOPO_PREFIX. Captures at the server's ingress and decodes with the core.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "core/ids.h"
#include "encap/captured_packets.h"
#include "encap/clt_socket.h"
#include "encap/echo_peer.h"
#include "encap/ingress_capture.h"
#include "encap/netns_thread.h"

namespace {

using clt::encap::Config;
using clt::encap::Encapsulator;
using clt::encap::Status;
using clt::test::CapturedPacket;

std::string prefix() {
  const char* p = std::getenv("CLT_TOPO_PREFIX");
  if (p == nullptr)
    throw std::runtime_error("CLT_TOPO_PREFIX is not set: run through with_topology.sh");
  return p;
}

struct Path {
  std::string client_ns, server_ns, server_if, server_address;
};

Path default_path() {
  return {prefix() + "athos", prefix() + "aramis", "eth0", "fd00:2::2"};
}
Path long_path() {
  return {prefix() + "s", prefix() + "d", "eth0", "fd00:5::2"};
}

const clt::core::TraceId kTraceA = *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c");
const clt::core::SpanId kSpanA = *clt::core::parse_span_id("b7ad6b7169203331");
const clt::core::TraceId kTraceB = *clt::core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
const clt::core::SpanId kSpanB = *clt::core::parse_span_id("00f067aa0ba902b7");

struct Scenario {
  std::vector<Status> enable_results;
  std::vector<CapturedPacket> packets;
};

// One connection: phase 'A' under span A, 'B' under span B, 'N' after
// disable. Records are echoed so each phase is on the wire before the next.
Scenario run_spans(const Path& path, const Config& config, int type) {
  clt::test::IngressCapture capture(path.server_ns, path.server_if);
  clt::test::EchoServer server(path.server_ns, type);
  Scenario s;
  clt::test::run_in_netns(path.client_ns, [&] {
    std::string error;
    auto encap = Encapsulator::create(config, error);
    if (!encap) throw std::runtime_error(error);
    const int fd = clt::test::connect_to(path.server_address, server.port(), type);
    s.enable_results.push_back(encap->enable(fd, kTraceA, kSpanA).status);
    for (int i = 0; i < 3; ++i) clt::test::exchange(fd, 'A', type);
    s.enable_results.push_back(encap->enable(fd, kTraceB, kSpanB).status);
    for (int i = 0; i < 3; ++i) clt::test::exchange(fd, 'B', type);
    s.enable_results.push_back(encap->disable(fd).status);
    for (int i = 0; i < 3; ++i) clt::test::exchange(fd, 'N', type);
    char quit[clt::test::kRecordSize];
    std::memset(quit, 'Q', sizeof quit);
    ::send(fd, quit, sizeof quit, MSG_NOSIGNAL);
    ::close(fd);
  });
  usleep(200000);  // let the last frames reach the capture
  s.packets = clt::test::classify(capture.stop(), type == SOCK_STREAM ? 6 : 17);
  return s;
}

int count_phase(const Scenario& s, char phase) {
  int n = 0;
  for (const auto& p : s.packets) n += p.phase == phase;
  return n;
}

// Checks every packet of each phase: A's ids, B's ids, no IOAM after disable.
void expect_ids_per_phase(const Scenario& s) {
  EXPECT_GE(count_phase(s, 'A'), 3);
  EXPECT_GE(count_phase(s, 'B'), 3);
  EXPECT_GE(count_phase(s, 'N'), 3);
  for (const auto& p : s.packets) {
    if (p.phase == 'N') {
      EXPECT_EQ(p.result, clt::core::DecodeError::kNoHopByHop) << "IOAM after disable";
      continue;
    }
    if (p.phase != 'A' && p.phase != 'B') continue;
    ASSERT_EQ(p.result, clt::core::DecodeError::kOk) << clt::core::to_string(p.result);
    ASSERT_EQ(p.decoded.trace_count, 1);
    const auto& t = p.decoded.traces[0];
    EXPECT_EQ(t.namespace_id, 123);
    EXPECT_TRUE(t.ids_intact);
    EXPECT_EQ(clt::core::to_hex(t.trace_id), clt::core::to_hex(p.phase == 'A' ? kTraceA : kTraceB));
    EXPECT_EQ(clt::core::to_hex(t.span_id), clt::core::to_hex(p.phase == 'A' ? kSpanA : kSpanB));
  }
}

// athos's own entry first, then porthos as filled by its kernel.
void expect_default_path_nodes(const Scenario& s) {
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  int checked = 0;
  for (const auto& p : s.packets) {
    if ((p.phase != 'A' && p.phase != 'B') || p.result != clt::core::DecodeError::kOk) continue;
    const auto& t = p.decoded.traces[0];
    ASSERT_EQ(t.node_count, 2) << "expected athos (own entry) and porthos";
    const auto& athos = t.nodes[0];
    const auto& porthos = t.nodes[1];
    EXPECT_EQ(athos.id, 1u);
    EXPECT_EQ(athos.egress_id, 11);
    EXPECT_EQ(athos.ingress_id, 0xffff);
    EXPECT_EQ(athos.namespace_data, 0xa0000001u);
    EXPECT_EQ(athos.hop_limit, 64);
    EXPECT_EQ(porthos.id, 2u);
    EXPECT_EQ(porthos.ingress_id, 21);
    EXPECT_EQ(porthos.egress_id, 22);
    EXPECT_EQ(porthos.namespace_data, 0xa0000002u);
    EXPECT_NEAR(static_cast<double>(porthos.timestamp_secs), now, 30.0);
    const double own = athos.timestamp_secs + athos.timestamp_frac / 1e6;
    const double router = porthos.timestamp_secs + porthos.timestamp_frac / 1e6;
    EXPECT_LE(own, router + 1e-3) << "the own entry is stamped when the span starts";
    // 4 slots - 2 filled = 2 free slots of 6 words, plus 6 words of ids.
    EXPECT_EQ(t.remaining_len, 6 + 2 * 6);
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

TEST(DefaultTopology, TcpKeepAliveSpansCarryTheirIds) {
  Scenario s = run_spans(default_path(), Config{}, SOCK_STREAM);
  ASSERT_EQ(s.enable_results.size(), 3u);
  for (Status r : s.enable_results) EXPECT_EQ(r, Status::kOk) << clt::encap::describe(r);
  expect_ids_per_phase(s);
  expect_default_path_nodes(s);
}

TEST(DefaultTopology, UdpSpansCarryTheirIds) {
  Scenario s = run_spans(default_path(), Config{}, SOCK_DGRAM);
  for (Status r : s.enable_results) EXPECT_EQ(r, Status::kOk) << clt::encap::describe(r);
  expect_ids_per_phase(s);
  expect_default_path_nodes(s);
}

TEST(DefaultTopology, WithoutOwnEntryTheRouterIsFirst) {
  Config c;
  c.own_entry = false;
  Scenario s = run_spans(default_path(), c, SOCK_DGRAM);
  int checked = 0;
  for (const auto& p : s.packets) {
    if (p.phase != 'A' || p.result != clt::core::DecodeError::kOk) continue;
    ASSERT_EQ(p.decoded.traces[0].node_count, 1);
    EXPECT_EQ(p.decoded.traces[0].nodes[0].id, 2u);
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(DefaultTopology, SixtyFourBitTraceIdsKeepTheHighBytesZero) {
  Config c;
  c.trace_id_bits = clt::encap::TraceIdBits::k64;
  Scenario s = run_spans(default_path(), c, SOCK_DGRAM);
  int checked = 0;
  for (const auto& p : s.packets) {
    if (p.phase != 'A' || p.result != clt::core::DecodeError::kOk) continue;
    EXPECT_EQ(clt::core::to_hex(p.decoded.traces[0].trace_id), "00000000000000008448eb211c80319c");
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(DefaultTopology, PeerOutsideTheDomainIsLeftUntouched) {
  Config c;
  c.domain = {*clt::encap::Prefix::parse("fd00:99::/32")};
  Scenario s = run_spans(default_path(), c, SOCK_STREAM);
  ASSERT_EQ(s.enable_results.size(), 3u);
  EXPECT_EQ(s.enable_results[0], Status::kOutsideDomain);
  EXPECT_EQ(s.enable_results[1], Status::kOutsideDomain);
  EXPECT_GE(count_phase(s, 'A'), 3);
  for (const auto& p : s.packets)
    EXPECT_EQ(p.result, clt::core::DecodeError::kNoHopByHop) << "phase " << p.phase;
}

// Five IOAM nodes before the capture (sender + 4 routers).
TEST(LongPath, EnoughSlotsKeepEveryNodeInPathOrder) {
  Config c;
  c.slots = 6;
  Scenario s = run_spans(long_path(), c, SOCK_DGRAM);
  expect_ids_per_phase(s);
  int checked = 0;
  for (const auto& p : s.packets) {
    if (p.phase != 'A' || p.result != clt::core::DecodeError::kOk) continue;
    const auto& t = p.decoded.traces[0];
    ASSERT_EQ(t.node_count, 5);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(t.nodes[i].id, static_cast<std::uint32_t>(i + 1));
    EXPECT_FALSE(t.flags.overflow);
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

// Two slots for five nodes: the third node overwrites the ids (RemainingLen
// 6 >= NodeLen 6), the fourth finds no room and sets Overflow.
TEST(LongPath, TooFewSlotsAreReportedAsLostIdsAndOverflow) {
  Config c;
  c.slots = 2;
  Scenario s = run_spans(long_path(), c, SOCK_DGRAM);
  int checked = 0;
  for (const auto& p : s.packets) {
    if (p.phase != 'A' && p.phase != 'B') continue;
    ASSERT_EQ(p.result, clt::core::DecodeError::kOk) << clt::core::to_string(p.result);
    const auto& t = p.decoded.traces[0];
    EXPECT_FALSE(t.ids_intact) << "the decoder must say the ids were overwritten";
    EXPECT_TRUE(t.flags.overflow);
    EXPECT_LT(t.remaining_len, 6);
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

}  // namespace
