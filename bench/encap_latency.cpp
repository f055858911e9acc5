// Request latency over the default topology (athos -> porthos -> aramis),
// with and without CLT, one keep-alive TCP connection per mode. Requests
// rotate between the four modes so that all see the same network and machine
// load, and each connection keeps the state its mode gives it (with the
// datapath, the room a TCP socket keeps between spans):
//   plain     no CLT
//   prepared  a span per request on a PreparedSocket (one setsockopt each way)
//   enable    a span per request with Encapsulator::enable(fd, ...) (all checks)
//   held      CLT enabled once for the connection's whole life: the packets'
//             cost (header, stamping, IOAM on every hop) without the span
//             edges
// The server answers after a fixed service time (busy wait), run once per
// service time given. Brings up its own copy of the topology. With
// --datapath the eBPF datapath is loaded on athos first, so the spans'
// enable/disable bind ids through its hook and the datapath stamps every
// packet; "plain" then also pays the tc program's no-ids path.
//   bench_encap_latency [--datapath] [REQUESTS-PER-MODE] [SERVICE-US...]

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "bpf/datapath.h"
#include "encap/clt_socket.h"
#include "encap/echo_peer.h"
#include "encap/netns_thread.h"
#include "topo/default_topology.h"
#include "topo/topology_apply.h"
#include "topo/topology_parser.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kRequestBytes = 200;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Serves kConnections connections (one per mode) from one thread (so that
// every request wakes the same thread): reads a request, waits service_us,
// echoes it.
constexpr int kConnections = 4;

