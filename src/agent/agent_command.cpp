#include <cstdio>

#include "cli/commands.h"

int clt::cli::run_agent(int, char**) {
  std::fprintf(stderr, "clt agent: not built yet\n");
  return 2;
}
