#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "topo/default_topology.h"
#include "topo/topology_parser.h"
#include "topo/topology_plan.h"

namespace {

using clt::topo::parse_topology;

std::string error_of(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_topology(text, "t.topo", error)) << text;
  return error;
}

TEST(TopologyParser, DefaultTopologyIsThePapersThreeNodes) {
  std::string error;
  auto t = parse_topology(clt::topo::default_topology_text(), "default.topo", error);
  ASSERT_TRUE(t) << error;
  ASSERT_EQ(t->nodes.size(), 3u);
  EXPECT_EQ(t->nodes[0].name, "athos");
  EXPECT_EQ(t->nodes[0].ioam_id, 1u);
  EXPECT_EQ(t->nodes[1].name, "porthos");
  EXPECT_TRUE(t->nodes[1].forwarding);
  EXPECT_EQ(t->nodes[2].name, "aramis");
  EXPECT_EQ(t->nodes[2].ioam_id, 3u);
  ASSERT_EQ(t->links.size(), 2u);
  EXPECT_EQ(t->links[0].a.address, "fd00:1::1/64");
  EXPECT_EQ(t->links[1].b.address, "fd00:2::2/64");
  ASSERT_EQ(t->namespaces.size(), 3u);
  for (const auto& ns : t->namespaces) EXPECT_EQ(ns.id, 123);
  EXPECT_EQ(*t->namespaces[1].data, 0xa0000002u);
  ASSERT_EQ(t->interfaces.size(), 4u);
  for (const auto& i : t->interfaces) EXPECT_TRUE(i.enabled);
  EXPECT_EQ(t->interfaces[2].node, "porthos");
  EXPECT_EQ(t->interfaces[2].interface, "eth1");
  EXPECT_EQ(t->interfaces[2].id, 22);
  EXPECT_EQ(t->routes.size(), 2u);
}

TEST(TopologyParser, ErrorsNameTheLineAndTheProblem) {
  EXPECT_EQ(error_of("node a id 1\n\nlink a:eth0 fd00::1/64 b:eth0 fd00::2/64\n"),
            "t.topo:3: node 'b' is not declared (add `node b id N` before this line)");
  EXPECT_EQ(error_of("node a id 1\nnode a id 2\n"), "t.topo:2: node 'a' is declared twice");
  EXPECT_EQ(error_of("node a id 0x1000000\n"),
            "t.topo:1: node id 0x1000000 is too large (at most 16777215)");
  EXPECT_EQ(error_of("node a\n"),
            "t.topo:1: too few words; usage: node NAME id N [id-wide N] [forwarding]");
  EXPECT_EQ(error_of("# only a comment\nbridge x\n").substr(0, 34),
            "t.topo:2: unknown keyword 'bridge'");
  EXPECT_EQ(error_of("node a id 1\nnode b id 2\nlink a:eth0 fd00::1/64 b:eth0 fd00::zz/64\n"),
            "t.topo:3: address 'fd00::zz/64' is not an IPv6 address");
  EXPECT_EQ(
      error_of(
          "node a id 1\nnode b id 2\nlink a:averyveryverylongname fd00::1/64 b:e fd00::2/64\n"),
      "t.topo:3: interface name 'averyveryverylongname' must be 1-15 letters, digits, '-', "
      "'_' or '.'");
  EXPECT_EQ(error_of("node a id 1\nioam-interface a:eth0 id 1\n"),
            "t.topo:2: interface a:eth0 is not created by any link above this line");
  EXPECT_EQ(error_of("node a id 1\nioam-namespace a 123 schema 7\n"),
            "t.topo:2: schema 7 is not declared on node a (add `ioam-schema a 7 DATA`)");
  EXPECT_EQ(error_of("node a id 1\nroute a fd00::/64 by fd00::1\n"),
            "t.topo:2: malformed route; usage: route NODE PREFIX|default via ADDRESS");
  EXPECT_EQ(error_of("\n\n"),
            "t.topo:0: no node declared (a topology needs at least `node NAME id N`)");
}

TEST(TopologyParser, NetemIsCheckedBeforeTcSeesIt) {
  const std::string base = "node a id 1\nnode b id 2\nlink a:eth0 fd00::1/64 b:eth0 fd00::2/64\n";
  std::string error;
  auto t =
      parse_topology(base + "netem a:eth0 delay 10ms jitter 1ms rate 10mbit loss 1% limit 1000\n",
                     "t.topo", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->netems[0].delay, "10ms");
  EXPECT_EQ(error_of(base + "netem a:eth0 delay fast\n"),
            "t.topo:4: delay 'fast' must be like 10ms");
  EXPECT_EQ(error_of(base + "netem a:eth0 jitter 1ms\n"), "t.topo:4: jitter needs a delay");
  EXPECT_EQ(error_of(base + "netem a:eth0 rate 10\n"), "t.topo:4: rate '10' must be like 10mbit");
  EXPECT_EQ(error_of(base + "netem a:eth0 delay 1ms\nnetem a:eth0 delay 2ms\n"),
            "t.topo:5: netem on a:eth0 is already set on line 4");
}

