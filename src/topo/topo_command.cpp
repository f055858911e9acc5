#include <cstdio>

#include "cli/commands.h"

int clt::cli::run_topo(int, char**) {
  std::fprintf(stderr, "clt topo: not built yet\n");
  return 2;
}
