#pragma once

#include <span>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tracing/span_data.h"

namespace clt::tracing {

// One export request for a batch: spans grouped by resource, then by scope,
// in the order they first appear.
void to_otlp(std::span<const SpanData> spans,
             opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

void to_otlp(const AttributeValue& value, opentelemetry::proto::common::v1::AnyValue& out);

}  // namespace clt::tracing
