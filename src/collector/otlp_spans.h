#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/span_row.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace clt::collector {

using ExportTraceServiceRequest =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

struct OtlpConversion {
  std::vector<SpanRow> rows;
  std::int64_t rejected = 0;  // spans with invalid ids
  std::string first_error;    // why the first rejected span was rejected
};

// OTLP spans -> rows, mapped as Jaeger maps them: service.name -> service,
// other resource attributes -> process tags, attributes -> tags (plus
// span.kind, otel.status_code, error, otel.scope.name), events -> logs,
// links -> FOLLOWS_FROM references. Spans whose trace id is not 16 bytes or
// whose span id is not 8 bytes are rejected (counted), as the spec requires.
void convert_otlp(const ExportTraceServiceRequest& request, OtlpConversion& out);

// Rows -> one OTLP request, grouped by service (for export).
void rows_to_otlp(const std::vector<SpanRow>& rows, ExportTraceServiceRequest& out);

}  // namespace clt::collector
