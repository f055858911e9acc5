// Ids read on the wire (`clt agent --traceparent`): the tc program under
// BPF_PROG_TEST_RUN on crafted HTTP/1.x requests and the packets of their
// flows, loaded as the agent loads it, each output checked with src/core's
// decoder. Needs root (CAP_BPF, CAP_NET_ADMIN): fails otherwise.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "bpf/crafted_packets.h"
#include "bpf/encap_simulator.h"
#include "bpf/program_netns.h"
#include "core/packet.h"

namespace {

using clt::bpf::EncapSimulator;
using clt::test::FrameSpec;

constexpr unsigned kLoopback = 1;

const auto* const kNetns = ::testing::AddGlobalTestEnvironment(new clt::test::PrivateNetns);

constexpr const char* kTraceA = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kParentA = "b7ad6b7169203331";
constexpr const char* kTraceB = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kParentB = "00f067aa0ba902b7";

std::string traceparent(const std::string& trace, const std::string& parent,
                        const std::string& flags = "01", const std::string& version = "00") {
  return version + "-" + trace + "-" + parent + "-" + flags;
}

std::vector<std::uint8_t> request(const std::vector<std::string>& fields,
                                  const std::string& body = "", const std::string& method = "GET") {
  std::string text = method + " /api/items HTTP/1.1\r\nHost: [fd00:2::2]:8080\r\n";
  for (const auto& f : fields) text += f + "\r\n";
  text += "\r\n" + body;
  return {text.begin(), text.end()};
}

FrameSpec segment(std::vector<std::uint8_t> payload) {
  FrameSpec spec;
  spec.payload_bytes = std::move(payload);
  if (spec.payload_bytes.empty()) spec.payload = 0;
  return spec;
}

FrameSpec ack() {
  FrameSpec spec;
  spec.payload = 0;
  spec.tcp_flags = 0x10;
  return spec;
}

class WireProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    clt::encap::NodeFacts facts;
    facts.node_id = 1;
    std::string error;
    sim_ = EncapSimulator::create(clt::encap::Config{}, facts, kLoopback, error,
                                  EncapSimulator::Ids::kWire);
    ASSERT_TRUE(sim_) << error;
  }

  std::vector<std::uint8_t> run(const FrameSpec& spec) {
    const auto out = sim_->run(clt::test::ipv6_frame(spec));
    EXPECT_EQ(out.error, 0) << std::strerror(out.error);
    EXPECT_EQ(out.ret, 0);  // TC_ACT_OK: never dropped
    return out.packet;
  }

  // The packet leaves with CLT carrying these ids, its own bytes unchanged.
  void expect_ids(const FrameSpec& spec, const char* trace, const char* parent) {
    const auto original = clt::test::ipv6_frame(spec);
    const auto out = run(spec);
    ASSERT_GT(out.size(), original.size());
    const std::size_t header = out.size() - original.size();
    EXPECT_EQ(std::memcmp(out.data() + out.size() - (original.size() - 54), original.data() + 54,
                          original.size() - 54),
              0);
    clt::core::DecodedPacket packet;
    ASSERT_EQ(clt::core::decode_packet(out, clt::core::LinkType::kEthernet,
                                       clt::core::LayoutPolicy{}, packet),
              clt::core::DecodeError::kOk)
        << header;
    ASSERT_EQ(packet.trace_count, 1);
    EXPECT_EQ(packet.traces[0].trace_id, *clt::core::parse_trace_id(trace));
    EXPECT_EQ(packet.traces[0].span_id, *clt::core::parse_span_id(parent));
    EXPECT_TRUE(packet.traces[0].ids_intact);
    EXPECT_EQ(packet.traces[0].node_count, 1);  // the sender's own entry
  }

  void expect_unchanged(const FrameSpec& spec) {
    EXPECT_EQ(run(spec), clt::test::ipv6_frame(spec));
  }

  std::uint64_t counter(clt_counter c) const { return sim_->counters()[c]; }

  std::unique_ptr<EncapSimulator> sim_;
};

TEST_F(WireProgram, SampledTraceparentBindsTheRequestBodyAndAcks) {
  expect_ids(
      segment(request({"traceparent: " + traceparent(kTraceA, kParentA)}, "{\"n\":1}", "POST")),
      kTraceA, kParentA);
  expect_ids(segment({'m', 'o', 'r', 'e', ' ', 'b', 'o', 'd', 'y'}), kTraceA, kParentA);
  expect_ids(ack(), kTraceA, kParentA);
  EXPECT_EQ(counter(CLT_CNT_HTTP_REQUESTS), 1u);
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 1u);
  EXPECT_EQ(counter(CLT_CNT_STAMPED), 3u);
}

