#include <cstdio>

#include "cli/commands.h"

int clt::cli::run_demo(int, char**) {
  std::fprintf(stderr, "clt demo: not built yet\n");
  return 2;
}
