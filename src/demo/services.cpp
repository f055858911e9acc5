#include "demo/services.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>

#include "demo/delay_line.h"
#include "demo/demo_services.h"
#include "os/signals.h"

namespace clt::demo {

namespace {

int run_delay_service(int argc, char** argv) {
  CLI::App app{"Constant-delay line on a TUN device", "clt demo service delay"};
  DelayLineOptions options;
  long long delay_us = 200000;
  app.add_option("--device", options.device, "TUN device name")->capture_default_str();
  app.add_option("--delay-us", delay_us, "delay in microseconds")
      ->check(CLI::Range(0LL, 10000000LL))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  options.delay = std::chrono::microseconds(delay_us);
  std::atomic<bool> stop{false};
  DelayLineCounters counters;
  int rc;
  {
    os::StopOnSignal on_signal([&] { stop = true; });
    rc = run_delay_line(options, stop, counters);
  }
  std::fprintf(stderr, "delay line: %llu packets forwarded, %llu dropped\n",
               static_cast<unsigned long long>(counters.forwarded),
               static_cast<unsigned long long>(counters.dropped));
  return rc;
}

}  // namespace

int run_service(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: clt demo service api|backend|delay [options]\n");
    return 2;
  }
  std::string which = argv[1];
  // Block the stop signals before any thread exists (tracing exporter, HTTP
  // pool) so that only StopOnSignal's waiter receives them.
  const os::BlockedSignals stop_signals({SIGTERM, SIGINT, SIGUSR2});
  if (which == "api") return run_api_service(argc - 1, argv + 1);
  if (which == "backend") return run_backend_service(argc - 1, argv + 1);
  if (which == "delay") return run_delay_service(argc - 1, argv + 1);
  std::fprintf(stderr, "clt demo service: unknown service '%s' (api, backend, delay)\n",
               which.c_str());
  return 2;
}

}  // namespace clt::demo