TEST_F(WireProgram, NameIsCaseInsensitiveAndOptionalWhitespaceIsSkipped) {
  expect_ids(
      segment(request({"Accept: */*", "TraceParent:\t  " + traceparent(kTraceA, kParentA) + " \t",
                       "User-Agent: curl/7.88.1"})),
      kTraceA, kParentA);
  expect_ids(segment(request({"TRACEPARENT:" + traceparent(kTraceB, kParentB, "03")})), kTraceB,
             kParentB);
}

TEST_F(WireProgram, LaterVersionsAreReadAsVersionZero) {
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA, "01", "01") +
                              "-what-comes-next"})),
             kTraceA, kParentA);
}

TEST_F(WireProgram, UnsampledRequestGetsNoClt) {
  expect_unchanged(segment(request({"traceparent: " + traceparent(kTraceA, kParentA, "00")})));
  expect_unchanged(ack());
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_UNSAMPLED), 1u);
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 0u);
}

TEST_F(WireProgram, RequestWithoutTraceparentGetsNoClt) {
  expect_unchanged(segment(request({"Accept: */*", "tracestate: congo=t61rcWkgMzE"})));
  expect_unchanged(ack());
  EXPECT_EQ(counter(CLT_CNT_HTTP_REQUESTS), 1u);
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_ABSENT), 1u);
}

TEST_F(WireProgram, TraceparentInTheBodyIsNotAHeader) {
  expect_unchanged(segment(
      request({"Content-Length: 68"}, "x\ntraceparent: " + traceparent(kTraceA, kParentA), "PUT")));
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_ABSENT), 1u);
}

TEST_F(WireProgram, MalformedTraceparentGetsNoCltAndIsCounted) {
  const std::vector<std::string> malformed = {
      traceparent("0af7651916cd43dd8448eb211c80319g", kParentA),  // bad hex
      traceparent("0AF7651916CD43DD8448EB211C80319C", kParentA),  // uppercase hex
      traceparent("0af7651916cd43dd8448eb211c80319", kParentA),   // trace id too short
      traceparent(kTraceA, "b7ad6b716920333"),                    // parent id too short
      traceparent(kTraceA, std::string(kParentA) + "0"),          // parent id too long
      traceparent(kTraceA, kParentA, "01", "ff"),                 // version ff
      traceparent("00000000000000000000000000000000", kParentA),  // all-zero trace id
      traceparent(kTraceA, "0000000000000000"),                   // all-zero parent id
      "00_" + std::string(kTraceA) + "-" + kParentA + "-01",      // wrong separator
      "00-" + std::string(kTraceA) + "-" + kParentA,              // no flags
  };
  for (const auto& value : malformed) {
    SCOPED_TRACE(value);
    expect_unchanged(segment(request({"traceparent: " + value})));
  }
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_INVALID), malformed.size());
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 0u);
}

TEST_F(WireProgram, MalformedRequestEndsTheFlowsEarlierBinding) {
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA)})), kTraceA,
             kParentA);
  expect_unchanged(
      segment(request({"traceparent: " + traceparent(kTraceB, kParentB, "01", "ff")})));
  expect_unchanged(ack());
}

TEST_F(WireProgram, KeepAliveRequestsEachGetTheirOwnIds) {
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA)})), kTraceA,
             kParentA);
  expect_ids(ack(), kTraceA, kParentA);  // acknowledging the first response
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceB, kParentB)})), kTraceB,
             kParentB);
  expect_ids(ack(), kTraceB, kParentB);
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 2u);
}

TEST_F(WireProgram, PipelinedRequestsEachGetTheirOwnIds) {
  const char* traces[] = {kTraceA, kTraceB, kTraceA};
  const char* parents[] = {kParentA, kParentB, kParentB};
  for (int i = 0; i < 3; ++i)
    expect_ids(segment(request({"traceparent: " + traceparent(traces[i], parents[i])})), traces[i],
               parents[i]);
  EXPECT_EQ(counter(CLT_CNT_HTTP_REQUESTS), 3u);
}

TEST_F(WireProgram, NextRequestWithoutTraceparentEndsTheBinding) {
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA)})), kTraceA,
             kParentA);
  expect_unchanged(segment(request({})));
  expect_unchanged(ack());
}

TEST_F(WireProgram, FlowEndEndsTheBinding) {
  expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA)})), kTraceA,
             kParentA);
  FrameSpec fin = ack();
  fin.tcp_flags = 0x11;  // FIN ACK
  expect_unchanged(fin);
  expect_unchanged(ack());
}

