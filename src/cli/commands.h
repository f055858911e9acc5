#pragma once

// Entry points of the `clt` subcommands. Each lives in the library of the part
// it drives; argv[0] is the subcommand's own name.
namespace clt::cli {

int run_decode(int argc, char** argv);
int run_topo(int argc, char** argv);
int run_agent(int argc, char** argv);
int run_collector(int argc, char** argv);
int run_demo(int argc, char** argv);

}  // namespace clt::cli
