#include "demo/load_client.h"

#include <httplib.h>

#include "core/ids.h"
#include "os/netns.h"
#include "tracing/propagation.h"

namespace clt::demo {

namespace {

bool get_once(httplib::Client& client, const std::string& path, std::string& body,
              std::string& error, const std::string& traceparent = {}) {
  httplib::Headers headers;
  if (!traceparent.empty()) headers.emplace("traceparent", traceparent);
  auto res = client.Get(path, headers);
  if (!res) {
    error = "no answer from the API service: " + httplib::to_string(res.error());
    return false;
  }
  body = res->body;
  if (res->status != 200) {
    error = "the API service answered HTTP " + std::to_string(res->status) + ": " +
            res->body.substr(0, 200);
    return false;
  }
  return true;
}

httplib::Client make_client(std::uint16_t port) {
  httplib::Client client("::1", port);
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(30));
  return client;
}

}  // namespace

StartedTrace start_trace(tracing::IdGenerator& ids) {
  tracing::SpanContext context;
  context.trace_id = ids.new_trace_id();
  context.span_id = ids.new_span_id();
  context.trace_flags = tracing::kTraceFlagSampled;
  return {tracing::format_traceparent(context), core::to_hex(context.trace_id)};
}

bool api_get(const std::string& netns, std::uint16_t port, const std::string& path,
             std::string& body, std::string& error, const std::string& traceparent) {
  bool ok = false;
  std::string netns_error;
  if (!os::run_in_netns(
          netns,
          [&] {
            auto client = make_client(port);
            ok = get_once(client, path, body, error, traceparent);
          },
          netns_error)) {
    error = netns_error;
    return false;
  }
  return ok;
}

void LoadClient::start() {
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void LoadClient::request_stop() {
  stop_ = true;
  cv_.notify_all();
}

void LoadClient::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

std::optional<LoadClient::Result> LoadClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !results_.empty(); })) return std::nullopt;
  Result r = std::move(results_.front());
  results_.pop_front();
  return r;
}

void LoadClient::loop() {
  std::string error;
  if (!os::enter_netns(netns_, error)) {
    std::lock_guard lock(mutex_);
    results_.push_back({std::nullopt, error});
    cv_.notify_all();
    finished_ = true;
    return;
  }
  auto client = make_client(port_);
  auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / rate_));
  auto next_at = std::chrono::steady_clock::now();
  for (int sent = 0; !stop_ && (count_ == 0 || sent < count_); ++sent) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, next_at, [&] { return stop_.load(); });
    }
    if (stop_) break;
    next_at += period;
    Result r;
    std::string body;
    StartedTrace trace;
    if (start_traces_) trace = start_trace(ids_);
    if (get_once(client, "/api/request", body, r.error, trace.traceparent)) {
      r.answer = parse_api_answer(body, r.error, trace.trace_id);
    }
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(r));
    cv_.notify_all();
  }
  finished_ = true;
}

}  // namespace clt::demo
