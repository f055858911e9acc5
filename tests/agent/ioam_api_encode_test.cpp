#include "ioam_api/trace_mapping.h"

#include <gtest/gtest.h>

#include <memory>

#include "core/trace_type.h"

namespace clt::agent {
namespace {

using ioam_api_mapping::decode_ioam_trace;
using ioam_api_mapping::encode_ioam_trace;

std::unique_ptr<core::Trace> two_node_trace() {
  auto t = std::make_unique<core::Trace>();
  t->namespace_id = 123;
  t->trace_type = 0xf60000;
  t->node_len = 6;
  t->ids_intact = true;
  t->trace_id = *core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  t->span_id = *core::parse_span_id("00f067aa0ba902b7");
  t->node_count = 2;
  for (std::uint32_t i = 0; i < 2; ++i) {
    auto& n = t->nodes[i];
    n.id = i + 1;
    n.hop_limit = static_cast<std::uint8_t>(64 - i);
    n.ingress_id = static_cast<std::uint16_t>(10 * (i + 1) + 1);
    n.egress_id = static_cast<std::uint16_t>(10 * (i + 1) + 2);
    n.timestamp_secs = 100 + i;
    n.timestamp_frac = 200 + i;
    n.namespace_data = 0xa0000001 + i;
    n.queue_depth = 7;
    n.transit_delay = 99;  // not selected by the trace type: must not appear
  }
  return t;
}

TEST(IoamApiEncode, IdsTypeAndNodesInPathOrder) {
  auto t = two_node_trace();
  ioam_api::IOAMTrace msg;
  encode_ioam_trace(*t, msg);
  EXPECT_EQ(msg.traceid_high(), 0x4bf92f3577b34da6ULL);
  EXPECT_EQ(msg.traceid_low(), 0xa3ce929d0e0e4736ULL);
  EXPECT_EQ(msg.spanid(), 0x00f067aa0ba902b7ULL);
  EXPECT_EQ(msg.namespaceid(), 123u);
  EXPECT_EQ(msg.bitfield(), 0xf6000000u);
  ASSERT_EQ(msg.nodes_size(), 2);
  EXPECT_EQ(msg.nodes(0).id(), 1u);
  EXPECT_EQ(msg.nodes(0).hoplimit(), 64u);
  EXPECT_EQ(msg.nodes(0).ingressid(), 11u);
  EXPECT_EQ(msg.nodes(0).egressid(), 12u);
  EXPECT_EQ(msg.nodes(0).timestampsecs(), 100u);
  EXPECT_EQ(msg.nodes(0).timestampfrac(), 200u);
  EXPECT_EQ(msg.nodes(0).queuedepth(), 7u);
  EXPECT_EQ(msg.nodes(0).transitdelay(), 0u);
  EXPECT_EQ(msg.nodes(0).namespacedata(), std::string("\xa0\x00\x00\x01", 4));
  EXPECT_EQ(msg.nodes(1).id(), 2u);
  EXPECT_FALSE(msg.nodes(1).has_oss());
}

TEST(IoamApiEncode, LostIdsAreZeroAndReuseShrinksNodes) {
  auto t = two_node_trace();
  ioam_api::IOAMTrace msg;
  encode_ioam_trace(*t, msg);
  t->ids_intact = false;
  t->node_count = 1;
  encode_ioam_trace(*t, msg);
  EXPECT_EQ(msg.traceid_high(), 0u);
  EXPECT_EQ(msg.traceid_low(), 0u);
  EXPECT_EQ(msg.spanid(), 0u);
  EXPECT_EQ(msg.nodes_size(), 1);
}

TEST(IoamApiEncode, WideFieldsAndOpaqueSnapshot) {
  auto t = two_node_trace();
  using namespace core::trace_bits;
  t->trace_type =
      kHopLimitNodeIdWide | kIngressEgressWide | kNamespaceDataWide | kOpaqueStateSnapshot;
  t->node_count = 1;
  const std::uint8_t opaque[4] = {1, 2, 3, 4};
  auto& n = t->nodes[0];
  n.id_wide = 0x0001020304050607ULL;
  n.ingress_id_wide = 0x11111111;
  n.egress_id_wide = 0x22222222;
  n.namespace_data_wide = 0x0b00000000000001ULL;
  n.oss.schema_id = 42;
  n.oss.data = opaque;
  ioam_api::IOAMTrace msg;
  encode_ioam_trace(*t, msg);
  const auto& node = msg.nodes(0);
  EXPECT_EQ(node.idwide(), 0x0001020304050607ULL);
  EXPECT_EQ(node.id(), 0u);
  EXPECT_EQ(node.ingressidwide(), 0x11111111u);
  EXPECT_EQ(node.egressidwide(), 0x22222222u);
  EXPECT_EQ(node.namespacedatawide(), std::string("\x0b\0\0\0\0\0\0\x01", 8));
  EXPECT_EQ(node.oss().schemaid(), 42u);
  EXPECT_EQ(node.oss().data(), std::string("\x01\x02\x03\x04", 4));
}

TEST(IoamApiDecode, ReadsBackWhatWasEncoded) {
  const auto t = two_node_trace();
  ioam_api::IOAMTrace msg;
  encode_ioam_trace(*t, msg);
  auto back = std::make_unique<core::Trace>();
  std::string error;
  ASSERT_TRUE(decode_ioam_trace(msg, *back, error)) << error;
  EXPECT_EQ(back->trace_id, t->trace_id);
  EXPECT_EQ(back->span_id, t->span_id);
  EXPECT_TRUE(back->ids_intact);
  EXPECT_EQ(back->namespace_id, 123);
  EXPECT_EQ(back->trace_type, 0xf60000u);
  EXPECT_EQ(back->node_len, 6);
  ASSERT_EQ(back->node_count, 2);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back->nodes[i].id, t->nodes[i].id);
    EXPECT_EQ(back->nodes[i].hop_limit, t->nodes[i].hop_limit);
    EXPECT_EQ(back->nodes[i].ingress_id, t->nodes[i].ingress_id);
    EXPECT_EQ(back->nodes[i].egress_id, t->nodes[i].egress_id);
    EXPECT_EQ(back->nodes[i].timestamp_secs, t->nodes[i].timestamp_secs);
    EXPECT_EQ(back->nodes[i].timestamp_frac, t->nodes[i].timestamp_frac);
    EXPECT_EQ(back->nodes[i].namespace_data, t->nodes[i].namespace_data);
    EXPECT_EQ(back->nodes[i].queue_depth, t->nodes[i].queue_depth);
    EXPECT_EQ(back->nodes[i].transit_delay, 0u);  // not selected, not sent
  }
}

