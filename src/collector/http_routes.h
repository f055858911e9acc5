#pragma once

#include <chrono>
#include <cstddef>

#include "collector/commit_waiter.h"
#include "collector/http_server.h"
#include "collector/ingest_queue.h"
#include "collector/metrics.h"
#include "collector/otlp_spans.h"
#include "collector/query_service.h"

namespace clt::collector {

struct OtlpHttpOptions {
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // also once Content-Encoding is undone
  std::chrono::milliseconds ack_timeout{30'000};
  SpanLimits limits;
};

// POST /v1/traces, protobuf or JSON (OTLP/HTTP), plain, gzip or deflate.
void install_otlp_http_routes(HttpServer& server, IngestQueue& queue, CommitWaiter& waiter,
                              Metrics& metrics, OtlpHttpOptions options);

// The Jaeger-compatible query API, /metrics, /healthz and the UI.
void install_query_routes(HttpServer& server, QueryService& query, Metrics& metrics);

}  // namespace clt::collector
