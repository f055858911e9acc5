// `clt demo`: the whole scenario, from an empty machine back to an empty
// machine. Every part it starts is registered for teardown before the next
// one starts, so any failure or Ctrl-C unwinds what exists and nothing else.
#include <httplib.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "demo/child_processes.h"
#include "demo/congestion_control.h"
#include "demo/demo_options.h"
#include "demo/demo_topology.h"
#include "demo/load_client.h"
#include "demo/preflight.h"
#include "demo/request_report.h"
#include "demo/zero_code.h"
#include "os/process.h"
#include "os/signals.h"
#include "topo/default_topology.h"
#include "topo/topology_parser.h"

namespace clt::demo {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

enum ExitStatus { kOk = 0, kStartFailed = 1, kIncomplete = 3, kInterrupted = 130 };

void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void say(const char* fmt, ...) {
  std::va_list ap;
  va_start(ap, fmt);
  std::fputs("clt demo: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

// Single key presses while the demo runs (only on a terminal).
class KeyReader {
 public:
  KeyReader() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~KeyReader() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  bool active() const { return active_; }
  int read_key() {
    char c;
    return ::read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
  }

 private:
  termios saved_{};
  bool active_ = false;
};

bool sleep_unless_signalled(os::BlockedSignals& signals, milliseconds d) {
  if (signals.received()) return false;
  return !signals.wait_for(d).has_value();
}

class Demo {
 public:
  Demo(const DemoOptions& options, const DemoTopology& topology, os::BlockedSignals& signals)
      : o_(options),
        signals_(signals),
        topo_(topology),
        log_dir_(options.run_dir + "/logs"),
        children_(log_dir_) {}
  ~Demo() { teardown(); }

  int run();

 private:
  bool start_topology();
  bool start_collector();
  bool start_agent();
  bool start_datapath();
  bool start_wire_agent(const std::string& node, const std::string& interface);
  bool start_services();
  bool start_zero_code_services();
  bool apply_congestion();
  bool first_trace();
  int request_loop();
  void handle_key(int key);
  std::optional<json> fetch_trace(const std::string& trace_id);
  RequestReport resolve(const ApiAnswer& answer, milliseconds timeout, bool& complete);
  bool fail(const std::string& what);
  bool start_child(const std::string& name, const std::vector<std::string>& argv);
  void teardown();

  std::string ioam_socket() const { return o_.run_dir + "/ioam.sock"; }
  std::string otlp_socket() const { return o_.run_dir + "/otlp.sock"; }
  std::vector<std::string> in_netns(const std::string& node, std::vector<std::string> argv) const {
    std::vector<std::string> out = {"ip", "netns", "exec", topo_.netns(node)};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

  const DemoOptions& o_;
  os::BlockedSignals& signals_;
  const DemoTopology& topo_;
  std::string log_dir_;
  ChildProcesses children_;
  std::unique_ptr<CongestionControl> congestion_;       // towards the server
  std::unique_ptr<CongestionControl> congestion_back_;  // towards the client, made when asked
  std::unique_ptr<LoadClient> load_;
  tracing::RandomIdGenerator ids_;
  bool topology_up_ = false;
  bool torn_down_ = false;
  bool keep_logs_ = false;
  std::string failure_;
};

bool Demo::fail(const std::string& what) {
  failure_ = what;
  keep_logs_ = true;
  return false;
}

// Starts a part and records its pid, so that a later --cleanup can stop it
// even if this process dies without tearing down.
bool Demo::start_child(const std::string& name, const std::vector<std::string>& argv) {
  std::string error;
  if (!children_.start(name, argv, error)) return fail(error);
  std::ofstream(o_.run_dir + "/children.pids", std::ios::app)
      << children_.children().back().pid << "\n";
  return true;
}

bool Demo::start_topology() {
  const auto namespaces = topo_.namespaces();
  say("bringing up the topology: %s, %s, %s", namespaces[0].c_str(), namespaces[1].c_str(),
      namespaces[2].c_str());
  std::string out;
  topology_up_ = true;  // a partial topology is torn down too
  if (os::run_command({o_.clt_binary, "topo", "up", "--prefix", o_.prefix}, out) != 0) {
    return fail("`clt topo up --prefix " + o_.prefix + "` failed: " + out);
  }
  for (const auto& netns : namespaces) {
    if (!fs::exists("/run/netns/" + netns)) {
      return fail("`clt topo up` did not create namespace " + netns);
    }
  }
  // The sender's own IOAM entry is written once, when CLT is enabled at the
  // span's start. A veth hands a whole GSO super-packet to the router as ONE
  // packet, while a real NIC's TSO would send each segment with the option:
  // segmenting in the stack keeps the per-packet statistics (median delay,
  // packet counts) what they would be on a wire.
  if (os::run_command({"ip", "-n", topo_.netns(topo_.client()), "link", "set", "dev",
                       topo_.client_interface(), "gso_max_segs", "1"},
                      out) != 0) {
    return fail("cannot turn segmentation offload off on " + topo_.client() + " " +
                topo_.client_interface() + ": " + out);
  }
  return true;
}

bool Demo::start_collector() {
  say("starting the collector (UI and query API on http://127.0.0.1:%u)", o_.ui_port);
  const std::string local = "127.0.0.1:";
  std::vector<std::string> argv = {o_.clt_binary,  "collector",
                                   "--ioam-grpc",  local + std::to_string(o_.ioam_port),
                                   "--ioam-grpc",  "unix:" + ioam_socket(),
                                   "--otlp-grpc",  local + std::to_string(o_.otlp_grpc_port),
                                   "--otlp-grpc",  "unix:" + otlp_socket(),
                                   "--otlp-http",  local + std::to_string(o_.otlp_http_port),
                                   "--query-http", local + std::to_string(o_.ui_port),
                                   "--db",         o_.db_path};
  for (const auto& [id, name] : topo_.node_ids())
    argv.insert(argv.end(), {"--node-name", std::to_string(id) + "=" + name});
  if (!start_child("collector", argv)) return false;
  httplib::Client client("127.0.0.1", o_.ui_port);
  client.set_connection_timeout(milliseconds(500));
  for (auto deadline = Clock::now() + std::chrono::seconds(15); Clock::now() < deadline;) {
    if (auto res = client.Get("/api/services");
        res && res->status == 200 && fs::exists(ioam_socket()) && fs::exists(otlp_socket())) {
      // The zero-code services run as an unprivileged user: the OTLP socket
      // is theirs to connect to (the IOAM socket stays root's).
      if (o_.zero_code && ::chown(otlp_socket().c_str(), o_.service_uid, o_.service_gid) != 0) {
        return fail("cannot give " + otlp_socket() + " to uid " + std::to_string(o_.service_uid) +
                    ": " + std::strerror(errno));
      }
      return true;
    }
    std::string exited = children_.reap_exited();
    if (!exited.empty()) return fail("the collector did not start: " + exited);
    if (!sleep_unless_signalled(signals_, milliseconds(100))) return fail("interrupted");
  }
  return fail("the collector did not answer on http://127.0.0.1:" + std::to_string(o_.ui_port) +
              "/api/services within 15 s: " + children_.log_tail("collector"));
}

bool Demo::start_agent() {
  if (o_.zero_code) {
    // Both ends stamp what they send with the ids read on the wire (the
    // client its requests, the server its responses) and capture what they
    // receive: the server the request paths, the client the response paths.
    return start_wire_agent(topo_.client(), topo_.client_interface()) &&
           start_wire_agent(topo_.server(), topo_.server_interface());
  }
  if (o_.encap == "ebpf" && !start_datapath()) return false;
  say("starting the agent on %s", topo_.netns(topo_.server()).c_str());
  auto argv =
      in_netns(topo_.server(), {o_.clt_binary, "agent", "--interface", topo_.server_interface(),
                                "--collector", "unix:" + ioam_socket()});
  if (!start_child("agent-" + topo_.server(), argv)) return false;
  return true;
}

// The eBPF datapath on the client: an agent that only stamps (--encap), whose
// stats file appears once its programs are attached.
bool Demo::start_datapath() {
  say("starting the eBPF datapath on %s %s (per-packet CLT; the API service runs without "
      "CAP_NET_RAW)",
      topo_.netns(topo_.client()).c_str(), topo_.client_interface().c_str());
  const std::string stats = o_.run_dir + "/datapath-stats.json";
  const std::string agent = "agent-" + topo_.client();
  auto argv = in_netns(topo_.client(), {o_.clt_binary, "agent", "--encap", topo_.client_interface(),
                                        "--stats", stats, "--stats-interval-ms", "500"});
  if (!start_child(agent, argv)) return false;
  for (auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    if (fs::exists(stats)) return true;
    std::string exited = children_.reap_exited();
    if (!exited.empty())
      return fail("the eBPF datapath did not start (" + exited +
                  "); `--encap sockopt` uses "
                  "the socket option instead");
    if (!sleep_unless_signalled(signals_, milliseconds(100))) return fail("interrupted");
  }
  return fail("the eBPF datapath did not start within 10 s: " + children_.log_tail(agent));
}

// An agent that reads ids on the wire (`--encap IF --traceparent`) and
// captures on the same interface; its stats file appears once its programs
// are attached.
bool Demo::start_wire_agent(const std::string& node, const std::string& interface) {
  say("starting the agent on %s %s (ids read from each request's traceparent, both directions)",
      topo_.netns(node).c_str(), interface.c_str());
  const std::string stats = o_.run_dir + "/agent-" + node + "-stats.json";
  const std::string agent = "agent-" + node;
  auto argv = in_netns(node, {o_.clt_binary, "agent", "--encap", interface, "--traceparent",
                              "--interface", interface, "--collector", "unix:" + ioam_socket(),
                              "--stats", stats, "--stats-interval-ms", "500"});
  if (!start_child(agent, argv)) return false;
  for (auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    if (fs::exists(stats)) return true;
    std::string exited = children_.reap_exited();
    if (!exited.empty()) return fail("the agent on " + node + " did not start: " + exited);
    if (!sleep_unless_signalled(signals_, milliseconds(100))) return fail("interrupted");
  }
  return fail("the agent on " + node + " did not start within 10 s: " + children_.log_tail(agent));
}

// The Node.js services: the demo's own code is not in them, only the
// OpenTelemetry SDK preloaded; each runs as an unprivileged user.
bool Demo::start_zero_code_services() {
  say("starting the Node.js services (OpenTelemetry SDK, HTTP auto-instrumentation, uid %u, no "
      "capability): backend on %s [%s]:%u, API on %s [::]:%u",
      o_.service_uid, topo_.server().c_str(), topo_.server_address().c_str(), o_.backend_port,
      topo_.client().c_str(), o_.api_port);
  ZeroCodeService backend{"backend.js",
                          "backend",
                          topo_.server(),
                          otlp_socket(),
                          {std::to_string(o_.backend_port), std::to_string(o_.min_delay_ms),
                           std::to_string(o_.max_delay_ms)}};
  ZeroCodeService api{"api.js",
                      "api",
                      topo_.client(),
                      otlp_socket(),
                      {std::to_string(o_.api_port), topo_.server_address(),
                       std::to_string(o_.backend_port), std::to_string(o_.payload_bytes)}};
  if (!start_child("backend",
                   in_netns(topo_.server(), zero_code_argv(o_.zero_code_dir, backend,
                                                           o_.service_uid, o_.service_gid))) ||
      !start_child("api", in_netns(topo_.client(), zero_code_argv(o_.zero_code_dir, api,
                                                                  o_.service_uid, o_.service_gid))))
    return false;
  std::string body, error;
  for (auto deadline = Clock::now() + std::chrono::seconds(20); Clock::now() < deadline;) {
    if (api_get(topo_.netns(topo_.client()), o_.api_port, "/healthz", body, error)) return true;
    std::string exited = children_.reap_exited();
    if (!exited.empty()) return fail(exited);
    if (!sleep_unless_signalled(signals_, milliseconds(100))) return fail("interrupted");
  }
  return fail("the Node.js services are not ready after 20 s: " + error + " (api log: " +
              children_.log_tail("api") + "; backend log: " + children_.log_tail("backend") + ")");
}

bool Demo::start_services() {
  if (o_.zero_code) return start_zero_code_services();
  const std::string backend_address =
      "[" + topo_.server_address() + "]:" + std::to_string(o_.backend_port);
  say("starting the services: backend on %s %s, API on %s [::]:%u", topo_.server().c_str(),
      backend_address.c_str(), topo_.client().c_str(), o_.api_port);
  std::string error;
  std::string otlp = "unix:" + otlp_socket();
  auto backend =
      in_netns(topo_.server(), {o_.clt_binary, "demo", "service", "backend", "--port",
                                std::to_string(o_.backend_port), "--otlp", otlp, "--node",
                                topo_.server(), "--min-delay-ms", std::to_string(o_.min_delay_ms),
                                "--max-delay-ms", std::to_string(o_.max_delay_ms)});
  if (!start_child("backend", backend)) return false;
  std::vector<std::string> api_argv = {o_.clt_binary,    "demo",
                                       "service",        "api",
                                       "--port",         std::to_string(o_.api_port),
                                       "--backend",      backend_address,
                                       "--backend-node", topo_.server(),
                                       "--node",         topo_.client(),
                                       "--otlp",         otlp,
                                       "--payload",      std::to_string(o_.payload_bytes)};
  // With the datapath the service needs no capability for CLT: drop the one
  // the socket option would need, so the demo shows it.
  if (o_.encap == "ebpf")
    api_argv.insert(api_argv.begin(),
                    {"setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"});
  auto api = in_netns(topo_.client(), api_argv);
  if (!start_child("api", api)) return false;
  std::string body;
  for (auto deadline = Clock::now() + std::chrono::seconds(15); Clock::now() < deadline;) {
    if (api_get(topo_.netns(topo_.client()), o_.api_port, "/healthz", body, error)) return true;
    std::string exited = children_.reap_exited();
    if (!exited.empty()) return fail(exited);
    if (!sleep_unless_signalled(signals_, milliseconds(100))) return fail("interrupted");
  }
  return fail("the services are not ready after 15 s: " + error + " (api log: " +
              children_.log_tail("api") + "; backend log: " + children_.log_tail("backend") + ")");
}

std::optional<json> Demo::fetch_trace(const std::string& trace_id) {
  httplib::Client client("127.0.0.1", o_.ui_port);
  client.set_connection_timeout(milliseconds(500));
  client.set_read_timeout(std::chrono::seconds(5));
  auto res = client.Get(("/api/traces/" + trace_id).c_str());
  if (!res || res->status != 200) return std::nullopt;
  json j = json::parse(res->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

RequestReport Demo::resolve(const ApiAnswer& answer, milliseconds timeout, bool& complete) {
  RequestReport report;
  complete = false;
  auto deadline = Clock::now() + timeout;
  bool seen = false;
  for (;;) {
    if (auto trace = fetch_trace(answer.trace_id)) {
      seen = true;
      complete = fill_from_trace(answer, *trace, report, o_.zero_code);
    } else {
      fill_from_trace(answer, json::object(), report);
    }
    if (complete || Clock::now() >= deadline || signals_.received()) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  if (!complete) {
    report.error = seen ? "the collector has the trace but not all its network data"
                        : "the collector has no such trace";
  }
  return report;
}

bool Demo::first_trace() {
  say("waiting for a first trace with network data");
  std::string body, error;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    StartedTrace trace;
    if (o_.zero_code) trace = start_trace(ids_);
    if (!api_get(topo_.netns(topo_.client()), o_.api_port, "/api/request", body, error,
                 trace.traceparent)) {
      return fail("the first /api/request failed: " + error +
                  " (api log: " + children_.log_tail("api") + ")");
    }
    auto answer = parse_api_answer(body, error, trace.trace_id);
    if (!answer) return fail(error);
    bool complete = false;
    RequestReport report = resolve(*answer, milliseconds(5000), complete);
    if (complete) return true;
    if (signals_.received()) return fail("interrupted");
    std::string exited = children_.reap_exited();
    if (!exited.empty()) return fail(exited);
  }
  return fail("no trace with network data reached the collector within 30 s (agent log: " +
              children_.log_tail("agent-" + topo_.server()) +
              "; collector log: " + children_.log_tail("collector") + ")");
}

void Demo::handle_key(int key) {
  std::string error;
  std::optional<std::chrono::microseconds> delay = congestion_->delay();
  std::optional<std::string> rate = congestion_->rate();
  if (key == 'd') {
    if (delay) {
      delay.reset();
    } else {
      delay = std::chrono::microseconds(200000);
      for (const auto& c : o_.congestion) {
        if (c.kind == CongestionSpec::Kind::kDelay) delay = c.delay;
      }
    }
  } else if (key == 'r') {
    if (rate) {
      rate.reset();
    } else {
      rate = "1mbit";
      for (const auto& c : o_.congestion) {
        if (c.kind == CongestionSpec::Kind::kRate) rate = c.rate;
      }
    }
  } else {
    return;
  }
  if (!congestion_->set(delay, rate, error)) {
    say("congestion change failed: %s", error.c_str());
  }
  say("congestion on %s > %s: %s", topo_.router().c_str(), topo_.server().c_str(),
      congestion_->describe().c_str());
}

int Demo::request_loop() {
  KeyReader keys;
  if (!o_.json) {
    say("UI: http://127.0.0.1:%u   (open it in a browser; traces appear as they arrive)",
        o_.ui_port);
    if (keys.active()) {
      say("keys: d = toggle a delay on %s > %s, r = toggle a rate limit, q = quit",
          topo_.router().c_str(), topo_.server().c_str());
    }
    say("Ctrl-C stops the demo and removes everything it created");
    std::printf("%-32s  %-8s  sub-requests: duration [path with per-hop delays]\n", "trace id",
                "total");
    std::fflush(stdout);
  }
  load_ = std::make_unique<LoadClient>(topo_.netns(topo_.client()), o_.api_port, o_.rate,
                                       o_.requests, o_.zero_code);
  load_->start();
  json summary = json::array();
  int incomplete = 0;
  int received = 0;
  bool interrupted = false;
  while (o_.requests == 0 || received < o_.requests) {
    if (signals_.received()) {
      interrupted = true;
      break;
    }
    if (keys.active()) {
      int key;
      while ((key = keys.read_key()) >= 0) {
        if (key == 'q') interrupted = true;
        handle_key(key);
      }
      if (interrupted) break;
    }
    std::string exited = children_.reap_exited();
    if (!exited.empty()) {
      fail("a part stopped while the demo ran: " + exited);
      break;
    }
    auto next = load_->next(milliseconds(100));
    if (!next) continue;
    ++received;
    RequestReport report;
    bool complete = false;
    if (next->answer) {
      report = resolve(*next->answer, milliseconds(o_.trace_timeout_ms), complete);
    } else {
      report.error = next->error;
    }
    if (!complete && signals_.received()) {
      interrupted = true;  // cut short by Ctrl-C: not a request without network data
      break;
    }
    if (!complete) ++incomplete;
    if (o_.json) {
      summary.push_back(to_json(report));
    } else {
      std::printf("%s\n", to_line(report).c_str());
      std::fflush(stdout);
    }
  }
  // A request still in flight ends when teardown stops the services.
  load_->request_stop();
  if (!interrupted && failure_.empty() && !o_.exit_when_done) {
    say("%d requests done; the collector and UI stay up until Ctrl-C", received);
    while (sleep_unless_signalled(signals_, milliseconds(500))) {
      std::string exited = children_.reap_exited();
      if (!exited.empty()) {
        fail("a part stopped: " + exited);
        break;
      }
    }
  }
  if (o_.json) {
    json out = {
        {"ok", failure_.empty() && incomplete == 0 && !interrupted},
        {"requests", std::move(summary)},
        {"congestion", congestion_->describe()},
        {"congestion_back", congestion_back_ ? congestion_back_->describe() : std::string("none")},
        {"encap", o_.encap},
        {"zero_code", o_.zero_code},
        {"ui", "http://127.0.0.1:" + std::to_string(o_.ui_port)},
        {"namespaces", topo_.namespaces()}};
    if (!failure_.empty()) out["error"] = failure_;
    if (incomplete > 0) {
      out["incomplete"] = incomplete;
    }
    std::printf("%s\n", out.dump(2).c_str());
    std::fflush(stdout);
  }
  if (!failure_.empty()) return kStartFailed;
  if (interrupted) return o_.requests == 0 ? kOk : kInterrupted;
  if (incomplete > 0) {
    failure_ = std::to_string(incomplete) + " of " + std::to_string(received) +
               " requests have no complete network data";
    return kIncomplete;
  }
  return kOk;
}

void Demo::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  if (load_) load_->request_stop();
  if (congestion_) congestion_->clear();
  if (congestion_back_) congestion_back_->clear();
  children_.stop_all();
  if (load_) load_->stop();
  if (topology_up_) {
    std::string out;
    if (os::run_command({o_.clt_binary, "topo", "down", "--prefix", o_.prefix}, out) != 0) {
      say("`clt topo down` failed (%s); removing the namespaces directly", out.c_str());
    }
    // Whatever topo down could not remove goes now: nothing may stay behind.
    Leftovers l = find_leftovers(o_);
    l.running_pid = 0;
    std::string error;
    if (!l.namespaces.empty() && !remove_leftovers(o_, l, error)) say("%s", error.c_str());
  }
  std::error_code ec;
  if (keep_logs_ && fs::exists(log_dir_, ec)) {
    std::string kept = "/tmp/clt-demo-logs-" + std::to_string(::getpid());
    fs::rename(log_dir_, kept, ec);
    if (!ec) say("logs of the parts are in %s", kept.c_str());
  }
  fs::remove_all(o_.run_dir, ec);
}

// Each direction's link gets what --congest asked for it.
bool Demo::apply_congestion() {
  using Direction = CongestionSpec::Direction;
  for (Direction direction : {Direction::kTowardsServer, Direction::kTowardsClient}) {
    std::optional<std::chrono::microseconds> delay;
    std::optional<std::string> rate;
    for (const auto& c : o_.congestion) {
      if (c.direction != direction) continue;
      if (c.kind == CongestionSpec::Kind::kDelay) delay = c.delay;
      if (c.kind == CongestionSpec::Kind::kRate) rate = c.rate;
    }
    if (!delay && !rate) continue;
    std::string error;
    CongestionControl* control = congestion_.get();
    if (direction == Direction::kTowardsClient) {
      auto site = topo_.reverse_congestion_site(error);
      if (!site) return fail("cannot congest the way back: " + error);
      congestion_back_ = std::make_unique<CongestionControl>(*site, children_, o_.clt_binary);
      control = congestion_back_.get();
    }
    if (!control->set(delay, rate, error)) return fail("cannot apply the congestion: " + error);
    say("congestion on %s: %s", control->link().c_str(), control->describe().c_str());
  }
  return true;
}

int Demo::run() {
  std::error_code ec;
  fs::remove_all(o_.run_dir, ec);  // stale files of a finished run (preflight checked)
  fs::create_directories(log_dir_, ec);
  if (ec) {
    say("cannot create %s: %s", log_dir_.c_str(), ec.message().c_str());
    return kStartFailed;
  }
  std::ofstream(o_.run_dir + "/demo.pid") << ::getpid() << "\n";

  bool started = start_topology() && start_collector() && start_agent() && start_services();
  if (started) {
    congestion_ =
        std::make_unique<CongestionControl>(topo_.congestion_site(), children_, o_.clt_binary);
    started = first_trace();
  }
  if (started && !o_.congestion.empty()) started = apply_congestion();
  int status;
  if (!started) {
    say("%s", failure_.c_str());
    if (o_.json) {
      json out = {{"ok", false}, {"error", failure_}, {"requests", json::array()}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    status = signals_.received() ? kInterrupted : kStartFailed;
  } else {
    status = request_loop();
    if (status != kOk && !failure_.empty()) say("%s", failure_.c_str());
  }
  say("tearing down");
  teardown();
  Leftovers l = find_leftovers(o_);
  if (!l.namespaces.empty()) {
    say("namespace %s could not be removed: run `ip netns del %s`", l.namespaces[0].c_str(),
        l.namespaces[0].c_str());
    if (status == kOk) status = kStartFailed;
  } else {
    say("done: no namespace or process left behind");
  }
  return status;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  // Before any thread exists, so all of them inherit the mask: teardown runs
  // on this thread, in order.
  os::BlockedSignals signals({SIGINT, SIGTERM, SIGHUP});
  auto problems = preflight(options);
  if (!problems.empty() && options.cleanup) {
    Leftovers l = find_leftovers(options);
    std::string error;
    if (!remove_leftovers(options, l, error)) {
      say("%s", error.c_str());
      return kStartFailed;
    }
    say("removed the leftovers of an earlier run");
    problems = preflight(options);
  }
  if (options.zero_code) {
    if (std::string problem = zero_code_problem(options.zero_code_dir); !problem.empty())
      problems.push_back(problem);
  }
  if (!problems.empty()) {
    for (const auto& p : problems) say("%s", p.c_str());
    if (options.json) {
      json out = {{"ok", false}, {"error", problems}, {"requests", json::array()}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    return kStartFailed;
  }
  // The topology `clt topo up` brings up, when given none.
  std::string error;
  auto topology = topo::parse_topology(topo::default_topology_text(), "default.topo", error);
  std::optional<DemoTopology> roles;
  if (topology) roles = DemoTopology::from(*topology, options.prefix, error);
  if (!roles) {
    say("the default topology cannot run the demo: %s", error.c_str());
    return kStartFailed;
  }
  Demo demo(options, *roles, signals);
  return demo.run();
}

}  // namespace clt::demo