TEST(TopologyPlan, PrefixesEveryNamespaceAndKeepsTheOrder) {
  std::string error;
  auto t = parse_topology(clt::topo::default_topology_text(), "default.topo", error);
  ASSERT_TRUE(t);
  const auto names = clt::topo::namespace_names(*t, "x1-");
  EXPECT_EQ(names, (std::vector<std::string>{"x1-athos", "x1-porthos", "x1-aramis"}));
  const auto steps = clt::topo::plan_up(*t, "x1-");
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front().to_string(), "ip netns add x1-athos");
  bool veth = false, route = false, ioam = false, enabled = false;
  for (const auto& s : steps) {
    const std::string text = s.to_string();
    veth =
        veth || text == "ip link add eth0 netns x1-athos type veth peer name eth0 netns x1-porthos";
    route = route || text == "ip -n x1-athos -6 route add fd00:2::/64 via fd00:1::2";
    ioam = ioam || text == "ip -n x1-porthos ioam namespace add 123 data 0xa0000002";
    enabled =
        enabled || text == "ip netns exec x1-aramis sysctl -w net.ipv6.conf.eth0.ioam6_enabled=1";
    EXPECT_EQ(text.find("netns add athos"), std::string::npos) << "unprefixed: " << text;
  }
  EXPECT_TRUE(veth && route && ioam && enabled);
}

TEST(TopologyPlan, NetemBecomesOneTcCommand) {
  std::string error;
  auto t = parse_topology(
      "node a id 1\nnode b id 2\nlink a:eth0 fd00::1/64 b:eth0 fd00::2/64\n"
      "netem b:eth0 delay 20ms 2ms rate 5mbit\n",
      "t.topo", error);
  EXPECT_FALSE(t) << "jitter must be spelled out";
  t = parse_topology(
      "node a id 1\nnode b id 2\nlink a:eth0 fd00::1/64 b:eth0 fd00::2/64\n"
      "netem b:eth0 delay 20ms jitter 2ms rate 5mbit\n",
      "t.topo", error);
  ASSERT_TRUE(t) << error;
  const auto steps = clt::topo::plan_up(*t, "");
  EXPECT_EQ(steps.back().to_string(),
            "tc -n b qdisc replace dev eth0 root netem delay 20ms 2ms rate 5mbit");
}

TEST(TopologyPlan, ShapeBecomesATokenBucket) {
  const std::string base = "node a id 1\nnode b id 2\nlink a:eth0 fd00::1/64 b:eth0 fd00::2/64\n";
  std::string error;
  auto t = parse_topology(base + "shape a:eth0 rate 1mbit\n", "t.topo", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(clt::topo::plan_up(*t, "p-").back().to_string(),
            "tc -n p-a qdisc replace dev eth0 root tbf rate 1mbit burst 32kb latency 100ms");
  EXPECT_EQ(error_of(base + "shape a:eth0 burst 1kb\n"),
            "t.topo:4: missing rate; usage: shape NODE:IF rate RATE [burst SIZE] [latency TIME]");
  EXPECT_EQ(error_of(base + "netem a:eth0 delay 1ms\nshape a:eth0 rate 1mbit\n"),
            "t.topo:5: netem is already set on a:eth0 (line 4): one root qdisc per interface");
}

TEST(TopologyPlan, PrefixesAreRestricted) {
  EXPECT_TRUE(clt::topo::valid_prefix(""));
  EXPECT_TRUE(clt::topo::valid_prefix("test-123_"));
  EXPECT_FALSE(clt::topo::valid_prefix("a/b"));
  EXPECT_FALSE(clt::topo::valid_prefix("a b"));
  EXPECT_FALSE(clt::topo::valid_prefix(std::string(33, 'a')));
}

}  // namespace

namespace {

// n nodes in a chain, each linked to the next.
std::string chain(int n) {
  std::string t;
  for (int i = 0; i < n; ++i)
    t += "node n" + std::to_string(i) + " id " + std::to_string(i + 1) + "\n";
  char address[64];
  for (int i = 0; i + 1 < n; ++i) {
    std::snprintf(address, sizeof address, "fd00:%x:%x::", i >> 16, i & 0xffff);
    t += "link n" + std::to_string(i) + ":r " + address + "1/64 n" + std::to_string(i + 1) + ":l " +
         address + "2/64\n";
  }
  return t;
}

double best_parse_seconds(const std::string& text) {
  double best = 1e9;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    EXPECT_TRUE(parse_topology(text, "big.topo", error)) << error;
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

TEST(TopologyParser, WorkGrowsLinearlyWithTheFile) {
  // Each line used to be checked against every earlier one: 4 times the
  // lines took 16 times as long. Linear work takes about 4 times.
  const std::string small = chain(5'000), large = chain(20'000);
  const double ratio = best_parse_seconds(large) / best_parse_seconds(small);
  EXPECT_LT(ratio, 8.0) << "parsing 4x the lines took " << ratio << "x as long";
  std::string error;
  auto t = parse_topology(chain(50'000), "big.topo", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->nodes.size(), 50'000u);
  EXPECT_EQ(t->links.size(), 49'999u);
  EXPECT_EQ(error_of(chain(1000) + "link n5:r fd00::1/64 n7:x fd00::2/64\n"),
            "t.topo:2000: interface n5:r is already used by the link on line 1006");
}

TEST(TopologyParser, ErrorsQuoteABoundedEscapedExcerpt) {
  const std::string huge(1 << 20, 'x');
  const std::string e = error_of("node " + huge + " id 1\n");
  EXPECT_LT(e.size(), 200u);
  EXPECT_NE(e.find("... (1048576 bytes)"), std::string::npos) << e;
  const std::string binary = error_of(std::string("node a\x01\xff\x1b[31m id 1\n"));
  EXPECT_EQ(binary.find('\x1b'), std::string::npos) << binary;
  EXPECT_NE(binary.find("a\\x01\\xff\\x1b[31m"), std::string::npos) << binary;
  const std::string keyword = error_of(huge + "\n");
  EXPECT_LT(keyword.size(), 300u);
}
