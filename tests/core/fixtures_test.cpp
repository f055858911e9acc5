// The real captures in tests/data, decoded by the core and checked against
// what was sent (manifest.json) and against the labels of malformed.pcap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/packet.h"
#include "decode/pcap_reader.h"

namespace core = clt::core;
using nlohmann::json;

namespace {

std::string data_path(const std::string& name) {
  return std::string(CLT_TEST_DATA) + "/" + name;
}

json load_json(const std::string& name) {
  std::ifstream in(data_path(name));
  return json::parse(in);
}

struct FrameResult {
  core::DecodeError error;
  std::vector<core::Trace> traces;
  std::int64_t time_sec;
};

std::vector<FrameResult> decode_file(const std::string& name, core::Layout layout) {
  std::string err;
  auto reader = clt::decode::PcapReader::open(data_path(name), err);
  EXPECT_TRUE(reader) << err;
  std::vector<FrameResult> out;
  if (!reader) return out;
  core::LayoutPolicy policy(layout);
  auto pkt = std::make_unique<core::DecodedPacket>();
  while (auto f = reader->next()) {
    FrameResult r;
    r.error = core::decode_packet(f->bytes, *reader->link_type(), policy, *pkt);
    r.time_sec = f->time_sec;
    for (std::size_t i = 0; i < pkt->trace_count; ++i) r.traces.push_back(pkt->traces[i]);
    out.push_back(std::move(r));
  }
  return out;
}

// What a chain of stock-kernel routers leaves in the option (CLT layout):
// each writes NodeLen (+ its opaque snapshot) words if RemainingLen allows.
struct Expected {
  int nodes = 0;
  bool overflow = false;
  bool ids_intact = true;
};

Expected simulate(int routers, int slots, int node_len, int opaque_words, bool clt) {
  Expected e;
  int rem = (clt ? 6 : 0) + slots * node_len;
  for (int r = 0; r < routers; ++r) {
    const int size = node_len + opaque_words;
    if (rem < size) {
      e.overflow = true;
      break;
    }
    rem -= size;
    ++e.nodes;
  }
  e.ids_intact = clt && rem >= 6;
  return e;
}

class Fixture : public ::testing::TestWithParam<int> {};

TEST_P(Fixture, MatchesWhatWasSent) {
  const json manifest = load_json("manifest.json");
  const json& m = manifest.at(GetParam());
  const std::string file = m.at("pcap");
  SCOPED_TRACE(file);
  const bool clt = m.at("layout") == "clt";
  const auto frames = decode_file(file, clt ? core::Layout::kClt : core::Layout::kPlain);
  const std::uint32_t type =
      static_cast<std::uint32_t>(std::stoul(m.at("trace_type").get<std::string>(), nullptr, 16));
  const int routers = m.at("routers");
  // oss.pcap: each router adds a snapshot of schema 8 with 16 bytes of data
  // (4-byte header + 16 bytes = 5 words), not counted in NodeLen.
  const int opaque_words = (type & core::trace_bits::kOpaqueStateSnapshot) ? 5 : 0;
  const Expected want = simulate(routers, m.at("slots"), m.at("node_len"), opaque_words, clt);

  std::set<std::string> sent;
  for (const auto& s : m.at("spans")) {
    if (!s.at("trace_id").is_null())
      sent.insert(s.at("trace_id").get<std::string>() + "/" + s.at("span_id").get<std::string>());
  }
  std::set<std::string> seen;
  int traces = 0;
  for (const auto& f : frames) {
    if (f.error != core::DecodeError::kOk) {
      EXPECT_TRUE(core::is_not_ioam(f.error)) << core::to_string(f.error);
      continue;
    }
    for (const auto& t : f.traces) {
      ++traces;
      EXPECT_EQ(t.namespace_id, m.at("namespace").get<int>());
      EXPECT_EQ(t.trace_type, type);
      EXPECT_EQ(t.node_len, m.at("node_len").get<int>());
      EXPECT_EQ(t.flags.overflow, want.overflow);
      EXPECT_EQ(t.ids_intact, want.ids_intact);
      if (t.ids_intact) {
        const std::string ids = core::to_hex(t.trace_id) + "/" + core::to_hex(t.span_id);
        EXPECT_TRUE(sent.count(ids)) << "unexpected ids " << ids;
        seen.insert(ids);
      }
      ASSERT_EQ(t.node_count, want.nodes);
      for (int i = 0; i < t.node_count; ++i) {
        const core::NodeData& n = t.nodes[i];
        const std::uint32_t node_id = 2 + i;  // the sender is node 1
        const std::uint32_t k = 1 + i;        // k-th node after the sender
        if (type & core::trace_bits::kHopLimitNodeId) {
          EXPECT_EQ(n.id, node_id);
          EXPECT_EQ(n.hop_limit, 64 - k);
        }
        if (type & core::trace_bits::kIngressEgress) {
          EXPECT_EQ(n.ingress_id, 10 * node_id + 1);
          EXPECT_EQ(n.egress_id, 10 * node_id + 2);
        }
        if (type & core::trace_bits::kNamespaceData) {
          EXPECT_EQ(n.namespace_data, 0xa0000000 + k);
        }
        if (type & core::trace_bits::kNamespaceDataWide) {
          EXPECT_EQ(n.namespace_data_wide, 0x0b00000000000000ULL + k);
        }
        if (type & core::trace_bits::kTimestampSecs) {
          EXPECT_LE(std::llabs(static_cast<long long>(n.timestamp_secs) - f.time_sec), 2);
        }
        if (type & core::trace_bits::kTimestampFrac) {
          EXPECT_LT(n.timestamp_frac, 1000000u);
        }
      }
    }
  }
  EXPECT_GT(traces, 0);
  if (want.ids_intact) {
    EXPECT_EQ(seen, sent);
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, Fixture, ::testing::Range(0, 9));

TEST(Fixtures, ManifestListsNineCaptures) {
  EXPECT_EQ(load_json("manifest.json").size(), 9u);
}

TEST(Malformed, EveryLabelGivesItsTypedResult) {
  using E = core::DecodeError;
  // Index = frame - 1, as in malformed.pcap.json.
  const E want[] = {E::kOk,
                    E::kHopByHopExceedsPacket,
                    E::kOptionExceedsHopByHop,
                    E::kIoamOptionTooShort,
                    E::kNodeLenZero,
                    E::kRemainingLenExceedsData,
                    E::kNodeDataNotMultiple,
                    E::kUnsupportedIoamType,
                    E::kIncrementalTrace,
                    E::kTruncatedIpv6Header,
                    E::kPayloadLengthExceedsCapture,
                    E::kNoHopByHop,
                    E::kOpaqueExceedsOption,
                    E::kOk,
                    E::kOk,
                    E::kEmptyPacket};
  const json labels = load_json("malformed.pcap.json");
  const auto frames = decode_file("malformed.pcap", core::Layout::kClt);
  ASSERT_EQ(frames.size(), std::size(want));
  ASSERT_EQ(labels.size(), std::size(want));
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].error, want[i])
        << "frame " << i + 1 << " (" << labels.at(std::to_string(i)).get<std::string>() << "): got "
        << core::to_string(frames[i].error);
  }
  ASSERT_EQ(frames[0].traces.size(), 1u);
  EXPECT_EQ(frames[0].traces[0].node_count, 2);
  EXPECT_TRUE(frames[0].traces[0].ids_intact);
  // Two IOAM options in one Hop-by-Hop header: both decoded.
  ASSERT_EQ(frames[13].traces.size(), 2u);
  EXPECT_EQ(frames[13].traces[0].namespace_id, 123);
  EXPECT_EQ(frames[13].traces[1].namespace_id, 9);
  // Undefined bits 12-21 are skipped: node ids still line up.
  ASSERT_EQ(frames[14].traces.size(), 1u);
  EXPECT_EQ(frames[14].traces[0].node_len, 2);
  ASSERT_GE(frames[14].traces[0].node_count, 1);
}

