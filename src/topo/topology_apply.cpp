#include "topo/topology_apply.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "os/ioam6_genl.h"
#include "os/process.h"
#include "topo/netns_ops.h"
#include "topo/topology_plan.h"

namespace clt::topo {

namespace {

constexpr const char* kStateDir = "/run/clt/topo";

std::string plan_text(const std::vector<Step>& steps) {
  std::string text;
  for (const auto& s : steps) text += s.to_string() + "\n";
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void remove_namespaces(const Topology& t, std::string_view prefix, ApplyReport& report) {
  for (const auto& name : namespace_names(t, prefix)) {
    if (!namespace_exists(name)) continue;
    report.stopped_processes += stop_processes_in(name);
    os::run_command({"ip", "netns", "del", name});
  }
}

}  // namespace

std::string state_file(const Topology& t, std::string_view prefix) {
  // Named after the first namespace: unique per (file, prefix) in practice,
  // and readable by an operator.
  return std::string(kStateDir) + "/" + std::string(prefix) +
         (t.nodes.empty() ? std::string("empty") : t.nodes.front().name) + ".plan";
}

ApplyReport topology_up(const Topology& t, std::string_view prefix, std::string_view source) {
  ApplyReport report;
  if (::geteuid() != 0) {
    report.error = "clt topo needs root (network namespaces, veth, sysctls): run it with sudo";
    return report;
  }
  const std::vector<Step> steps = plan_up(t, prefix);
  const std::string planned = plan_text(steps);
  const std::string state = state_file(t, prefix);

  bool all_exist = true;
  for (const auto& name : namespace_names(t, prefix))
    all_exist = all_exist && namespace_exists(name);
  if (all_exist && read_file(state) == planned) {
    report.ok = true;
    report.already_up = true;
    return report;
  }
  // Whatever carries these names (an older plan, a crashed run) goes first.
  remove_namespaces(t, prefix, report);
  ::unlink(state.c_str());

  for (const auto& step : steps) {
    std::string error;
    if (step.kind == Step::Kind::kSysctl) {
      if (!write_sysctl(step.netns, step.key, step.value, error)) {
        if (step.key.find("ioam6") != std::string::npos)
          error += std::string(" (IOAM needs ") + os::ioam6_genl::kFamilyKernel + ")";
      }
    } else {
      const os::CommandResult r = os::run_command(step.argv);
      if (r.exit_code != 0) {
        error = "`" + step.to_string() + "` failed" +
                (r.output.empty() ? std::string() : ": " + r.output);
        if (step.argv[0] == "tc" && r.output.find("qdisc kind is unknown") != std::string::npos)
          error +=
              " (this kernel lacks that qdisc, e.g. CONFIG_NET_SCH_NETEM; `shape` uses tbf "
              "for a rate limit)";
      }
    }
    if (!error.empty()) {
      report.error = std::string(source) + ":" + std::to_string(step.line) + ": " + error +
                     "; nothing was left behind";
      ApplyReport cleanup;
      remove_namespaces(t, prefix, cleanup);
      return report;
    }
  }
  ::mkdir("/run/clt", 0755);
  ::mkdir(kStateDir, 0755);
  std::ofstream(state) << planned;
  report.ok = true;
  return report;
}

ApplyReport topology_down(const Topology& t, std::string_view prefix) {
  ApplyReport report;
  if (::geteuid() != 0) {
    report.error = "clt topo needs root (network namespaces): run it with sudo";
    return report;
  }
  remove_namespaces(t, prefix, report);
  ::unlink(state_file(t, prefix).c_str());
  for (const auto& name : namespace_names(t, prefix)) {
    if (namespace_exists(name)) {
      report.error =
          "could not remove network namespace " + name + ": try `ip netns del " + name + "`";
      return report;
    }
  }
  report.ok = true;
  return report;
}

}  // namespace clt::topo
