// Encode -> decode round trips through the core, field by field.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "core/encode.h"
#include "core/packet.h"
#include "core/trace_type.h"

namespace core = clt::core;
using core::trace_bits::bit;

namespace {

core::TraceId make_trace_id(bool wide) {
  core::TraceId id{};
  for (int i = 0; i < 16; ++i) id[i] = static_cast<std::uint8_t>(wide || i >= 8 ? 0x10 + i : 0);
  return id;
}
core::SpanId make_span_id() {
  return {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
}

core::NodeData make_node(std::uint32_t k) {
  core::NodeData n;
  n.hop_limit = static_cast<std::uint8_t>(64 - k);
  n.id = 0x010000 + k;
  n.ingress_id = static_cast<std::uint16_t>(10 * k + 1);
  n.egress_id = static_cast<std::uint16_t>(10 * k + 2);
  n.timestamp_secs = 1700000000 + k;
  n.timestamp_frac = 1000 * k;
  n.transit_delay = 7 * k;
  n.namespace_data = 0xa0000000 + k;
  n.queue_depth = 100 + k;
  n.checksum_complement = 0xc0000000 + k;
  n.id_wide = 0x00112233445500ULL + k;
  n.ingress_id_wide = 0x100000 + k;
  n.egress_id_wide = 0x200000 + k;
  n.namespace_data_wide = 0x0b00000000000000ULL + k;
  n.buffer_occupancy = 300 + k;
  return n;
}

// Builds an IPv6 packet: header + Hop-by-Hop + 8 bytes of UDP.
std::vector<std::uint8_t> make_packet(std::span<const std::uint8_t> hbh) {
  std::vector<std::uint8_t> p(40 + hbh.size() + 8, 0);
  p[0] = 0x60;
  const std::size_t payload = hbh.size() + 8;
  p[4] = static_cast<std::uint8_t>(payload >> 8);
  p[5] = static_cast<std::uint8_t>(payload);
  p[6] = 0;  // Hop-by-Hop
  p[7] = 64;
  p[8] = 0xfd;
  p[23] = 1;
  p[24] = 0xfd;
  p[39] = 2;
  std::memcpy(p.data() + 40, hbh.data(), hbh.size());
  p[40] = 17;  // UDP after the Hop-by-Hop header
  return p;
}

// The header built for spec (128-bit ids, no own entry) inside an IPv6
// packet; empty, with a test failure, if the encoder refuses spec.
std::vector<std::uint8_t> encoded_packet(const core::HopByHopSpec& spec) {
  std::array<std::uint8_t, 256> buf{};
  std::size_t len = 0;
  const auto e =
      core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), nullptr, buf, len);
  if (e != core::EncodeError::kOk) {
    ADD_FAILURE() << "encode: " << core::to_string(e);
    return {};
  }
  return make_packet(std::span(buf.data(), len));
}

// Simulates a stock-kernel transit node: writes its entry at
// data + RemainingLen*4 - NodeLen*4 and decrements RemainingLen, or sets the
// Overflow flag when there is no room (as Linux does). The published CLT
// kernel patch does the same with its data area after the ids
// (data_offset 24), which RemainingLen does not count.
void kernel_fill(std::vector<std::uint8_t>& pkt, const core::NodeData& node,
                 std::size_t data_offset = 0) {
  std::uint8_t* trace = pkt.data() + 40 + core::kHbhTraceHeaderOffset;
  const std::uint8_t node_len = trace[2] >> 3;
  std::uint8_t rem = trace[3] & 0x7f;
  const std::uint32_t type = (std::uint32_t{trace[4]} << 16) | (trace[5] << 8) | trace[6];
  if (rem < node_len) {
    trace[2] |= 0x04;  // Overflow: the first of the four flag bits, after NodeLen
    return;
  }
  std::uint8_t* slot = trace + 8 + data_offset + rem * 4 - node_len * 4;
  core::encode_node(node, type, slot);
  rem = static_cast<std::uint8_t>(rem - node_len);
  trace[3] = static_cast<std::uint8_t>((trace[3] & 0x80) | rem);
}

void patched_kernel_fill(std::vector<std::uint8_t>& pkt, const core::NodeData& node) {
  kernel_fill(pkt, node, 24);
}

struct Decoded {
  core::DecodeError error;
  std::unique_ptr<core::DecodedPacket> packet = std::make_unique<core::DecodedPacket>();
};

