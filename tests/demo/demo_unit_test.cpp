// The demo's pure parts: --congest parsing, its roles in the topology, reading a trace back from
// the collector's Jaeger JSON, the summary and line formats, and the keep-alive client against a
// real cpp-httplib server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <thread>
#include <tuple>

#include "demo/congestion.h"
#include "demo/demo_topology.h"
#include "demo/keepalive_client.h"
#include "demo/request_report.h"
#include "topo/default_topology.h"
#include "topo/topology_parser.h"

namespace clt::demo {
namespace {

using nlohmann::json;

TEST(Congestion, ParsesDelaysAndRates) {
  std::string error;
  auto d = parse_congestion("porthos:200ms", error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->kind, CongestionSpec::Kind::kDelay);
  EXPECT_EQ(d->delay, std::chrono::microseconds(200000));
  d = parse_congestion("porthos:delay=1.5s", error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->delay, std::chrono::microseconds(1500000));
  auto r = parse_congestion("porthos:rate=1mbit", error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->kind, CongestionSpec::Kind::kRate);
  EXPECT_EQ(r->rate, "1mbit");
}

TEST(Congestion, ParsesTheDirection) {
  std::string error;
  auto forward = parse_congestion("porthos>aramis:200ms", error);
  ASSERT_TRUE(forward) << error;
  EXPECT_EQ(forward->direction, CongestionSpec::Direction::kTowardsServer);
  EXPECT_EQ(forward->node, "porthos");
  EXPECT_EQ(parse_congestion("porthos:200ms", error)->direction,
            CongestionSpec::Direction::kTowardsServer);
  auto back = parse_congestion("porthos>athos:rate=1mbit", error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->direction, CongestionSpec::Direction::kTowardsClient);
  EXPECT_EQ(back->node, "porthos");
  EXPECT_EQ(back->rate, "1mbit");
}

TEST(Congestion, RefusesWhatItCannotApply) {
  std::string error;
  for (const char* bad : {"porthos", ":200ms", "porthos:200", "porthos:fast", "porthos:-5ms",
                          "porthos:rate=fast", "porthos:rate=", "aramis:200ms", "porthos:11s",
                          "porthos>porthos:200ms", "porthos>:200ms", "aramis>porthos:200ms"}) {
    error.clear();
    EXPECT_FALSE(parse_congestion(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

json tag(const std::string& key, json value) {
  return {{"key", key}, {"value", value}};
}

json span(const std::string& id, const std::string& parent, json tags, double duration_us = 0) {
  json s = {{"spanID", id}, {"tags", tags}, {"duration", duration_us}};
  s["references"] =
      parent.empty() ? json::array() : json::array({{{"refType", "CHILD_OF"}, {"spanID", parent}}});
  return s;
}

// A trace as the collector returns it: client span -> network span -> hops,
// hops deliberately out of order.
json sample_trace(std::int64_t slow_delay_us) {
  json spans = json::array();
  spans.push_back(span("00000000000000a1", "", json::array(), 12000));
  spans.push_back(span("00000000000000c1", "00000000000000a1", json::array(), 250000));
  spans.push_back(
      span("00000000000000e1", "00000000000000c1",
           {tag("ioam.kind", "network"), tag("ioam.path", "athos > porthos > aramis"),
            tag("ioam.slowest_hop", "aramis"), tag("ioam.slowest_hop_delay_us", slow_delay_us)}));
  spans.push_back(span("00000000000000f3", "00000000000000e1",
                       {tag("ioam.kind", "hop"), tag("ioam.hop", 3), tag("ioam.node_id", 3),
                        tag("net.node.name", "aramis"), tag("ioam.delay_us", slow_delay_us),
                        tag("ioam.packets", 9)}));
  spans.push_back(span("00000000000000f1", "00000000000000e1",
                       {tag("ioam.kind", "hop"), tag("ioam.hop", 1), tag("ioam.node_id", 1),
                        tag("net.node.name", "athos"), tag("ioam.packets", 9)}));
  spans.push_back(span("00000000000000f2", "00000000000000e1",
                       {tag("ioam.kind", "hop"), tag("ioam.hop", 2), tag("ioam.node_id", 2),
                        tag("net.node.name", "porthos"), tag("ioam.delay_us", "70"),
                        tag("ioam.queue_depth", 6056), tag("ioam.packets", 9)}));
  return {{"data", json::array({{{"traceID", "ab"}, {"spans", spans}}})}};
}

ApiAnswer sample_answer() {
  std::string error;
  auto a = parse_api_answer(
      R"({"trace_id":"0123456789ABCDEF0123456789abcdef","duration_ms":260.5,)"
      R"("sub_requests":[{"name":"/check","span_id":"00000000000000C1","duration_ms":251,"status":200}]})",
      error);
  EXPECT_TRUE(a) << error;
  return *a;
}

auto fields(const CongestionSite& s) {
  return std::tie(s.netns, s.device, s.ingress, s.destination, s.egress_ioam_id);
}

// The fields above, as a site is expected to have them.
std::tuple<std::string, std::string, std::string, std::string, unsigned> expected_site(
    std::string netns, std::string device, std::string ingress, std::string destination,
    unsigned egress_ioam_id) {
  return {netns, device, ingress, destination, egress_ioam_id};
}

TEST(DemoTopology, ReadsItsFactsFromTheDefaultTopology) {
  std::string error;
  auto topology = topo::parse_topology(topo::default_topology_text(), "default.topo", error);
  ASSERT_TRUE(topology) << error;
  auto d = DemoTopology::from(*topology, "t-", error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->client(), "athos");
  EXPECT_EQ(d->router(), "porthos");
  EXPECT_EQ(d->server(), "aramis");
  EXPECT_EQ(d->client_interface(), "eth0");
  EXPECT_EQ(d->server_interface(), "eth0");
  EXPECT_EQ(d->server_address(), "fd00:2::2");
  EXPECT_EQ(d->namespaces(), (std::vector<std::string>{"t-athos", "t-porthos", "t-aramis"}));
  using Ids = std::vector<std::pair<std::uint32_t, std::string>>;
  EXPECT_EQ(d->node_ids(), (Ids{{1, "athos"}, {2, "porthos"}, {3, "aramis"}}));
  EXPECT_EQ(fields(d->congestion_site()),
            expected_site("t-porthos", "eth1", "eth0", "fd00:2::/64", 22));
  // The way back: porthos's link towards athos, entered from aramis's side.
  auto back = d->reverse_congestion_site(error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(fields(*back), expected_site("t-porthos", "eth0", "eth1", "fd00:1::/64", 21));
  EXPECT_EQ(back->next_node, "athos");
  EXPECT_NE(back->delay_device, d->congestion_site().delay_device);
  EXPECT_NE(back->delay_table, d->congestion_site().delay_table);
}

TEST(DemoTopology, FollowsTheTopologyNotFixedNames) {
  const std::string text =
      "node c id 7\nnode r id 8 forwarding\nnode s id 9\n"
      "link c:veth0 fd00:7::1/64 r:veth1 fd00:7::2/64\n"
      "link r:veth2 fd00:8::1/64 s:veth3 fd00:8::2/64\n"
      "route c fd00:8::/64 via fd00:7::2\nroute s fd00:7::/64 via fd00:8::1\n"
      "ioam-interface r:veth2 id 82 enabled\n";
  std::string error;
  auto topology = topo::parse_topology(text, "t.topo", error);
  ASSERT_TRUE(topology) << error;
  auto d = DemoTopology::from(*topology, "p-", error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->server_address(), "fd00:8::2");
  EXPECT_EQ(d->server_interface(), "veth3");
  EXPECT_EQ(fields(d->congestion_site()),
            expected_site("p-r", "veth2", "veth1", "fd00:8::/64", 82));
  // No IOAM id on r:veth1: the way back cannot be congested, and says why.
  EXPECT_FALSE(d->reverse_congestion_site(error));
  EXPECT_NE(error.find("r:veth1"), std::string::npos) << error;
}

TEST(DemoTopology, RefusesATopologyWithoutTheRoles) {
  std::string error;
  auto topology = topo::parse_topology("node a id 1\nnode b id 2\nnode c id 3\n", "t.topo", error);
  ASSERT_TRUE(topology) << error;
  EXPECT_FALSE(DemoTopology::from(*topology, "p-", error));
  EXPECT_NE(error.find("forwarding node"), std::string::npos) << error;
}

TEST(RequestReport, ReadsHopsInPathOrder) {
  RequestReport report;
  ASSERT_TRUE(fill_from_trace(sample_answer(), sample_trace(200500), report));
  EXPECT_EQ(report.trace_id, "0123456789abcdef0123456789abcdef");
  ASSERT_EQ(report.sub_requests.size(), 1u);
  const auto& sub = report.sub_requests[0];
  EXPECT_DOUBLE_EQ(sub.duration_ms, 250.0);  // the collector's span, not the API's clock
  EXPECT_EQ(sub.path, "athos > porthos > aramis");
  ASSERT_EQ(sub.hops.size(), 3u);
  EXPECT_EQ(sub.hops[0].node, "athos");
  EXPECT_FALSE(sub.hops[0].delay_us);
  EXPECT_EQ(sub.hops[1].node, "porthos");
  EXPECT_EQ(sub.hops[1].delay_us, 70);  // string-typed tag values are accepted
  EXPECT_EQ(sub.hops[1].queue_depth, 6056);
  EXPECT_EQ(sub.hops[2].delay_us, 200500);
  SlowestLink slow = slowest_link(report);
  EXPECT_EQ(slow.from, "porthos");
  EXPECT_EQ(slow.to, "aramis");
  EXPECT_EQ(slow.delay_us, 200500);

  json j = to_json(report);
  EXPECT_EQ(j["slowest_hop"]["link"], "porthos > aramis");
  EXPECT_EQ(j["sub_requests"][0]["hops"][0]["delay_us"], nullptr);
  std::string line = to_line(report);
  EXPECT_NE(line.find("athos >70us> porthos(q6056) >200.5ms> aramis"), std::string::npos) << line;
  EXPECT_NE(line.find("slowest porthos>aramis 200.5ms"), std::string::npos) << line;
}

TEST(RequestReport, IncompleteWithoutNetworkSpan) {
  RequestReport report;
  json trace = sample_trace(100);
  auto& spans = trace["data"][0]["spans"];
  spans.erase(spans.begin() + 2);  // the network span
  EXPECT_FALSE(fill_from_trace(sample_answer(), trace, report));
  EXPECT_FALSE(report.sub_requests[0].has_network);
  EXPECT_FALSE(fill_from_trace(sample_answer(), json::object(), report));
  EXPECT_NE(to_line(report).find("no network data"), std::string::npos);
}

TEST(RequestReport, RejectsAnswersThatAreNotTheApis) {
  std::string error;
  EXPECT_FALSE(parse_api_answer("<html>", error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(parse_api_answer(R"({"trace_id":"x"})", error));
}

// A zero-code trace: the API tells no ids, the client span is found by its
// URL, and the collector's two network spans split by ioam.direction.
json two_direction_trace() {
  json spans = json::array();
  spans.push_back(span("00000000000000a1", "", {tag("span.kind", "server")}, 12000));
  spans.push_back(
      span("00000000000000b1", "00000000000000a1",
           {tag("span.kind", "client"), tag("http.url", "http://[fd00:2::2]:8081/other")}, 9000));
  spans.push_back(
      span("00000000000000c1", "00000000000000a1",
           {tag("span.kind", "client"), tag("http.url", "http://[fd00:2::2]:8081/check")}, 250000));
  spans.push_back(span("00000000000000e1", "00000000000000c1",
                       {tag("ioam.kind", "network"), tag("ioam.direction", "request"),
                        tag("ioam.path", "athos > porthos > aramis")}));
  spans.push_back(span("00000000000000e2", "00000000000000c1",
                       {tag("ioam.kind", "network"), tag("ioam.direction", "response"),
                        tag("ioam.path", "aramis > porthos > athos")}));
  const std::vector<std::string> request = {"athos", "porthos", "aramis"};
  const std::vector<std::string> response = {"aramis", "porthos", "athos"};
  for (int hop = 1; hop <= 3; ++hop) {
    const auto i = static_cast<std::size_t>(hop - 1);
    json up = {tag("ioam.kind", "hop"), tag("ioam.hop", hop), tag("net.node.name", request[i])};
    json back = {tag("ioam.kind", "hop"), tag("ioam.hop", hop), tag("net.node.name", response[i])};
    if (hop > 1) {
      up.push_back(tag("ioam.delay_us", 40 + hop));
      // The response's porthos > athos link is the slow one.
      back.push_back(tag("ioam.delay_us", hop == 3 ? 200700 : 40 + hop));
    }
    spans.push_back(span("000000000000010" + std::to_string(hop), "00000000000000e1", up));
    spans.push_back(span("000000000000020" + std::to_string(hop), "00000000000000e2", back));
  }
  return {{"data", json::array({{{"traceID", "ab"}, {"spans", spans}}})}};
}

TEST(RequestReport, ZeroCodeFindsTheClientSpanAndBothDirections) {
  std::string error;
  auto answer = parse_api_answer(
      R"({"duration_ms":260.5,"sub_requests":[{"name":"/check","duration_ms":251,"status":200}]})",
      error, "0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(answer) << error;
  EXPECT_EQ(answer->trace_id, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(answer->sub_requests[0].span_id.empty());
  // Without the trace its caller started, an answer without a trace id is refused.
  EXPECT_FALSE(parse_api_answer(R"({"sub_requests":[]})", error));

  RequestReport report;
  // Until its response path is there, a zero-code request is not complete.
  json request_only = two_direction_trace();
  json kept = json::array();
  for (const auto& s : request_only["data"][0]["spans"])
    if (s["spanID"] != "00000000000000e2" &&
        s.value("references", json::array()).dump().find("00000000000000e2") == std::string::npos)
      kept.push_back(s);
  request_only["data"][0]["spans"] = kept;
  EXPECT_FALSE(fill_from_trace(*answer, request_only, report, true));
  EXPECT_TRUE(fill_from_trace(*answer, request_only, report, false));
  ASSERT_TRUE(fill_from_trace(*answer, two_direction_trace(), report, true));
  const auto& sub = report.sub_requests[0];
  EXPECT_EQ(sub.span_id, "00000000000000c1");
  EXPECT_DOUBLE_EQ(sub.duration_ms, 250.0);
  ASSERT_EQ(sub.hops.size(), 3u);
  EXPECT_EQ(sub.hops.front().node, "athos");
  EXPECT_EQ(sub.path, "athos > porthos > aramis");
  ASSERT_TRUE(sub.response);
  ASSERT_EQ(sub.response->hops.size(), 3u);
  EXPECT_EQ(sub.response->hops.front().node, "aramis");
  EXPECT_EQ(sub.response->hops.back().node, "athos");
  SlowestLink slow = slowest_link(report);
  EXPECT_EQ(slow.from, "porthos");
  EXPECT_EQ(slow.to, "athos");
  EXPECT_EQ(slow.direction, "response");
  json j = to_json(report);
  EXPECT_EQ(j["slowest_hop"]["direction"], "response");
  EXPECT_EQ(j["sub_requests"][0]["response"]["hops"][2]["node"], "athos");
  std::string line = to_line(report);
  EXPECT_NE(line.find("| back: aramis >42us> porthos >200.7ms> athos]"), std::string::npos) << line;
  EXPECT_NE(line.find("slowest porthos>athos 200.7ms (response)"), std::string::npos) << line;
}

TEST(KeepAliveClient, SendsSeveralRequestsOnOneConnection) {
  httplib::Server server;
  std::mutex mutex;
  std::set<int> remote_ports;
  server.Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mutex);
      remote_ports.insert(req.remote_port);
    }
    res.set_content(req.get_header_value("traceparent") + ":" + std::to_string(req.body.size()),
                    "text/plain");
  });
  int port = server.bind_to_any_port("::1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  KeepAliveClient client;
  std::string error;
  ASSERT_TRUE(client.connect("::1", static_cast<std::uint16_t>(port), 2000, error)) << error;
  int fd = client.fd();
  for (int i = 0; i < 3; ++i) {
    HttpResponse res;
    std::string body(1000 * (i + 1), 'x');
    ASSERT_TRUE(client.request("POST", "/echo", {{"traceparent", "tp" + std::to_string(i)}}, body,
                               res, error))
        << error;
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "tp" + std::to_string(i) + ":" + std::to_string(body.size()));
    EXPECT_EQ(client.fd(), fd);
  }
  HttpResponse missing;
  ASSERT_TRUE(client.request("GET", "/nothing", {}, {}, missing, error)) << error;
  EXPECT_EQ(missing.status, 404);
  client.close();  // else the server waits out its keep-alive timeout
  server.stop();
  t.join();
  EXPECT_EQ(remote_ports.size(), 1u);  // one TCP connection for every request

  EXPECT_FALSE(client.request("POST", "/echo", {}, "x", missing, error));
  KeepAliveClient refused;
  EXPECT_FALSE(refused.connect("::1", static_cast<std::uint16_t>(port), 500, error));
  EXPECT_FALSE(refused.connect("not-an-address", 80, 500, error));
}

}  // namespace
}  // namespace clt::demo
