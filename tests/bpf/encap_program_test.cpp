// The tc program under BPF_PROG_TEST_RUN on crafted packets: the real
// program, loaded and configured as the agent does, each output checked with
// src/core's decoder. Needs root (CAP_BPF, CAP_NET_ADMIN): fails otherwise.
// Runs in a network namespace of its own whose loopback has a 1500-byte MTU.

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "bpf/crafted_packets.h"
#include "bpf/encap_simulator.h"
#include "bpf/program_netns.h"
#include "core/packet.h"
#include "os/unique_fd.h"

namespace {

using clt::bpf::EncapSimulator;
using clt::test::FrameSpec;

constexpr unsigned kLoopback = 1;
constexpr std::uint16_t kEgressId = 12;
constexpr std::uint32_t kNodeId = 1;
constexpr std::uint32_t kNamespaceData = 0xa0000000;

const clt::core::TraceId kTrace = *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c");
const clt::core::SpanId kSpan = *clt::core::parse_span_id("b7ad6b7169203331");

const auto* const kNetns = ::testing::AddGlobalTestEnvironment(new clt::test::PrivateNetns);

clt::encap::NodeFacts node_facts() {
  clt::encap::NodeFacts facts;
  facts.node_id = kNodeId;
  facts.namespace_data = kNamespaceData;
  clt::encap::InterfaceFacts lo;
  lo.name = "lo";
  lo.index = kLoopback;
  lo.ioam_id = kEgressId;
  facts.interfaces.push_back(lo);
  return facts;
}

std::array<std::uint8_t, CLT_IDS_BYTES> room_ids() {
  std::array<std::uint8_t, CLT_IDS_BYTES> ids{};
  std::copy(kTrace.begin(), kTrace.end(), ids.begin());
  std::copy(kSpan.begin(), kSpan.end(), ids.begin() + 16);
  return ids;
}

// What an earlier span left in a placeholder the socket kept: never stamped.
std::array<std::uint8_t, CLT_IDS_BYTES> stale_room_ids() {
  std::array<std::uint8_t, CLT_IDS_BYTES> ids{};
  ids.fill(0x5a);
  return ids;
}

void expect_original_inside(const std::vector<std::uint8_t>& original,
                            const std::vector<std::uint8_t>& stamped, std::size_t header_len);
void expect_stamped_trace(const std::vector<std::uint8_t>& stamped, std::uint8_t hop_limit);

class EncapProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    sim_ = EncapSimulator::create(config_, node_facts(), kLoopback, error);
    ASSERT_TRUE(sim_) << error;
  }

  // Binds the frame's flow, runs the program, returns the output.
  clt::bpf::TestRun run_bound(const FrameSpec& spec, std::uint32_t gso_size = 0) {
    std::string error;
    EXPECT_TRUE(sim_->bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
    const auto frame = clt::test::ipv6_frame(spec);
    auto out = sim_->run(frame, gso_size, gso_size ? 4 : 0);
    EXPECT_EQ(out.error, 0) << std::strerror(out.error);
    EXPECT_EQ(out.ret, 0);  // TC_ACT_OK: never dropped
    return out;
  }

  std::uint64_t counter(clt_counter c) const { return sim_->counters()[c]; }

  std::size_t header_size() const {
    return clt::core::hop_by_hop_size(clt::encap::hop_by_hop_spec(config_));
  }

  // The frame comes out as itself plus the header, carrying the ids and the
  // sender's own entry with this hop limit.
  void expect_stamped(const FrameSpec& spec, std::uint8_t hop_limit) {
    const auto original = clt::test::ipv6_frame(spec);
    const auto out = run_bound(spec);
    expect_original_inside(original, out.packet, header_size());
    expect_stamped_trace(out.packet, hop_limit);
  }

  // The frame's flow has ids, yet it comes out unchanged and counted.
  void expect_left_alone(const FrameSpec& spec, clt_counter reason) {
    const auto original = clt::test::ipv6_frame(spec);
    const auto out = run_bound(spec);
    EXPECT_EQ(out.packet, original);
    EXPECT_EQ(counter(reason), 1u);
  }

  clt::encap::Config config_;
  std::unique_ptr<EncapSimulator> sim_;
};

