#include <cstdio>
#include <string_view>

#include "cli/commands.h"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"demo", "run the paper's scenario on network namespaces, with the UI", clt::cli::run_demo},
    {"decode", "decode IOAM/CLT traces from a pcap or pcapng file to JSON lines",
     clt::cli::run_decode},
    {"agent", "capture IOAM traces on this node and report them to a collector",
     clt::cli::run_agent},
    {"collector", "join IOAM reports with application spans; store, export, query, UI",
     clt::cli::run_collector},
    {"topo", "bring a topology of network namespaces up or down", clt::cli::run_topo},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "clt: Cross-Layer Telemetry for stock Linux (IOAM + OpenTelemetry)\n\n"
               "usage: clt <command> [options]   (clt <command> --help for its options)\n\n"
               "commands:\n");
  for (const auto& c : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("clt %s\n", CLT_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (c.name == name) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "clt: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
