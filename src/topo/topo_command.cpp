// `clt topo up|down|show [FILE] [--prefix P]`: network-namespace topologies
// from a declarative file (docs/topology.md); the default one when no FILE.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "topo/default_topology.h"
#include "topo/topology_apply.h"
#include "topo/topology_parser.h"
#include "topo/topology_plan.h"

namespace {

struct Options {
  std::string file;
  std::string prefix;
  bool dry_run = false;
};

bool load(const Options& o, clt::topo::Topology& out, std::string& source) {
  std::string text;
  if (o.file.empty()) {
    source = "default.topo";
    text = std::string(clt::topo::default_topology_text());
  } else {
    source = o.file;
    std::ifstream in(o.file);
    if (!in) {
      std::fprintf(stderr, "clt topo: cannot read %s: check the path\n", o.file.c_str());
      return false;
    }
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  if (!clt::topo::valid_prefix(o.prefix)) {
    std::fprintf(stderr,
                 "clt topo: --prefix '%s' must be at most 32 letters, digits, '-', '_' or '.'\n",
                 o.prefix.c_str());
    return false;
  }
  std::string error;
  auto t = clt::topo::parse_topology(text, source, error);
  if (!t) {
    std::fprintf(stderr, "clt topo: %s\n", error.c_str());
    return false;
  }
  out = std::move(*t);
  return true;
}

std::string joined_names(const clt::topo::Topology& t, const std::string& prefix) {
  std::string s;
  for (const auto& n : clt::topo::namespace_names(t, prefix)) s += (s.empty() ? "" : " ") + n;
  return s;
}

int up(const Options& o) {
  clt::topo::Topology t;
  std::string source;
  if (!load(o, t, source)) return 2;
  if (o.dry_run) {
    for (const auto& s : clt::topo::plan_up(t, o.prefix))
      std::printf("%s\n", s.to_string().c_str());
    return 0;
  }
  auto r = clt::topo::topology_up(t, o.prefix, source);
  if (!r.ok) {
    std::fprintf(stderr, "clt topo up: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("topology %s: %s\n", r.already_up ? "already up" : "up",
              joined_names(t, o.prefix).c_str());
  return 0;
}

int down(const Options& o) {
  clt::topo::Topology t;
  std::string source;
  if (!load(o, t, source)) return 2;
  auto r = clt::topo::topology_down(t, o.prefix);
  if (!r.ok) {
    std::fprintf(stderr, "clt topo down: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("topology down: %s", joined_names(t, o.prefix).c_str());
  if (r.stopped_processes > 0) std::printf(" (stopped %d processes)", r.stopped_processes);
  std::printf("\n");
  return 0;
}

int show(const Options& o) {
  if (o.file.empty()) {
    std::fputs(std::string(clt::topo::default_topology_text()).c_str(), stdout);
    return 0;
  }
  clt::topo::Topology t;
  std::string source;
  if (!load(o, t, source)) return 2;
  std::ifstream in(o.file);
  std::ostringstream s;
  s << in.rdbuf();
  std::fputs(s.str().c_str(), stdout);
  return 0;
}

}  // namespace

int clt::cli::run_topo(int argc, char** argv) {
  CLI::App app{"Bring a topology of network namespaces up or down (needs root)", "clt topo"};
  app.require_subcommand(1);
  Options o;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("file", o.file, "topology file (default: the built-in athos-porthos-aramis)");
    sub->add_option("--prefix", o.prefix, "prefix of every namespace name (tests: unique copies)");
  };
  auto* up_cmd = app.add_subcommand("up", "create the namespaces, links, routes and IOAM settings");
  add_common(up_cmd);
  up_cmd->add_flag("--dry-run", o.dry_run, "print the commands instead of running them");
  auto* down_cmd = app.add_subcommand("down", "remove every namespace of the topology");
  add_common(down_cmd);
  auto* show_cmd =
      app.add_subcommand("show", "print the topology file (the built-in one by default)");
  add_common(show_cmd);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (up_cmd->parsed()) return up(o);
  if (down_cmd->parsed()) return down(o);
  return show(o);
}