void serve(std::array<pollfd, kConnections> conns, int service_us) {
  char buf[kRequestBytes];
  for (int open = kConnections; open > 0;) {
    if (::poll(conns.data(), conns.size(), -1) < 0) return;
    for (auto& c : conns) {
      if (c.fd < 0 || (c.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (!clt::test::recv_all(c.fd, buf, sizeof buf) || buf[0] == 'Q') {
        ::close(c.fd);
        c.fd = -1;
        --open;
        continue;
      }
      const auto until = Clock::now() + std::chrono::microseconds(service_us);
      while (Clock::now() < until) {
      }
      clt::test::send_all(c.fd, buf, sizeof buf);
    }
  }
}

class Server {
 public:
  Server(const std::string& netns, int service_us) {
    std::promise<std::uint16_t> bound;
    auto port = bound.get_future();
    thread_ = std::thread([&bound, netns, service_us] {
      clt::test::enter_netns(netns);
      const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      socklen_t len = sizeof a;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      ::listen(fd, kConnections);
      bound.set_value(ntohs(a.sin6_port));
      std::array<pollfd, kConnections> conns{};
      for (auto& c : conns) {
        c.fd = ::accept(fd, nullptr, nullptr);
        c.events = POLLIN;
      }
      ::close(fd);
      serve(conns, service_us);
    });
    port_ = port.get();
  }
  ~Server() { thread_.join(); }
  std::uint16_t port() const { return port_; }

 private:
  std::thread thread_;
  std::uint16_t port_;
};

struct Figures {
  std::array<std::vector<double>, 4> us;  // plain, prepared, enable, held
};

Figures measure(const std::string& prefix, int requests, int service_us, bool datapath) {
  Figures f;
  Server server(prefix + "aramis", service_us);
  clt::test::run_in_netns(prefix + "athos", [&] {
    std::string error;
    std::unique_ptr<clt::bpf::Datapath> loaded;
    if (datapath) {
      clt::bpf::DatapathConfig config;
      config.interfaces = {"eth0"};
      loaded = clt::bpf::Datapath::open(config, error);
      if (!loaded) throw std::runtime_error(error);
    }
    auto encap = clt::encap::Encapsulator::create(clt::encap::Config{}, error);
    if (!encap) throw std::runtime_error(error);
    std::array<int, kConnections> conns{};  // plain, prepared, enable, held
    for (auto& c : conns) c = clt::test::connect_to("fd00:2::2", server.port(), SOCK_STREAM);
    const auto prepared = encap->prepare(conns[1]);
    if (prepared.checks().status != clt::encap::Status::kOk)
      throw std::runtime_error(clt::encap::describe(prepared.checks().status));
    if (prepared.uses_datapath() != datapath)
      throw std::runtime_error("the socket did not take the expected encapsulation path");
    clt::encap::TraceId trace{};
    clt::encap::SpanId span{};
    trace[0] = 1;
    span[0] = 1;
    if (!encap->enable(conns[3], trace, span).applied()) throw std::runtime_error("enable (root?)");
    char buf[kRequestBytes] = {'R'};
    auto request_on = [&](int on) {
      if (!clt::test::send_all(on, buf, sizeof buf) || !clt::test::recv_all(on, buf, sizeof buf))
        throw std::runtime_error("request failed");
    };
    auto span_on = [&](int mode) {
      if (mode == 1) {
        if (!prepared.enable(trace, span).applied()) throw std::runtime_error("enable (root?)");
        request_on(conns[1]);
        prepared.disable();
      } else if (mode == 2) {
        if (!encap->enable(conns[2], trace, span).applied())
          throw std::runtime_error("enable (root?)");
        request_on(conns[2]);
        encap->disable(conns[2]);
      } else {
        request_on(conns[static_cast<std::size_t>(mode)]);
      }
    };
    for (int i = 0; i < 4 * 500; ++i) span_on(i % 4);  // warm-up
    for (int i = 0; i < 4 * requests; ++i) {
      const int mode = i % 4;
      trace[15] = static_cast<std::uint8_t>(i);
      span[7] = static_cast<std::uint8_t>(i >> 8);
      const auto t0 = Clock::now();
      span_on(mode);
      f.us[static_cast<std::size_t>(mode)].push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    buf[0] = 'Q';
    for (const int c : conns) {
      clt::test::send_all(c, buf, sizeof buf);
      ::close(c);
    }
  });
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const bool datapath = argc > 1 && std::string(argv[1]) == "--datapath";
  if (datapath) {
    --argc;
    ++argv;
  }
  const int requests = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::vector<int> services;
  for (int i = 2; i < argc; ++i) services.push_back(std::atoi(argv[i]));
  if (services.empty()) services = {0, 100, 1000};

  std::string error;
  auto topology = clt::topo::parse_topology(clt::topo::default_topology_text(), "default", error);
  if (!topology) return 1;
  const std::string prefix = "bel" + std::to_string(::getpid()) + "-";
  auto up = clt::topo::topology_up(*topology, prefix, "default.topo");
  if (!up.ok) {
    std::fprintf(stderr, "bench_encap_latency: %s\n", up.error.c_str());
    return 1;
  }
  int rc = 0;
  std::printf(
      "requests per mode: %d; 200-byte request and reply on one keep-alive TCP connection,\n"
      "athos -> porthos -> aramis (veth, IOAM on every ingress); CLT through %s;\n"
      "times in microseconds\n\n",
      requests, datapath ? "the eBPF datapath" : "the sticky IPV6_HOPOPTS header");
  std::printf("%8s  %-9s %9s %9s %9s %9s\n", "service", "mode", "p50", "p99", "p50 ratio",
              "p99 ratio");
  try {
    for (int service : services) {
      const Figures f = measure(prefix, requests, service, datapath);
      const char* names[] = {"plain", "prepared", "enable", "held"};
      const double p50_plain = percentile(f.us[0], 0.5), p99_plain = percentile(f.us[0], 0.99);
      for (int m = 0; m < 4; ++m) {
        const double p50 = percentile(f.us[m], 0.5), p99 = percentile(f.us[m], 0.99);
        std::printf("%8d  %-9s %9.1f %9.1f %9.3f %9.3f\n", service, names[m], p50, p99,
                    p50 / p50_plain, p99 / p99_plain);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_encap_latency: %s\n", e.what());
    rc = 1;
  }
  clt::topo::topology_down(*topology, prefix);
  return rc;
}