// A capture taken with a snap length (here 200 bytes: 136 of them are the
// Hop-by-Hop header, the TCP segment behind it is cut) keeps each packet's
// first bytes and its length on the wire: the IOAM data decodes as from the
// whole packet, marked truncated, while a frame cut inside its Hop-by-Hop
// header says to capture more, and one without its wire length is refused.
TEST(SnapLength, TruncatedFramesDecodeWhenTheirHopByHopHeaderIsWhole) {
  std::string err;
  auto reader = clt::decode::PcapReader::open(data_path("basic-tcp.pcap"), err);
  ASSERT_TRUE(reader) << err;
  const core::LayoutPolicy policy(core::Layout::kClt);
  auto whole = std::make_unique<core::DecodedPacket>();
  auto cut = std::make_unique<core::DecodedPacket>();
  int truncated = 0;
  while (auto f = reader->next()) {
    const auto link = *reader->link_type();
    if (core::decode_packet(f->bytes, link, policy, *whole) != core::DecodeError::kOk) continue;
    EXPECT_FALSE(whole->truncated);
    const auto snap = f->bytes.first(std::min<std::size_t>(f->bytes.size(), 200));
    ASSERT_EQ(core::decode_packet(snap, link, policy, *cut, f->bytes.size()),
              core::DecodeError::kOk);
    EXPECT_EQ(cut->truncated, f->bytes.size() > 200);
    ASSERT_EQ(cut->trace_count, whole->trace_count);
    EXPECT_EQ(cut->traces[0].trace_id, whole->traces[0].trace_id);
    EXPECT_EQ(cut->traces[0].node_count, whole->traces[0].node_count);
    EXPECT_EQ(cut->traces[0].nodes[0].timestamp_frac, whole->traces[0].nodes[0].timestamp_frac);
    if (!cut->truncated) continue;
    ++truncated;
    EXPECT_EQ(core::decode_packet(snap, link, policy, *cut),
              core::DecodeError::kPayloadLengthExceedsCapture);
    const auto inside = f->bytes.first(14 + 40 + 12);
    EXPECT_EQ(core::decode_packet(inside, link, policy, *cut, f->bytes.size()),
              core::DecodeError::kHopByHopNotCaptured);
    // A payload length beyond even the wire length is malformed, not cut.
    EXPECT_EQ(core::decode_packet(snap, link, policy, *cut, snap.size() + 1),
              core::DecodeError::kPayloadLengthExceedsCapture);
  }
  EXPECT_GT(truncated, 0) << "basic-tcp.pcap has no packet longer than 200 bytes";
}

}  // namespace