// The stamped frame minus the inserted header is the original frame, except
// for the IPv6 payload length and next header.
void expect_original_inside(const std::vector<std::uint8_t>& original,
                            const std::vector<std::uint8_t>& stamped, std::size_t header_len) {
  using clt::test::kEthernet;
  using clt::test::kIpv6;
  ASSERT_EQ(stamped.size(), original.size() + header_len);
  EXPECT_EQ(std::memcmp(stamped.data(), original.data(), kEthernet + 4), 0);
  EXPECT_EQ(std::memcmp(stamped.data() + kEthernet + 7, original.data() + kEthernet + 7, 33), 0);
  EXPECT_EQ(stamped[kEthernet + 6], 0);                            // Hop-by-Hop
  EXPECT_EQ(stamped[kEthernet + kIpv6], original[kEthernet + 6]);  // its next header
  const unsigned payload = stamped[kEthernet + 4] << 8 | stamped[kEthernet + 5];
  EXPECT_EQ(payload, stamped.size() - kEthernet - kIpv6);
  EXPECT_EQ(std::memcmp(stamped.data() + kEthernet + kIpv6 + header_len,
                        original.data() + kEthernet + kIpv6, original.size() - kEthernet - kIpv6),
            0);
}

void expect_stamped_trace(const std::vector<std::uint8_t>& stamped, std::uint8_t hop_limit) {
  clt::core::DecodedPacket packet;
  const clt::core::LayoutPolicy policy;
  ASSERT_EQ(clt::core::decode_packet(stamped, clt::core::LinkType::kEthernet, policy, packet),
            clt::core::DecodeError::kOk);
  ASSERT_EQ(packet.trace_count, 1);
  const auto& t = packet.traces[0];
  EXPECT_EQ(t.namespace_id, 123);
  EXPECT_EQ(t.trace_type, 0xf60000u);
  EXPECT_TRUE(t.ids_intact);
  EXPECT_EQ(t.trace_id, kTrace);
  EXPECT_EQ(t.span_id, kSpan);
  ASSERT_EQ(t.node_count, 1);  // the sender's own entry
  const auto& own = t.nodes[0];
  EXPECT_EQ(own.id, kNodeId);
  EXPECT_EQ(own.hop_limit, hop_limit);
  EXPECT_EQ(own.ingress_id, 0xffff);
  EXPECT_EQ(own.egress_id, kEgressId);
  EXPECT_EQ(own.namespace_data, kNamespaceData);
  EXPECT_EQ(own.queue_depth, 0xffffffffu);
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const double stamped_at = own.timestamp_secs + own.timestamp_frac / 1e6;
  const double wall = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  EXPECT_NEAR(stamped_at, wall, 1.0);  // the wall clock, not TAI or boot time
  EXPECT_LT(own.timestamp_frac, 1'000'000u);
}

TEST_F(EncapProgram, StampsTcp) {
  FrameSpec spec;
  spec.hop_limit = 61;
  expect_stamped(spec, 61);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 1u);
}

TEST_F(EncapProgram, StampsUdp) {
  FrameSpec spec;
  spec.protocol = 17;
  expect_stamped(spec, 64);
}

