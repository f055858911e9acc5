#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"

namespace clt::collector {

// An application span as received: the OTLP protobuf of a ResourceSpans
// holding this one span with its resource, scope and schema URLs (every
// field the sender set, ns timestamps, events, links, status, trace state,
// dropped counts), plus the columns a store indexes.
struct StoredSpan {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  core::SpanId parent_id{};  // zero: a root span
  std::string service;
  std::string operation;
  std::int64_t start_ns = 0;
  std::int64_t duration_ns = 0;
  std::string otlp;  // opentelemetry.proto.trace.v1.ResourceSpans
  // The tags a Jaeger search matches (span and process tags, value as text),
  // filled on ingest for the store's tag index; empty when read back.
  std::vector<std::pair<std::string, std::string>> search_tags;

  std::size_t bytes() const {
    std::size_t n = sizeof(StoredSpan) + service.size() + operation.size() + otlp.size();
    for (const auto& [k, v] : search_tags) n += k.size() + v.size() + 2 * sizeof(std::string);
    return n;
  }
  // What it takes in a query's answer: its Jaeger form is about three
  // times the protobuf.
  std::size_t answer_bytes() const { return bytes() + 2 * otlp.size(); }
};

}  // namespace clt::collector