Decoded decode(const std::vector<std::uint8_t>& pkt, core::Layout layout = core::Layout::kClt) {
  Decoded d;
  core::LayoutPolicy policy(layout);
  d.error = core::decode_packet(pkt, core::LinkType::kIpv6, policy, *d.packet);
  return d;
}

void expect_node_eq(const core::NodeData& got, const core::NodeData& want, std::uint32_t type) {
  if (type & (bit(0) | bit(8))) {
    EXPECT_EQ(got.hop_limit, want.hop_limit);
  }
  if (type & bit(0)) {
    EXPECT_EQ(got.id, want.id);
  }
  if (type & bit(1)) {
    EXPECT_EQ(got.ingress_id, want.ingress_id);
    EXPECT_EQ(got.egress_id, want.egress_id);
  }
  if (type & bit(2)) {
    EXPECT_EQ(got.timestamp_secs, want.timestamp_secs);
  }
  if (type & bit(3)) {
    EXPECT_EQ(got.timestamp_frac, want.timestamp_frac);
  }
  if (type & bit(4)) {
    EXPECT_EQ(got.transit_delay, want.transit_delay);
  }
  if (type & bit(5)) {
    EXPECT_EQ(got.namespace_data, want.namespace_data);
  }
  if (type & bit(6)) {
    EXPECT_EQ(got.queue_depth, want.queue_depth);
  }
  if (type & bit(7)) {
    EXPECT_EQ(got.checksum_complement, want.checksum_complement);
  }
  if (type & bit(8)) {
    EXPECT_EQ(got.id_wide, want.id_wide);
  }
  if (type & bit(9)) {
    EXPECT_EQ(got.ingress_id_wide, want.ingress_id_wide);
    EXPECT_EQ(got.egress_id_wide, want.egress_id_wide);
  }
  if (type & bit(10)) {
    EXPECT_EQ(got.namespace_data_wide, want.namespace_data_wide);
  }
  if (type & bit(11)) {
    EXPECT_EQ(got.buffer_occupancy, want.buffer_occupancy);
  }
}

class EveryTraceTypeBit : public ::testing::TestWithParam<int> {};

TEST_P(EveryTraceTypeBit, RoundTripsThroughThreeKernelNodes) {
  const int b = GetParam();
  // Each bit alone (plus bit 0 so nodes are identifiable), both id widths.
  for (bool wide_trace_id : {true, false}) {
    core::HopByHopSpec spec;
    spec.trace_type = bit(0) | bit(b);
    spec.slots = 4;
    std::array<std::uint8_t, 256> buf{};
    std::size_t len = 0;
    const auto tid = make_trace_id(wide_trace_id);
    ASSERT_EQ(core::encode_hop_by_hop(spec, tid, make_span_id(), nullptr, buf, len),
              core::EncodeError::kOk);
    ASSERT_EQ(len % 8, 0u);
    auto pkt = make_packet(std::span(buf.data(), len));
    for (std::uint32_t k = 1; k <= 3; ++k) kernel_fill(pkt, make_node(k));
    auto d = decode(pkt);
    ASSERT_EQ(d.error, core::DecodeError::kOk) << core::to_string(d.error);
    ASSERT_EQ(d.packet->trace_count, 1);
    const core::Trace& t = d.packet->traces[0];
    EXPECT_EQ(t.trace_type, spec.trace_type);
    EXPECT_EQ(t.namespace_id, 123);
    EXPECT_TRUE(t.ids_intact);
    EXPECT_EQ(t.trace_id, tid);
    EXPECT_EQ(t.span_id, make_span_id());
    EXPECT_FALSE(t.flags.overflow);
    ASSERT_EQ(t.node_count, 3);
    for (std::uint32_t k = 1; k <= 3; ++k) {
      SCOPED_TRACE(k);
      expect_node_eq(t.nodes[k - 1], make_node(k), spec.trace_type);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bits0To21, EveryTraceTypeBit, ::testing::Range(0, 22));

TEST(Wire, AllDefinedBitsTogether) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xfff000;
  spec.slots = 2;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  kernel_fill(pkt, make_node(1));
  kernel_fill(pkt, make_node(2));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_EQ(t.node_len, 15);
  ASSERT_EQ(t.node_count, 2);
  expect_node_eq(t.nodes[0], make_node(1), spec.trace_type);
  expect_node_eq(t.nodes[1], make_node(2), spec.trace_type);
  EXPECT_TRUE(t.ids_intact);
}

TEST(Wire, UndefinedBitsAreSkipped) {
  // Bits 12-21 occupy 4 bytes each between buffer occupancy and the snapshot.
  core::HopByHopSpec spec;
  spec.trace_type = bit(0) | bit(13) | bit(17) | bit(6);
  spec.slots = 3;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  kernel_fill(pkt, make_node(1));
  kernel_fill(pkt, make_node(2));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_EQ(t.node_len, 4);
  ASSERT_EQ(t.node_count, 2);
  expect_node_eq(t.nodes[0], make_node(1), spec.trace_type);
  expect_node_eq(t.nodes[1], make_node(2), spec.trace_type);
}

TEST(Wire, OpaqueStateSnapshot) {
  core::HopByHopSpec spec;
  spec.trace_type = bit(0) | core::trace_bits::kOpaqueStateSnapshot;
  spec.slots = 2;
  spec.opaque_words_per_slot = 3;  // 4-byte OSS header + 8 bytes of schema data
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  // A kernel node with a schema: fixed part, then len(words)=2, schema 0x000042, 8 bytes.
  std::uint8_t* trace = pkt.data() + 40 + core::kHbhTraceHeaderOffset;
  std::uint8_t rem = trace[3] & 0x7f;
  ASSERT_EQ(rem, 6 + 2 * (1 + 3));
  std::uint8_t* slot = trace + 8 + rem * 4 - 4 - 12;
  core::encode_node(make_node(1), spec.trace_type, slot);
  const std::uint8_t oss[12] = {2, 0, 0, 0x42, 's', 'c', 'h', 'e', 'm', 'a', '!', 0};
  std::memcpy(slot + 4, oss, sizeof oss);
  trace[3] = static_cast<std::uint8_t>(rem - 4);
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk) << core::to_string(d.error);
  const auto& t = d.packet->traces[0];
  ASSERT_EQ(t.node_count, 1);
  EXPECT_EQ(t.nodes[0].id, make_node(1).id);
  EXPECT_EQ(t.nodes[0].oss.schema_id, 0x42u);
  ASSERT_EQ(t.nodes[0].oss.data.size(), 8u);
  EXPECT_EQ(std::memcmp(t.nodes[0].oss.data.data(), "schema!", 8), 0);
  EXPECT_TRUE(t.ids_intact);
}

