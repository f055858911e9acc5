#include "demo/congestion_control.h"
#include "os/process.h"

#include <thread>

namespace clt::demo {

namespace {

std::string format_delay(std::chrono::microseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "ms";
  return std::to_string(d.count()) + "us";
}

}  // namespace

int CongestionControl::tc(const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> argv = {"tc", "-n", site_.netns};
  argv.insert(argv.end(), args.begin(), args.end());
  os::CommandResult result = os::run_command(argv);
  if (output) *output = std::move(result.output);
  return result.exit_code;
}

std::string CongestionControl::delay_line_child() const {
  return "delay-line-" + site_.next_node;
}

bool CongestionControl::start_delay_line(std::chrono::microseconds delay, std::string& error) {
  const std::string child = delay_line_child();
  const std::string& device = site_.delay_device;
  const std::string& table = site_.delay_table;  // also the rule's preference
  std::vector<std::string> argv = {
      "ip",      "netns", "exec",     site_.netns, clt_binary_,  "demo",
      "service", "delay", "--device", device,      "--delay-us", std::to_string(delay.count())};
  if (!children_.start(child, argv, error)) return false;
  delay_line_running_ = true;
  // The device exists once the delay line has opened it.
  bool present = false;
  for (int i = 0; i < 100 && !present; ++i) {
    present =
        os::run_command({"ip", "-n", site_.netns, "link", "show", "dev", device}).exit_code == 0;
    if (!present) std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  if (!present) {
    error = "the delay line did not create its device: " + children_.log_tail(child);
    stop_delay_line();
    return false;
  }
  std::string out;
  const std::string ns = site_.netns;
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "netns", "exec", ns, "sysctl", "-qw",
       "net.ipv6.conf." + device + ".ioam6_id=" + std::to_string(site_.egress_ioam_id)},
      {"ip", "-n", ns, "link", "set", "dev", device, "up"},
      {"ip", "-n", ns, "-6", "route", "replace", "default", "dev", device, "table", table},
      {"ip", "-n", ns, "-6", "rule", "add", "pref", table, "iif", site_.ingress, "to",
       site_.destination, "lookup", table},
  };
  for (const auto& step : steps) {
    if (os::run_command(step, out) != 0) {
      std::string cmd;
      for (const auto& a : step) cmd += (cmd.empty() ? "" : " ") + a;
      error = "'" + cmd + "' failed: " + out;
      stop_delay_line();
      return false;
    }
  }
  return true;
}

void CongestionControl::stop_delay_line() {
  if (!delay_line_running_) return;
  os::run_command({"ip", "-n", site_.netns, "-6", "rule", "del", "pref", site_.delay_table});
  children_.stop(delay_line_child());
  delay_line_running_ = false;
}

void CongestionControl::clear() {
  stop_delay_line();
  if (root_qdisc_set_) tc({"qdisc", "del", "dev", site_.device, "root"});
  root_qdisc_set_ = false;
  delay_.reset();
  rate_.reset();
}

bool CongestionControl::set(std::optional<std::chrono::microseconds> delay,
                            std::optional<std::string> rate, std::string& error) {
  clear();
  if (!delay && !rate) return true;
  std::string out;
  if (delay && !netem_available_.has_value()) {
    int rc = tc({"qdisc", "replace", "dev", site_.device, "root", "netem", "delay",
                 format_delay(*delay), "limit", "10000"},
                &out);
    netem_available_ = rc == 0;
    if (rc == 0) root_qdisc_set_ = true;
    if (rc != 0 && out.find("unknown") == std::string::npos) {
      error = "tc netem on " + site_.netns + " " + site_.device + " failed: " + out;
      return false;
    }
  }
  if (delay && *netem_available_) {
    std::vector<std::string> args = {"qdisc", "replace", "dev",   site_.device,
                                     "root",  "netem",   "delay", format_delay(*delay),
                                     "limit", "10000"};
    if (rate) {
      args.push_back("rate");
      args.push_back(*rate);
    }
    if (tc(args, &out) != 0) {
      error = "tc netem on " + site_.netns + " " + site_.device + " failed: " + out;
      clear();
      return false;
    }
    root_qdisc_set_ = true;
  } else {
    if (delay && !start_delay_line(*delay, error)) {
      clear();
      return false;
    }
    if (rate) {
      if (tc({"qdisc", "replace", "dev", site_.device, "root", "tbf", "rate", *rate, "burst", "4kb",
              "latency", "2s"},
             &out) != 0) {
        error = "tc tbf on " + site_.netns + " " + site_.device + " failed: " + out;
        clear();
        return false;
      }
      root_qdisc_set_ = true;
    }
  }
  delay_ = delay;
  rate_ = std::move(rate);
  return true;
}

std::string CongestionControl::link() const {
  return site_.node + " > " + site_.next_node;
}

std::string CongestionControl::describe() const {
  std::string out;
  if (delay_) {
    out +=
        "delay " + format_delay(*delay_) +
        (netem_available_.value_or(false) ? " (tc netem)"
                                          : " (user-space delay line: this kernel has no netem)");
  }
  if (rate_) {
    if (!out.empty()) out += ", ";
    out += "rate " + *rate_ +
           (delay_ && netem_available_.value_or(false) ? " (tc netem)" : " (tc tbf)");
  }
  return out.empty() ? "none" : out;
}

}  // namespace clt::demo
