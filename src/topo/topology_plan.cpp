#include "topo/topology_plan.h"

#include <cstdio>

namespace clt::topo {

namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class Planner {
 public:
  Planner(std::string_view prefix, std::vector<Step>& out) : prefix_(prefix), out_(out) {}

  std::string ns(const std::string& node) const { return std::string(prefix_) + node; }

  void command(int line, std::vector<std::string> argv) {
    Step s;
    s.kind = Step::Kind::kCommand;
    s.argv = std::move(argv);
    s.line = line;
    out_.push_back(std::move(s));
  }
  void sysctl(int line, const std::string& node, std::string key, std::string value) {
    Step s;
    s.kind = Step::Kind::kSysctl;
    s.netns = ns(node);
    s.key = std::move(key);
    s.value = std::move(value);
    s.line = line;
    out_.push_back(std::move(s));
  }

 private:
  std::string_view prefix_;
  std::vector<Step>& out_;
};

}  // namespace

std::string Step::to_string() const {
  if (kind == Kind::kSysctl) {
    std::string key_dots = key;
    for (char& c : key_dots)
      if (c == '/') c = '.';
    return "ip netns exec " + netns + " sysctl -w " + key_dots + "=" + value;
  }
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

bool valid_prefix(std::string_view prefix) {
  if (prefix.size() > 32) return false;
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> namespace_names(const Topology& t, std::string_view prefix) {
  std::vector<std::string> names;
  for (const auto& n : t.nodes) names.push_back(std::string(prefix) + n.name);
  return names;
}

std::vector<Step> plan_up(const Topology& t, std::string_view prefix) {
  std::vector<Step> steps;
  Planner p(prefix, steps);
  for (const auto& n : t.nodes) {
    const std::string ns = p.ns(n.name);
    p.command(n.line, {"ip", "netns", "add", ns});
    // Addresses are usable at once: no duplicate address detection in a
    // private topology.
    p.sysctl(n.line, n.name, "net/ipv6/conf/all/accept_dad", "0");
    p.sysctl(n.line, n.name, "net/ipv6/conf/default/accept_dad", "0");
    p.command(n.line, {"ip", "-n", ns, "link", "set", "lo", "up"});
    p.sysctl(n.line, n.name, "net/ipv6/ioam6_id", std::to_string(n.ioam_id));
    if (n.ioam_id_wide)
      p.sysctl(n.line, n.name, "net/ipv6/ioam6_id_wide", std::to_string(*n.ioam_id_wide));
    if (n.forwarding) p.sysctl(n.line, n.name, "net/ipv6/conf/all/forwarding", "1");
  }
  for (const auto& l : t.links) {
    p.command(l.line, {"ip", "link", "add", l.a.interface, "netns", p.ns(l.a.node), "type", "veth",
                       "peer", "name", l.b.interface, "netns", p.ns(l.b.node)});
    for (const Endpoint* e : {&l.a, &l.b}) {
      p.command(l.line, {"ip", "-n", p.ns(e->node), "addr", "add", e->address, "dev", e->interface,
                         "nodad"});
      p.command(l.line, {"ip", "-n", p.ns(e->node), "link", "set", e->interface, "up"});
    }
  }
  for (const auto& i : t.interfaces) {
    const std::string base = "net/ipv6/conf/" + i.interface + "/";
    p.sysctl(i.line, i.node, base + "ioam6_id", std::to_string(i.id));
    if (i.id_wide) p.sysctl(i.line, i.node, base + "ioam6_id_wide", std::to_string(*i.id_wide));
    p.sysctl(i.line, i.node, base + "ioam6_enabled", i.enabled ? "1" : "0");
  }
  for (const auto& s : t.schemas)
    p.command(s.line,
              {"ip", "-n", p.ns(s.node), "ioam", "schema", "add", std::to_string(s.id), s.data});
  for (const auto& ns : t.namespaces) {
    std::vector<std::string> argv = {"ip",        "-n",  p.ns(ns.node),        "ioam",
                                     "namespace", "add", std::to_string(ns.id)};
    if (ns.data) {
      argv.push_back("data");
      argv.push_back(hex(*ns.data));
    }
    if (ns.data_wide) {
      argv.push_back("wide");
      argv.push_back(hex(*ns.data_wide));
    }
    p.command(ns.line, std::move(argv));
    if (ns.schema)
      p.command(ns.line, {"ip", "-n", p.ns(ns.node), "ioam", "namespace", "set",
                          std::to_string(ns.id), "schema", std::to_string(*ns.schema)});
  }
  for (const auto& r : t.routes)
    p.command(r.line, {"ip", "-n", p.ns(r.node), "-6", "route", "add", r.prefix, "via", r.via});
  for (const auto& n : t.netems) {
    std::vector<std::string> argv = {"tc",  "-n",        p.ns(n.node), "qdisc", "replace",
                                     "dev", n.interface, "root",       "netem"};
    if (!n.limit.empty()) argv.insert(argv.end(), {"limit", n.limit});
    if (!n.delay.empty()) {
      argv.insert(argv.end(), {"delay", n.delay});
      if (!n.jitter.empty()) argv.push_back(n.jitter);
    }
    if (!n.loss.empty()) argv.insert(argv.end(), {"loss", n.loss});
    if (!n.rate.empty()) argv.insert(argv.end(), {"rate", n.rate});
    p.command(n.line, std::move(argv));
  }
  for (const auto& s : t.shapes)
    p.command(s.line, {"tc", "-n", p.ns(s.node), "qdisc", "replace", "dev", s.interface, "root",
                       "tbf", "rate", s.rate, "burst", s.burst, "latency", s.latency});
  return steps;
}

}  // namespace clt::topo