TEST(Wire, OverflowWhenThePathIsLongerThanTheSlots) {
  // NodeLen 15 > 6: the kernel stops at the ids and sets Overflow.
  core::HopByHopSpec spec;
  spec.trace_type = 0xfff000;
  spec.slots = 2;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  for (std::uint32_t k = 1; k <= 3; ++k) kernel_fill(pkt, make_node(k));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_TRUE(t.flags.overflow);
  EXPECT_TRUE(t.ids_intact);
  EXPECT_EQ(t.node_count, 2);
}

TEST(Wire, IdsLostWhenSmallNodesOverwriteThem) {
  // NodeLen 1 < 6: extra nodes write over the ids without setting Overflow.
  core::HopByHopSpec spec;
  spec.trace_type = bit(0);
  spec.slots = 2;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  for (std::uint32_t k = 1; k <= 4; ++k) kernel_fill(pkt, make_node(k));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_FALSE(t.ids_intact);
  EXPECT_EQ(t.remaining_len, 4);
  ASSERT_EQ(t.node_count, 4);  // nodes are still decoded
  for (std::uint32_t k = 1; k <= 4; ++k) EXPECT_EQ(t.nodes[k - 1].id, make_node(k).id);
}

TEST(Wire, PlainLayoutHasNoIds) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xf00000;
  spec.slots = 3;
  spec.layout = core::Layout::kPlain;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  kernel_fill(pkt, make_node(1));
  auto d = decode(pkt, core::Layout::kPlain);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_FALSE(t.ids_intact);
  EXPECT_EQ(t.remaining_len, 8);
  ASSERT_EQ(t.node_count, 1);
  expect_node_eq(t.nodes[0], make_node(1), spec.trace_type);
}