TEST_F(WireProgram, TraceparentBeyondTheScannedBytesIsNotSeen) {
  const std::string filler = "X-Filler: " + std::string(CLT_WIRE_SCAN_BYTES, 'f');
  expect_unchanged(segment(request({filler, "traceparent: " + traceparent(kTraceA, kParentA)})));
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_ABSENT), 1u);
  // Just inside: the whole value and the byte after it within the scan. The
  // segment exceeds the MTU with the header (it leaves unchanged, counted),
  // but the flow is bound: its next packet carries the ids.
  const std::string head = "GET /api/items HTTP/1.1\r\nHost: [fd00:2::2]:8080\r\n";
  const std::string field = "traceparent: " + traceparent(kTraceA, kParentA);
  const std::size_t pad = CLT_WIRE_SCAN_BYTES - head.size() - field.size() - 1 - 12;
  expect_unchanged(segment(request({"X-Pad: " + std::string(pad, 'p'), field})));
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 1u);
  expect_ids(ack(), kTraceA, kParentA);
}

TEST_F(WireProgram, ResponsesAndOtherPayloadsAreNotRequests) {
  const std::string response =
      "HTTP/1.1 200 OK\r\ntraceparent: " + traceparent(kTraceA, kParentA) + "\r\n\r\n";
  expect_unchanged(segment({response.begin(), response.end()}));
  const std::string get_lower =
      "get / HTTP/1.1\r\ntraceparent: " + traceparent(kTraceA, kParentA) + "\r\n\r\n";
  expect_unchanged(segment({get_lower.begin(), get_lower.end()}));
  EXPECT_EQ(counter(CLT_CNT_HTTP_REQUESTS), 0u);
}

TEST_F(WireProgram, EveryMethodIsRecognised) {
  for (const char* method :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    SCOPED_TRACE(method);
    expect_ids(segment(request({"traceparent: " + traceparent(kTraceA, kParentA)}, "", method)),
               kTraceA, kParentA);
  }
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 9u);
}

}  // namespace

namespace {

// The server's side: a request arriving (from the client, fd00:2::2:40000,
// to this node, fd00:1::1:8080) binds the flow its response leaves on.
FrameSpec arriving(std::vector<std::uint8_t> payload) {
  FrameSpec spec = segment(std::move(payload));
  spec.src = clt::test::kInDomain;
  spec.dst = clt::test::kSender;
  spec.sport = clt::test::kSourcePort;
  spec.dport = clt::test::kDestPort;
  return spec;
}

FrameSpec response(std::vector<std::uint8_t> payload) {
  FrameSpec spec = segment(std::move(payload));
  spec.src = clt::test::kSender;
  spec.dst = clt::test::kInDomain;
  spec.sport = clt::test::kDestPort;
  spec.dport = clt::test::kSourcePort;
  return spec;
}

std::vector<std::uint8_t> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

TEST_F(WireProgram, ArrivingRequestBindsItsResponse) {
  const auto in =
      clt::test::ipv6_frame(arriving(request({"traceparent: " + traceparent(kTraceA, kParentA)})));
  const auto seen = sim_->run_arriving(in);
  ASSERT_EQ(seen.error, 0) << std::strerror(seen.error);
  EXPECT_EQ(seen.ret, 0);      // never dropped
  EXPECT_EQ(seen.packet, in);  // nor changed
  expect_ids(response(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")), kTraceA, kParentA);
  // The next request on the connection rebinds it.
  sim_->run_arriving(
      clt::test::ipv6_frame(arriving(request({"traceparent: " + traceparent(kTraceB, kParentB)}))));
  expect_ids(response(bytes("HTTP/1.1 200 OK\r\n\r\n")), kTraceB, kParentB);
  // One without traceparent unbinds it.
  sim_->run_arriving(clt::test::ipv6_frame(arriving(request({}))));
  expect_unchanged(response(bytes("HTTP/1.1 200 OK\r\n\r\n")));
  EXPECT_EQ(counter(CLT_CNT_REQUESTS_BOUND), 2u);
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_ABSENT), 1u);
}

TEST_F(WireProgram, ArrivingUnsampledOrMalformedRequestGivesItsResponseNoClt) {
  for (const auto& value :
       {traceparent(kTraceA, kParentA, "00"), traceparent(kTraceA, kParentA, "01", "ff")}) {
    sim_->run_arriving(clt::test::ipv6_frame(arriving(request({"traceparent: " + value}))));
    expect_unchanged(response(bytes("HTTP/1.1 200 OK\r\n\r\n")));
  }
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_UNSAMPLED), 1u);
  EXPECT_EQ(counter(CLT_CNT_TRACEPARENT_INVALID), 1u);
}

TEST_F(WireProgram, PeersFinEndsTheResponsesBinding) {
  sim_->run_arriving(
      clt::test::ipv6_frame(arriving(request({"traceparent: " + traceparent(kTraceA, kParentA)}))));
  FrameSpec fin = arriving({});
  fin.tcp_flags = 0x11;
  sim_->run_arriving(clt::test::ipv6_frame(fin));
  expect_unchanged(response(bytes("HTTP/1.1 200 OK\r\n\r\n")));
}

}  // namespace
