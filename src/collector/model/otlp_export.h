#pragma once

#include <vector>

#include "collector/model/jaeger_span.h"
#include "collector/model/stored_span.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace clt::collector {

using ExportTraceServiceRequest =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// Stored spans -> one OTLP request: each span as it was received, spans of
// equal resource and scope (and schema URLs) grouped as a sender groups them.
// Spans whose protobuf is corrupt are left out.
void stored_to_otlp(const std::vector<StoredSpan>& spans, ExportTraceServiceRequest& out);

// A span known only in its Jaeger form (derived network and hop spans; spans
// of a database from before spans were stored as OTLP) as a stored span: tags
// back to attributes, the tags Jaeger derives from OTLP fields (span.kind,
// otel.status_*, otel.scope.*, w3c.tracestate, otel.dropped_*) back to those
// fields, logs to events, FOLLOWS_FROM references to links. The scope is
// clt.collector when the tags name none. Search tags are filled.
void jaeger_to_stored(const JaegerSpan& row, StoredSpan& out);

}  // namespace clt::collector