// The transport ports right after the Hop-by-Hop header (what tells a
// request from a response on the receiving node), for TCP and UDP only.
TEST(Wire, TransportPortsAfterTheHopByHopHeader) {
  core::HopByHopSpec spec;
  auto pkt = encoded_packet(spec);
  ASSERT_FALSE(pkt.empty());
  const std::size_t transport = pkt.size() - 8;
  pkt[transport] = 0x9c;  // 40000
  pkt[transport + 1] = 0x40;
  pkt[transport + 2] = 0x1f;  // 8080
  pkt[transport + 3] = 0x90;
  for (const std::uint8_t protocol : {std::uint8_t{6}, std::uint8_t{17}}) {
    pkt[40] = protocol;
    auto d = decode(pkt);
    ASSERT_EQ(d.error, core::DecodeError::kOk);
    EXPECT_TRUE(d.packet->has_ports);
    EXPECT_EQ(d.packet->upper_protocol, protocol);
    EXPECT_EQ(d.packet->src_port, 40000);
    EXPECT_EQ(d.packet->dst_port, 8080);
  }
  pkt[40] = 58;  // ICMPv6: no ports
  EXPECT_FALSE(decode(pkt).packet->has_ports);
  pkt[40] = 6;
  pkt.resize(pkt.size() - 6);  // two bytes of TCP: not enough for both ports
  pkt[5] = static_cast<std::uint8_t>(pkt[5] - 6);
  auto short_one = decode(pkt);
  ASSERT_EQ(short_one.error, core::DecodeError::kOk);
  EXPECT_FALSE(short_one.packet->has_ports);
}

TEST(Wire, PublishedLayoutKeepsTheIdsOutsideRemainingLen) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xf00000;
  spec.slots = 3;
  spec.layout = core::Layout::kPublished;
  std::array<std::uint8_t, 256> buf{};
  std::size_t len = 0;
  const core::NodeData own = make_node(1);
  ASSERT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), &own, buf, len),
            core::EncodeError::kOk);
  auto pkt = make_packet(std::span(buf.data(), len));
  patched_kernel_fill(pkt, make_node(2));
  patched_kernel_fill(pkt, make_node(3));
  auto d = decode(pkt, core::Layout::kPublished);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  EXPECT_EQ(t.remaining_len, 0);  // all three slots filled; the ids were never counted
  EXPECT_TRUE(t.ids_intact);
  EXPECT_EQ(t.trace_id, make_trace_id(true));
  EXPECT_EQ(t.span_id, make_span_id());
  ASSERT_EQ(t.node_count, 3);
  for (std::uint32_t k = 1; k <= 3; ++k)
    expect_node_eq(t.nodes[k - 1], make_node(k), spec.trace_type);
  // The same bytes read as clt's layout: RemainingLen 0 says the ids are gone.
  EXPECT_FALSE(decode(pkt).packet->traces[0].ids_intact);
}

TEST(Wire, LayoutNames) {
  for (const auto layout : {core::Layout::kClt, core::Layout::kPlain, core::Layout::kPublished})
    EXPECT_EQ(core::parse_layout(core::layout_name(layout)), layout);
  EXPECT_FALSE(core::parse_layout("patched"));
}

TEST(Wire, LayoutIsPerNamespace) {
  core::LayoutPolicy policy;
  EXPECT_TRUE(policy.set(7, core::Layout::kPlain));
  EXPECT_EQ(policy.layout_for(7), core::Layout::kPlain);
  EXPECT_EQ(policy.layout_for(123), core::Layout::kClt);
  core::LayoutPolicy plain_default(core::Layout::kPlain);
  EXPECT_TRUE(plain_default.set(123, core::Layout::kClt));
  EXPECT_EQ(plain_default.layout_for(123), core::Layout::kClt);
  EXPECT_EQ(plain_default.layout_for(1), core::Layout::kPlain);
}

TEST(Wire, OwnEntryIsTheFirstNodeOnThePath) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xf60000;
  spec.slots = 3;
  std::array<std::uint8_t, 256> buf{};
  std::size_t len = 0;
  const core::NodeData own = make_node(1);
  ASSERT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), &own, buf, len),
            core::EncodeError::kOk);
  auto pkt = make_packet(std::span(buf.data(), len));
  kernel_fill(pkt, make_node(2));
  kernel_fill(pkt, make_node(3));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  const auto& t = d.packet->traces[0];
  ASSERT_EQ(t.node_count, 3);
  for (std::uint32_t k = 1; k <= 3; ++k)
    expect_node_eq(t.nodes[k - 1], make_node(k), spec.trace_type);
  EXPECT_TRUE(t.ids_intact);
  EXPECT_EQ(t.remaining_len, 6);
}

