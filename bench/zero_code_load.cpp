// Keep-alive HTTP/1.1 load for the zero-code benchmark: CONNECTIONS threads,
// each one connection (the demo's KeepAliveClient), sending POST PATH with a
// fresh sampled traceparent per request (the ids the agent reads on the
// wire) for SECONDS. Prints one JSON line: requests, errors, seconds, rps.
//   bench_zero_code_load ADDRESS PORT PATH CONNECTIONS SECONDS BODY_BYTES
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/keepalive_client.h"
#include "demo/load_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  std::atomic<long> requests{0};
  std::atomic<long> errors{0};
};

void connection_loop(const std::string& address, std::uint16_t port, const std::string& path,
                     const std::string& body, Clock::time_point end, Totals& totals,
                     std::string& first_error) {
  clt::tracing::RandomIdGenerator ids;
  clt::demo::KeepAliveClient client;
  std::string error;
  if (!client.connect(address, port, 3000, error)) {
    first_error = error;
    totals.errors++;
    return;
  }
  long done = 0, failed = 0;
  while (Clock::now() < end) {
    clt::demo::KeepAliveClient::Headers headers = {
        {"traceparent", clt::demo::start_trace(ids).traceparent},
        {"Content-Type", "application/octet-stream"}};
    clt::demo::HttpResponse response;
    if (!client.request("POST", path, headers, body, response, error) || response.status != 200) {
      if (first_error.empty())
        first_error = error.empty() ? "HTTP " + std::to_string(response.status) : error;
      ++failed;
      break;
    }
    ++done;
  }
  totals.requests += done;
  totals.errors += failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: bench_zero_code_load ADDRESS PORT PATH CONNECTIONS SECONDS BODY_BYTES\n");
    return 2;
  }
  const std::string address = argv[1];
  const auto port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  const std::string path = argv[3];
  const int connections = std::stoi(argv[4]);
  const double seconds = std::stod(argv[5]);
  const std::string body(static_cast<std::size_t>(std::stoul(argv[6])), 'x');
  if (connections < 1 || connections > 256 || seconds <= 0 || seconds > 600) {
    std::fprintf(stderr, "bench_zero_code_load: 1-256 connections, 0-600 seconds\n");
    return 2;
  }
  Totals totals;
  std::vector<std::string> errors(static_cast<std::size_t>(connections));
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i)
    threads.emplace_back(connection_loop, address, port, path, body, end, std::ref(totals),
                         std::ref(errors[static_cast<std::size_t>(i)]));
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::string first_error;
  for (const auto& e : errors)
    if (first_error.empty()) first_error = e;
  const nlohmann::json out = {{"requests", totals.requests.load()},
                              {"errors", totals.errors.load()},
                              {"seconds", elapsed},
                              {"rps", static_cast<double>(totals.requests.load()) / elapsed},
                              {"first_error", first_error}};
  std::printf("%s\n", out.dump().c_str());
  return totals.errors.load() == 0 ? 0 : 1;
}
