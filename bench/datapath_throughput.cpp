// TCP bulk throughput over the default topology (athos -> porthos ->
// aramis) with Debian's iperf3, plain and with the eBPF datapath stamping
// every packet of iperf3's data flow, runs interleaved so both see the same
// machine. iperf3's sockets are not ours to call clt_enable on, so the
// datapath binds the ids to the data flow (fixed client port) instead; its
// counters show how many packets it stamped. Root; brings up its own copy of
// the topology. Twice: with athos's segmentation offload as the veth has it
// (a plain run then crosses the whole path as 64 KB super-packets, while a
// stamped one is segmented in software at athos, as IOAM needs a header per
// wire packet), and with it off on athos (both are segmented there, as on a
// wire; the demo's setting).
//   bench_datapath_throughput [SECONDS-PER-RUN] [ROUNDS]

#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bpf/datapath.h"
#include "encap/netns_thread.h"
#include "topo/default_topology.h"
#include "topo/topology_apply.h"
#include "topo/topology_parser.h"

namespace {

constexpr std::uint16_t kClientPort = 50123;
constexpr std::uint16_t kServerPort = 5201;

std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    ::pclose(p);
  }
  return out;
}

// Mean bits/s the receiver saw, from iperf3's JSON.
double iperf(const std::string& prefix, int seconds) {
  const std::string out =
      run("ip netns exec " + prefix + "athos timeout " + std::to_string(seconds + 20) +
          " iperf3 -6 -J --connect-timeout 3000 -c fd00:2::2 -p " + std::to_string(kServerPort) +
          " --cport " + std::to_string(kClientPort) + " -t " + std::to_string(seconds) + " 2>&1");
  const auto at = out.find("\"sum_received\"");
  if (out.find("\"error\"") != std::string::npos) {
    std::fprintf(stderr, "iperf3 failed: %s\n", out.c_str());
    std::exit(1);
  }
  const auto bps = out.find("\"bits_per_second\":", at);
  if (at == std::string::npos || bps == std::string::npos) {
    std::fprintf(stderr, "iperf3 failed: %s\n", out.c_str());
    std::exit(1);
  }
  return std::strtod(out.c_str() + bps + 18, nullptr);
}

clt_flow_key data_flow() {
  clt_flow_key key{};
  const std::uint8_t athos[16] = {0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::uint8_t aramis[16] = {0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::copy(athos, athos + 16, key.saddr);
  std::copy(aramis, aramis + 16, key.daddr);
  key.sport = htons(kClientPort);
  key.dport = htons(kServerPort);
  key.protocol = 6;
  return key;
}

}  // namespace

// Interleaved plain and stamped runs; false when nothing was stamped.
bool compare(const std::string& prefix, int seconds, int rounds, const char* label) {
  std::string error;
  std::vector<double> plain, stamped;
  std::uint64_t stamped_packets = 0, skipped = 0;
  for (int r = 0; r < rounds; ++r) {
    plain.push_back(iperf(prefix, seconds));
    clt::test::run_in_netns(prefix + "athos", [&] {
      clt::bpf::DatapathConfig config;
      config.interfaces = {"eth0"};
      config.flow_ids = true;
      config.clamp_mss = std::getenv("CLT_BENCH_NO_CLAMP") == nullptr;
      auto dp = clt::bpf::Datapath::open(config, error);
      if (!dp || !dp->bind_flow(data_flow(),
                                *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c"),
                                *clt::core::parse_span_id("b7ad6b7169203331"), error)) {
        std::fprintf(stderr, "datapath: %s\n", error.c_str());
        std::exit(1);
      }
      stamped.push_back(iperf(prefix, seconds));
      const auto counters = dp->counters();
      stamped_packets += counters[CLT_CNT_STAMPED];
      for (const int c : {CLT_CNT_TOO_BIG, CLT_CNT_ERROR}) skipped += counters[c];
    });
  }
  std::printf("TCP bulk (iperf3, %d s runs, interleaved), %s, Gbit/s:\n", seconds, label);
  double sum_plain = 0, sum_stamped = 0;
  for (int r = 0; r < rounds; ++r) {
    std::printf("  round %d: plain %.2f  datapath %.2f\n", r + 1, plain[r] / 1e9, stamped[r] / 1e9);
    sum_plain += plain[r];
    sum_stamped += stamped[r];
  }
  std::printf(
      "mean: plain %.2f, datapath %.2f Gbit/s = %.1f%%; %llu packets stamped, %llu skipped\n",
      sum_plain / rounds / 1e9, sum_stamped / rounds / 1e9, 100.0 * sum_stamped / sum_plain,
      static_cast<unsigned long long>(stamped_packets), static_cast<unsigned long long>(skipped));
  return stamped_packets > 0;
}

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  std::string error;
  auto topology = clt::topo::parse_topology(clt::topo::default_topology_text(), "default", error);
  const std::string prefix = "bdt" + std::to_string(::getpid()) + "-";
  if (!topology || !clt::topo::topology_up(*topology, prefix, "default.topo").ok) return 1;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  run("ip netns exec " + prefix + "aramis iperf3 -s -D -p " + std::to_string(kServerPort) +
      " </dev/null >/dev/null 2>&1");
  ::usleep(300000);
  bool ok = compare(prefix, seconds, rounds, "athos offloads as the veth has them");
  run("ip netns exec " + prefix + "athos ethtool -K eth0 gso off tso off >/dev/null 2>&1");
  ok = compare(prefix, seconds, rounds, "segmentation offload off on athos eth0") && ok;
  // The same without IOAM processing on porthos and aramis: the cost of the
  // insertion alone, apart from what every IOAM node pays per packet.
  for (const char* node : {"porthos", "aramis"})
    run("ip netns exec " + prefix + node +
        " sh -c 'for f in /proc/sys/net/ipv6/conf/*/ioam6_enabled; do echo 0 > $f; done'");
  ok = compare(prefix, seconds, rounds, "offload off, IOAM off on porthos and aramis") && ok;
  run("pkill -f 'iperf3 -s -D -p " + std::to_string(kServerPort) + "'");
  clt::topo::topology_down(*topology, prefix);
  return ok ? 0 : 1;
}