TEST(IoamApiDecode, WideFieldsOpaqueSnapshotAndLostIds) {
  auto t = two_node_trace();
  using namespace core::trace_bits;
  t->trace_type = kHopLimitNodeIdWide | kNamespaceDataWide | kOpaqueStateSnapshot;
  t->node_count = 1;
  t->ids_intact = false;
  const std::uint8_t opaque[3] = {7, 8, 9};
  t->nodes[0].id_wide = 0x0001020304050607ULL;
  t->nodes[0].namespace_data_wide = 0x0b00000000000001ULL;
  t->nodes[0].oss.schema_id = 42;
  t->nodes[0].oss.data = opaque;
  ioam_api::IOAMTrace msg;
  encode_ioam_trace(*t, msg);
  auto back = std::make_unique<core::Trace>();
  std::string error;
  ASSERT_TRUE(decode_ioam_trace(msg, *back, error)) << error;
  EXPECT_FALSE(back->ids_intact);
  EXPECT_TRUE(core::is_zero(back->trace_id));
  EXPECT_EQ(back->nodes[0].id_wide, 0x0001020304050607ULL);
  EXPECT_EQ(back->nodes[0].namespace_data_wide, 0x0b00000000000001ULL);
  EXPECT_EQ(back->nodes[0].oss.schema_id, 42u);
  ASSERT_EQ(back->nodes[0].oss.data.size(), 3u);
  EXPECT_EQ(back->nodes[0].oss.data[2], 9);
}

TEST(IoamApiDecode, RejectsWhatNoTraceCanCarry) {
  ioam_api::IOAMTrace msg;
  auto back = std::make_unique<core::Trace>();
  std::string error;
  msg.set_namespaceid(0x10000);
  EXPECT_FALSE(decode_ioam_trace(msg, *back, error));
  EXPECT_NE(error.find("16 bits"), std::string::npos) << error;
  msg.set_namespaceid(1);
  for (std::size_t i = 0; i <= core::kMaxNodes; ++i) msg.add_nodes();
  error.clear();
  EXPECT_FALSE(decode_ioam_trace(msg, *back, error));
  EXPECT_NE(error.find("at most 64"), std::string::npos) << error;
}

}  // namespace
}  // namespace clt::agent
