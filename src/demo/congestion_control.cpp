#include "demo/congestion_control.h"
#include "os/process.h"

#include <thread>

namespace clt::demo {

namespace {

constexpr const char* kDelayDevice = "cltdelay";
constexpr const char* kDelayTable = "4242";
constexpr const char* kDelayRulePref = "4242";
constexpr const char* kDelayLineChild = "delay-line";

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

bool CongestionControl::start_delay_line(std::chrono::microseconds delay, std::string& error) {
  std::vector<std::string> argv = {
      "ip",      "netns", "exec",     site_.netns,  clt_binary_,  "demo",
      "service", "delay", "--device", kDelayDevice, "--delay-us", std::to_string(delay.count())};
  if (!children_.start(kDelayLineChild, argv, error)) return false;
  delay_line_running_ = true;
  // The device exists once the delay line has opened it.
  bool present = false;
  for (int i = 0; i < 100 && !present; ++i) {
    present =
        os::run_command({"ip", "-n", site_.netns, "link", "show", "dev", kDelayDevice}).exit_code ==
        0;
    if (!present) std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  if (!present) {
    error = "the delay line did not create its device: " + children_.log_tail(kDelayLineChild);
    stop_delay_line();
    return false;
  }
  std::string out;
  const std::string ns = site_.netns;
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "netns", "exec", ns, "sysctl", "-qw",
       std::string("net.ipv6.conf.") + kDelayDevice +
           ".ioam6_id=" + std::to_string(site_.egress_ioam_id)},
      {"ip", "-n", ns, "link", "set", "dev", kDelayDevice, "up"},
      {"ip", "-n", ns, "-6", "route", "replace", "default", "dev", kDelayDevice, "table",
       kDelayTable},
      {"ip", "-n", ns, "-6", "rule", "add", "pref", kDelayRulePref, "iif", site_.ingress, "to",
       site_.destination, "lookup", kDelayTable},
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
  os::run_command({"ip", "-n", site_.netns, "-6", "rule", "del", "pref", kDelayRulePref});
  children_.stop(kDelayLineChild);
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