TEST_F(EncapProgram, TimestampsAdvancePerPacket) {
  FrameSpec spec;
  const auto first = run_bound(spec);
  ::usleep(20000);
  const auto second = run_bound(spec);
  clt::core::DecodedPacket a, b;
  const clt::core::LayoutPolicy policy;
  ASSERT_EQ(decode_packet(first.packet, clt::core::LinkType::kEthernet, policy, a),
            clt::core::DecodeError::kOk);
  ASSERT_EQ(decode_packet(second.packet, clt::core::LinkType::kEthernet, policy, b),
            clt::core::DecodeError::kOk);
  const auto us = [](const clt::core::NodeData& n) {
    return static_cast<long long>(n.timestamp_secs) * 1'000'000 + n.timestamp_frac;
  };
  const long long gap = us(b.traces[0].nodes[0]) - us(a.traces[0].nodes[0]);
  EXPECT_GE(gap, 15'000);
  EXPECT_LT(gap, 2'000'000);
}

// A packet the stack already timestamped (TCP gives each its departure
// time) is stamped with that time, not the clock's.
TEST_F(EncapProgram, StampsThePacketsOwnDepartureTime) {
  FrameSpec spec;
  spec.room = header_size();
  spec.room_ids = room_ids();
  const std::uint64_t departure = 1'700'000'123'456'789'000ULL;  // ns, CLOCK_REALTIME
  std::string error;
  ASSERT_TRUE(sim_->bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
  const auto out = sim_->run_stamped(clt::test::ipv6_frame(spec), departure);
  clt::core::DecodedPacket packet;
  ASSERT_EQ(
      decode_packet(out.packet, clt::core::LinkType::kEthernet, clt::core::LayoutPolicy{}, packet),
      clt::core::DecodeError::kOk);
  EXPECT_EQ(packet.traces[0].nodes[0].timestamp_secs, 1'700'000'123u);
  EXPECT_EQ(packet.traces[0].nodes[0].timestamp_frac, 456'789u);
}

TEST_F(EncapProgram, KeepsExtensionHeadersBehindHopByHop) {
  FrameSpec spec;
  spec.extension_headers = {60, 43};  // destination options, then routing
  expect_stamped(spec, 64);
}

TEST_F(EncapProgram, LeavesExistingHopByHopAlone) {
  FrameSpec spec;
  spec.extension_headers = {0};
  expect_left_alone(spec, CLT_CNT_HAS_HOP_BY_HOP);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 0u);
}

TEST_F(EncapProgram, LeavesIpv4Alone) {
  const auto original = clt::test::ipv4_frame();
  const auto out = sim_->run(original);
  EXPECT_EQ(out.ret, 0);
  EXPECT_EQ(out.packet, original);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 0u);
}

TEST_F(EncapProgram, LeavesTinyPacketsAlone) {
  FrameSpec spec;
  auto frame = clt::test::ipv6_frame(spec);
  std::string error;
  ASSERT_TRUE(sim_->bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
  for (const std::size_t size : {clt::test::kEthernet + 40, clt::test::kEthernet + 42}) {
    frame.resize(size);  // an IPv6 header and no room for the ports
    const auto out = sim_->run(frame);
    EXPECT_EQ(out.error, 0) << size << ": " << std::strerror(out.error);
    EXPECT_EQ(out.ret, 0);
    EXPECT_EQ(out.packet, frame);
  }
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 0u);
  EXPECT_EQ(counter(CLT_CNT_NO_IDS), 2u);
}

TEST_F(EncapProgram, LeavesPacketsWithoutIdsAlone) {
  FrameSpec spec;
  const auto original = clt::test::ipv6_frame(spec);
  const auto out = sim_->run(original);
  EXPECT_EQ(out.packet, original);
  EXPECT_EQ(counter(CLT_CNT_NO_IDS), 1u);
}

TEST_F(EncapProgram, LeavesDestinationsOutsideTheDomainAlone) {
  FrameSpec spec;
  spec.dst = clt::test::kOutside;
  expect_left_alone(spec, CLT_CNT_OUTSIDE_DOMAIN);
}

TEST_F(EncapProgram, SkipsAndCountsWhatWouldExceedTheMtu) {
  FrameSpec spec;
  spec.payload = 1500 - 40 - 20;  // a full-size segment
  expect_left_alone(spec, CLT_CNT_TOO_BIG);

  FrameSpec fits;
  fits.payload = 1500 - 40 - 20 - header_size();
  const auto stamped = run_bound(fits);
  EXPECT_EQ(stamped.packet.size(), clt::test::kEthernet + 1500);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 1u);
}

// A test run cannot mark a packet as TCP GSO (the context has no gso_type),
// and the kernel resizes only TCP GSO packets: this one must come out
// untouched and counted. TCP GSO itself is checked end to end on the kernel
// (datapath_kernel test: bulk transfers with segmentation offload on).
TEST_F(EncapProgram, SendsGsoPacketsItCannotResizeUnchanged) {
  FrameSpec spec;
  spec.payload = 2 * 1428;
  const auto original = clt::test::ipv6_frame(spec);
  const auto out = run_bound(spec, 1428);
  EXPECT_EQ(out.packet, original);
  EXPECT_EQ(counter(CLT_CNT_ERROR), 1u);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 0u);
}

