#pragma once

#include <cstdint>
#include <string>

#include "core/ids.h"

namespace clt::collector {

// A span as the Jaeger API shows it: rendered at query time from a stored
// span (otlp_spans.h) or derived from a network summary (network_spans.h).
// The Jaeger JSON pieces (tags, process tags, logs, extra references) are text.
struct JaegerSpan {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  core::SpanId parent_id{};  // zero: a root span
  std::string service;
  std::string operation;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
  std::string tags_json = "[]";          // [{"key","type","value"}]
  std::string process_tags_json = "[]";  // same shape
  std::string logs_json = "[]";          // [{"timestamp", "fields": [...]}]
  std::string refs_json = "[]";          // references besides the parent (links)
};

// The service name of the network and hop spans.
inline constexpr const char* kIoamService = "ioam";
inline constexpr const char* kNetworkOperation = "network path";

}  // namespace clt::collector
