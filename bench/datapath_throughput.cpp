// TCP bulk throughput over the default topology (athos -> porthos ->
// aramis) with Debian's iperf3, plain and with the eBPF datapath stamping
// every packet of iperf3's data flow, runs interleaved so both see the same
// machine. iperf3 does not call clt_enable itself, so once its data socket
// (fixed client port) is connected the benchmark takes a copy of it
// (pidfd_getfd) and enables CLT on it through the library, as an application
// would; the datapath's counters show how many packets it stamped. Root;
// brings up its own copy of
// the topology. Twice: with athos's segmentation offload as the veth has it
// (a plain run then crosses the whole path as 64 KB super-packets, while a
// stamped one is segmented in software at athos, as IOAM needs a header per
// wire packet), and with it off on athos (both are segmented there, as on a
// wire; the demo's setting).
//   bench_datapath_throughput [SECONDS-PER-RUN] [ROUNDS]

#include <arpa/inet.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bpf/datapath.h"
#include "encap/clt_socket.h"
#include "encap/netns_thread.h"
#include "os/process.h"
#include "os/unique_fd.h"
#include "topo/default_topology.h"
#include "topo/topology_apply.h"
#include "topo/topology_parser.h"

namespace {

constexpr std::uint16_t kClientPort = 50123;
constexpr std::uint16_t kServerPort = 5201;

// What the command printed (stdout and stderr).
std::string run(const std::vector<std::string>& argv) {
  return clt::os::run_command(argv).output;
}

// Mean bits/s the receiver saw, from iperf3's JSON.
double iperf(const std::string& prefix, int seconds) {
  const std::string out =
      run({"ip", "netns", "exec", prefix + "athos", "timeout", std::to_string(seconds + 20),
           "iperf3", "-6", "-J", "--connect-timeout", "3000", "-c", "fd00:2::2", "-p",
           std::to_string(kServerPort), "--cport", std::to_string(kClientPort), "-t",
           std::to_string(seconds)});
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

// The socket inode of a connected TCP socket of process pid with this
// local port, from its network namespace's table; 0 when none yet.
unsigned long data_socket_inode(pid_t pid, std::uint16_t port) {
  std::ifstream table("/proc/" + std::to_string(pid) + "/net/tcp6");
  std::string line;
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  std::getline(table, line);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (local.size() > 5 && local.compare(local.size() - 5, 5, wanted) == 0 && state == "01")
      return inode;
  }
  return 0;
}

// A copy of iperf3's data socket, once it is connected (-1 after timeout).
clt::os::UniqueFd adopt_data_socket(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string pids = run({"pgrep", "-n", "-x", "iperf3"});  // the client, started last
    std::istringstream list(pids);
    for (pid_t pid; list >> pid;) {
      const unsigned long inode = data_socket_inode(pid, kClientPort);
      if (inode == 0) continue;
      const std::string want = "socket:[" + std::to_string(inode) + "]";
      const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (std::filesystem::read_symlink(entry.path(), ec).string() != want) continue;
        clt::os::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        const int target = std::stoi(entry.path().filename().string());
        if (pidfd)
          return clt::os::UniqueFd(
              static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), target, 0)));
      }
    }
    ::usleep(2000);
  }
  return clt::os::UniqueFd();
}

// An iperf3 run whose data socket gets CLT through the library.
double iperf_with_clt(const std::string& prefix, int seconds) {
  double bps = 0;
  std::thread client([&] { bps = iperf(prefix, seconds); });
  const clt::os::UniqueFd data = adopt_data_socket(std::chrono::seconds(10));
  int enabled = -1;
  if (data) {
    clt::test::run_in_netns(prefix + "athos", [&] {
      std::string error;
      const auto encap = clt::encap::Encapsulator::create(clt::encap::Config{}, error);
      if (!encap) {
        std::fprintf(stderr, "encapsulator: %s\n", error.c_str());
        return;
      }
      enabled = static_cast<int>(
          encap
              ->enable(data.get(), *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c"),
                       *clt::core::parse_span_id("b7ad6b7169203331"))
              .status);
    });
  }
  client.join();
  if (enabled != 0) {
    std::fprintf(stderr, "could not enable CLT on iperf3's data socket (status %d)\n", enabled);
    std::exit(1);
  }
  return bps;
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
      auto dp = clt::bpf::Datapath::open(config, error);
      if (!dp) {
        std::fprintf(stderr, "datapath: %s\n", error.c_str());
        std::exit(1);
      }
      stamped.push_back(iperf_with_clt(prefix, seconds));
      const auto counters = dp->counters();
      stamped_packets += counters[CLT_CNT_STAMPED];
      for (const int c : {CLT_CNT_TOO_BIG, CLT_CNT_ERROR, CLT_CNT_NO_ROOM, CLT_CNT_ROOM_REMOVED})
        skipped += counters[c];
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
  run({"ip", "netns", "exec", prefix + "aramis", "iperf3", "-s", "-D", "-p",
       std::to_string(kServerPort)});
  ::usleep(300000);
  bool ok = compare(prefix, seconds, rounds, "athos offloads as the veth has them");
  run({"ip", "netns", "exec", prefix + "athos", "ethtool", "-K", "eth0", "gso", "off", "tso",
       "off"});
  ok = compare(prefix, seconds, rounds, "segmentation offload off on athos eth0") && ok;
  // The same without IOAM processing on porthos and aramis: the cost of the
  // insertion alone, apart from what every IOAM node pays per packet.
  for (const char* node : {"porthos", "aramis"})
    run({"ip", "netns", "exec", prefix + node, "sh", "-c",
         "for f in /proc/sys/net/ipv6/conf/*/ioam6_enabled; do echo 0 > $f; done"});
  ok = compare(prefix, seconds, rounds, "offload off, IOAM off on porthos and aramis") && ok;
  run({"pkill", "-f", "iperf3 -s -D -p " + std::to_string(kServerPort)});
  clt::topo::topology_down(*topology, prefix);
  return ok ? 0 : 1;
}
