#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/model/otlp_export.h"
#include "collector/model/stored_span.h"

namespace clt::collector {

// What one stored span may hold, as the OpenTelemetry SDKs limit spans
// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and friends). What is beyond a count is
// dropped and the number dropped added to the span's OTLP dropped counts
// (shown as the tags otel.dropped_attributes_count,
// otel.dropped_events_count and otel.dropped_links_count); longer string
// values are cut at a UTF-8 character boundary, and a composite value whose
// JSON text is longer becomes that text, cut.
struct SpanLimits {
  std::size_t attributes = 128;          // per span, and per resource
  std::size_t events = 128;              // per span
  std::size_t links = 128;               // per span
  std::size_t event_attributes = 128;    // per event
  std::size_t value_length = 16 * 1024;  // bytes of a string (or composite) value
};

struct Metrics;

struct OtlpConversion {
  std::vector<StoredSpan> spans;
  std::int64_t rejected = 0;  // spans with invalid ids
  std::string first_error;    // why the first rejected span was rejected
  // What the span limits removed (not counting what the sender dropped).
  std::uint64_t dropped_attributes = 0;
  std::uint64_t dropped_events = 0;
  std::uint64_t dropped_links = 0;
  std::uint64_t truncated_values = 0;

  void clear() { *this = OtlpConversion{}; }
};

// OTLP spans -> stored spans, each as received within `limits`: its own
// ResourceSpans (resource, scope, schema URLs, the span) plus the indexed
// columns and search tags. Spans whose trace id is not 16 bytes or whose span
// id is not 8 bytes are rejected (counted), as the spec requires.
void convert_otlp(const ExportTraceServiceRequest& request, const SpanLimits& limits,
                  OtlpConversion& out);
inline void convert_otlp(const ExportTraceServiceRequest& request, OtlpConversion& out) {
  convert_otlp(request, SpanLimits{}, out);
}
// Adds what a conversion rejected, dropped and truncated to the counters.
void count_conversion(const OtlpConversion& conv, Metrics& metrics);

}  // namespace clt::collector
