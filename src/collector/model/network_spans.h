#pragma once

#include <string>
#include <vector>

#include "collector/model/jaeger_span.h"
#include "collector/model/network_summary.h"

namespace clt::collector {

// The trace/span id a network summary is filed under. For a span's packets:
// the application's trace id. For id-less packets: a synthetic one.
core::TraceId network_trace_id(const NetworkSummary& s);
// Deterministic ids, so recomputing a summary replaces the same spans.
core::SpanId network_span_id(const JoinKey& key);
core::SpanId hop_span_id(const JoinKey& key, int hop);

// The network span (child of the application span) followed by its hop spans,
// with the tags of the data model (docs/collector.md).
void append_network_spans(const NetworkSummary& s, std::vector<JaegerSpan>& out);

// "hop 2 porthos" (the node id when it has no name).
std::string hop_operation_name(const HopSummary& h);

// Summary <-> JSON text, the form in which it is stored.
std::string summary_to_json(const NetworkSummary& s);
bool summary_from_json(const std::string& text, NetworkSummary& out);

}  // namespace clt::collector