// A socket that reserved room: the placeholder becomes the Hop-by-Hop
// header in place, with the ids bound now (here to the flow, as a test run
// has no socket storage), not those of the span that reserved it, so the
// packet keeps its size and needs no new buffer.
TEST_F(EncapProgram, FillsReservedRoomInPlace) {
  for (const std::uint8_t protocol : {std::uint8_t{6}, std::uint8_t{17}}) {
    FrameSpec spec;
    spec.protocol = protocol;
    spec.hop_limit = 62;
    spec.room = header_size();
    spec.room_ids = stale_room_ids();
    std::string error;
    ASSERT_TRUE(sim_->bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
    const auto original = clt::test::ipv6_frame(spec);
    const auto out = sim_->run(original);
    EXPECT_EQ(out.ret, 0);
    ASSERT_EQ(out.packet.size(), original.size()) << int{protocol};
    const std::size_t upper = clt::test::kEthernet + clt::test::kIpv6 + spec.room;
    EXPECT_EQ(
        std::memcmp(out.packet.data() + upper, original.data() + upper, original.size() - upper),
        0);
    EXPECT_EQ(out.packet[clt::test::kEthernet + 6], 0);  // Hop-by-Hop
    EXPECT_EQ(out.packet[clt::test::kEthernet + clt::test::kIpv6], protocol);
    expect_stamped_trace(out.packet, 62);
  }
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 2u);
  EXPECT_EQ(counter(CLT_CNT_ROOM_REMOVED), 0u);
}

// Where the packet may not carry IOAM, the placeholder is taken out: the
// packet leaves exactly as it would have without CLT.
void expect_room_removed(EncapSimulator& sim, FrameSpec spec, clt_counter reason, std::size_t room,
                         bool bound = true) {
  FrameSpec without = spec;
  spec.room = room;
  spec.room_ids = room_ids();
  std::string error;
  if (bound) {
    ASSERT_TRUE(sim.bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
  }
  const auto out = sim.run(clt::test::ipv6_frame(spec));
  EXPECT_EQ(out.ret, 0);
  EXPECT_EQ(out.packet, clt::test::ipv6_frame(without));
  EXPECT_EQ(sim.counters()[CLT_CNT_ROOM_REMOVED], 1u);
  EXPECT_EQ(sim.counters()[reason], 1u);
  EXPECT_EQ(sim.counters()[CLT_CNT_STAMPED], 0u);
}

TEST_F(EncapProgram, RemovesReservedRoomOutsideTheDomain) {
  FrameSpec spec;
  spec.dst = clt::test::kOutside;
  expect_room_removed(*sim_, spec, CLT_CNT_OUTSIDE_DOMAIN, header_size());
}

// Between spans a TCP socket keeps its room with no ids bound, and an agent
// that restarted has lost the bindings: the room carries no ids to stamp.
TEST_F(EncapProgram, RemovesReservedRoomWithoutBoundIds) {
  FrameSpec spec;
  expect_room_removed(*sim_, spec, CLT_CNT_NO_IDS, header_size(), false);
}

TEST_F(EncapProgram, RemovesReservedRoomOfAnotherSize) {
  FrameSpec spec;
  spec.protocol = 17;
  expect_room_removed(*sim_, spec, CLT_CNT_ERROR, header_size() + 8);
}

// A routing header that is not a placeholder is the application's own.
TEST_F(EncapProgram, LeavesOtherRoutingHeadersAlone) {
  FrameSpec spec;
  spec.extension_headers = {43};
  const auto original = clt::test::ipv6_frame(spec);
  const auto out = sim_->run(original);
  EXPECT_EQ(out.packet, original);
  EXPECT_EQ(counter(CLT_CNT_ROOM_REMOVED), 0u);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 0u);
}

TEST(EncapProgramConfig, SixtyFourBitIdsAndNoOwnEntry) {
  clt::encap::Config config;
  config.own_entry = false;
  config.slots = 3;
  std::string error;
  auto sim = EncapSimulator::create(config, node_facts(), kLoopback, error);
  ASSERT_TRUE(sim) << error;
  FrameSpec spec;
  ASSERT_TRUE(sim->bind_flow(clt::test::flow_of(spec), kTrace, kSpan, error)) << error;
  const auto out = sim->run(clt::test::ipv6_frame(spec));
  clt::core::DecodedPacket packet;
  ASSERT_EQ(
      decode_packet(out.packet, clt::core::LinkType::kEthernet, clt::core::LayoutPolicy{}, packet),
      clt::core::DecodeError::kOk);
  EXPECT_EQ(packet.traces[0].node_count, 0);
  EXPECT_EQ(packet.traces[0].remaining_len, (24 + 3 * 24) / 4);
  EXPECT_EQ(packet.traces[0].trace_id, kTrace);
}

}  // namespace