TEST(Encode, LayoutAndAlignment) {
  core::HopByHopSpec spec;  // defaults: ns 123, 0xf60000, 4 slots
  std::array<std::uint8_t, 256> buf{};
  std::size_t len = 0;
  ASSERT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), nullptr, buf, len),
            core::EncodeError::kOk);
  // 4 (NH, len, PadN) + 2 + OptLen(2 + 8 + 24 + 4*24 = 130) = 136 bytes.
  EXPECT_EQ(len, 136u);
  EXPECT_EQ(buf[1], 136 / 8 - 1);
  EXPECT_EQ(buf[2], 1);  // PadN
  EXPECT_EQ(buf[3], 0);
  EXPECT_EQ(buf[4], 0x31);
  EXPECT_EQ(buf[5], 130);
  EXPECT_EQ((40 + core::kHbhOptionOffset) % 4, 0u);  // option starts 4n from the IPv6 header
  EXPECT_EQ(buf[11], 6 + 4 * 6);                     // RemainingLen counts the ids
  EXPECT_EQ(std::memcmp(buf.data() + core::kHbhTraceIdOffset, make_trace_id(true).data(), 16), 0);
}

TEST(Encode, PadsToEightBytes) {
  for (int slots = 1; slots <= 10; ++slots) {
    core::HopByHopSpec spec;
    spec.trace_type = bit(0);
    spec.slots = static_cast<std::uint8_t>(slots);
    std::array<std::uint8_t, 256> buf{};
    std::size_t len = 0;
    ASSERT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), nullptr, buf, len),
              core::EncodeError::kOk);
    EXPECT_EQ(len % 8, 0u);
    EXPECT_EQ(len, core::hop_by_hop_size(spec));
    auto pkt = make_packet(std::span(buf.data(), len));
    auto d = decode(pkt);
    EXPECT_EQ(d.error, core::DecodeError::kOk) << slots;
  }
}

TEST(Encode, RefusesWhatDoesNotFitAndSaysWhatFits) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xfff000;  // 60 bytes a node
  spec.slots = 4;
  std::array<std::uint8_t, 512> buf{};
  std::size_t len = 0;
  EXPECT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), nullptr, buf, len),
            core::EncodeError::kTooLarge);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(core::max_slots(spec), 3);  // 34 + 3*60 = 214 <= 255
  const std::string msg = core::describe(core::EncodeError::kTooLarge, spec);
  EXPECT_NE(msg.find("at most 3 slots"), std::string::npos) << msg;
  spec.slots = 3;
  EXPECT_EQ(core::validate(spec), core::EncodeError::kOk);

  spec.trace_type = 0;
  EXPECT_EQ(core::validate(spec), core::EncodeError::kEmptyTraceType);
  spec.trace_type = 0x800001;
  EXPECT_EQ(core::validate(spec), core::EncodeError::kReservedBit);
  spec.trace_type = 0x800000;
  spec.slots = 0;
  EXPECT_EQ(core::validate(spec), core::EncodeError::kNoSlots);
}

TEST(Encode, BufferTooSmall) {
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 16> small{};
  std::size_t len = 99;
  EXPECT_EQ(core::encode_hop_by_hop(spec, make_trace_id(true), make_span_id(), nullptr, small, len),
            core::EncodeError::kBufferTooSmall);
  EXPECT_EQ(len, 0u);
}

TEST(Encode, SetCltIdsRewritesInPlace) {
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 256> buf{};
  std::size_t len = 0;
  ASSERT_EQ(core::encode_hop_by_hop(spec, core::TraceId{}, core::SpanId{}, nullptr, buf, len),
            core::EncodeError::kOk);
  core::set_clt_ids(std::span(buf.data(), len), make_trace_id(false), make_span_id());
  auto pkt = make_packet(std::span(buf.data(), len));
  auto d = decode(pkt);
  ASSERT_EQ(d.error, core::DecodeError::kOk);
  EXPECT_EQ(d.packet->traces[0].trace_id, make_trace_id(false));
  EXPECT_EQ(d.packet->traces[0].span_id, make_span_id());
}

TEST(Ids, HexRoundTrip) {
  auto id = core::parse_trace_id("0102030405060708090A0b0c0d0e0f10");
  ASSERT_TRUE(id);
  EXPECT_EQ(core::to_hex(*id), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_FALSE(core::parse_trace_id("0102"));
  EXPECT_FALSE(core::parse_span_id("zz02030405060708"));
  auto s = core::parse_span_id("a1b2c3d4e5f60718");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, make_span_id());
}

}  // namespace
