#include <cstdio>

#include "cli/commands.h"

int clt::cli::run_collector(int, char**) {
  std::fprintf(stderr, "clt collector: not built yet\n");
  return 2;
}
