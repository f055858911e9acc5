// The header enable installs, decoded back with the core as a receiver would.

#include <gtest/gtest.h>

#include <cstring>

#include "core/ids.h"
#include "core/ioam_trace.h"
#include "encap/clt_socket.h"

namespace {

using clt::encap::Config;
using clt::encap::Encapsulator;
using clt::encap::NodeFacts;

NodeFacts athos_facts() {
  NodeFacts f;
  f.node_id = 1;
  f.namespace_data = 0xa0000001;
  clt::encap::InterfaceFacts eth0;
  eth0.name = "eth0";
  eth0.index = 2;
  eth0.ioam_id = 11;
  eth0.addresses.push_back(clt::encap::Prefix::parse("fd00:1::1")->address);
  f.interfaces.push_back(eth0);
  return f;
}

const auto kTrace = *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c");
const auto kSpan = *clt::core::parse_span_id("b7ad6b7169203331");

clt::core::Trace decode(const std::uint8_t* hbh, std::size_t len) {
  // The IOAM option starts after NH, Len and the 2-byte PadN.
  clt::core::Trace t;
  const std::size_t opt_len = std::size_t{hbh[5]} + 2;
  EXPECT_LE(4 + opt_len, len);
  EXPECT_EQ(clt::core::decode_trace_option({hbh + 4, opt_len}, clt::core::Layout::kClt, t),
            clt::core::DecodeError::kOk);
  return t;
}

TEST(EncapHeader, OwnEntryIsTheFirstNodeWithThisNodesFacts) {
  std::string error;
  auto e = Encapsulator::create(Config{}, athos_facts(), error);
  ASSERT_TRUE(e) << error;
  std::uint8_t buf[264];
  const auto local = clt::encap::Prefix::parse("fd00:1::1")->address;
  const std::size_t n = e->build_header(kTrace, kSpan, local, 64, buf, sizeof buf);
  ASSERT_EQ(n, e->header_size());
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(buf[1], n / 8 - 1);
  EXPECT_EQ(buf[2], 1) << "PadN keeps the IOAM option 4n-aligned";
  const auto t = decode(buf, n);
  EXPECT_EQ(t.namespace_id, 123);
  EXPECT_EQ(t.trace_type, 0xf60000u);
  EXPECT_TRUE(t.ids_intact);
  EXPECT_EQ(clt::core::to_hex(t.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(clt::core::to_hex(t.span_id), "b7ad6b7169203331");
  ASSERT_EQ(t.node_count, 1);
  EXPECT_EQ(t.nodes[0].id, 1u);
  EXPECT_EQ(t.nodes[0].hop_limit, 64);
  EXPECT_EQ(t.nodes[0].egress_id, 11);
  EXPECT_EQ(t.nodes[0].ingress_id, 0xffff);
  EXPECT_EQ(t.nodes[0].namespace_data, 0xa0000001u);
  // Three free slots of six words, plus the ids' six words.
  EXPECT_EQ(t.remaining_len, 6 + 3 * 6);
}

TEST(EncapHeader, UnknownSourceAddressGivesAnUnavailableEgress) {
  std::string error;
  auto e = Encapsulator::create(Config{}, athos_facts(), error);
  std::uint8_t buf[264];
  const auto local = clt::encap::Prefix::parse("fd00:9::9")->address;
  const auto t = decode(buf, e->build_header(kTrace, kSpan, local, 7, buf, sizeof buf));
  EXPECT_EQ(t.nodes[0].egress_id, 0xffff);
  EXPECT_EQ(t.nodes[0].hop_limit, 7);
}

TEST(EncapHeader, ConfiguredValuesOverrideTheNodesFacts) {
  Config c;
  c.node_id = 77;
  c.namespace_data = 0x12345678;
  c.namespace_id = 9;
  c.slots = 2;
  std::string error;
  auto e = Encapsulator::create(c, athos_facts(), error);
  std::uint8_t buf[264];
  const auto t = decode(buf, e->build_header(kTrace, kSpan, {}, 64, buf, sizeof buf));
  EXPECT_EQ(t.namespace_id, 9);
  EXPECT_EQ(t.nodes[0].id, 77u);
  EXPECT_EQ(t.nodes[0].namespace_data, 0x12345678u);
  EXPECT_EQ(t.remaining_len, 6 + 6);
}

TEST(EncapHeader, WithoutOwnEntryEverySlotIsFree) {
  Config c;
  c.own_entry = false;
  std::string error;
  auto e = Encapsulator::create(c, athos_facts(), error);
  std::uint8_t buf[264];
  const auto t = decode(buf, e->build_header(kTrace, kSpan, {}, 64, buf, sizeof buf));
  EXPECT_EQ(t.node_count, 0);
  EXPECT_EQ(t.remaining_len, 6 + 4 * 6);
}

TEST(EncapHeader, SixtyFourBitTraceIdsCarryOnlyTheLowHalf) {
  Config c;
  c.trace_id_bits = clt::encap::TraceIdBits::k64;
  std::string error;
  auto e = Encapsulator::create(c, athos_facts(), error);
  std::uint8_t buf[264];
  const auto t = decode(buf, e->build_header(kTrace, kSpan, {}, 64, buf, sizeof buf));
  EXPECT_EQ(clt::core::to_hex(t.trace_id), "00000000000000008448eb211c80319c");
}

TEST(EncapHeader, TooSmallBufferWritesNothing) {
  std::string error;
  auto e = Encapsulator::create(Config{}, athos_facts(), error);
  std::uint8_t buf[16];
  EXPECT_EQ(e->build_header(kTrace, kSpan, {}, 64, buf, sizeof buf), 0u);
}

TEST(EncapHeader, OpaqueSnapshotsGetTheirRoomAndTheOwnEntrySaysNoSchema) {
  Config c;
  c.trace_type = 0x800002;  // node id + opaque state snapshot
  c.slots = 3;
  c.opaque_words_per_slot = 1;
  std::string error;
  auto e = Encapsulator::create(c, athos_facts(), error);
  ASSERT_TRUE(e) << error;
  std::uint8_t buf[264];
  const auto t = decode(buf, e->build_header(kTrace, kSpan, {}, 64, buf, sizeof buf));
  ASSERT_EQ(t.node_count, 1);
  EXPECT_EQ(t.nodes[0].id, 1u);
  EXPECT_EQ(t.nodes[0].oss.schema_id, 0xffffffu);
  EXPECT_TRUE(t.ids_intact);
  // Two free slots of (1 + 1) words, plus the ids.
  EXPECT_EQ(t.remaining_len, 6 + 2 * 2);
}

}  // namespace
