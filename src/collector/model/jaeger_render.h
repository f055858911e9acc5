#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "collector/model/jaeger_span.h"
#include "collector/model/stored_span.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace clt::collector {

// The Jaeger view of OTLP, as Jaeger's own OTLP translator maps it:
// service.name -> service, other resource attributes -> process tags,
// attributes -> tags (plus span.kind, otel.status_code, error,
// otel.status_description, otel.scope.name/version, w3c.tracestate and the
// otel.dropped_*_count tags), events -> logs, links -> FOLLOWS_FROM
// references; times in microseconds.
struct JaegerParts {
  std::string service = "unknown_service";
  nlohmann::json process_tags = nlohmann::json::array();
  nlohmann::json tags = nlohmann::json::array();
};

// The service and process tags of a resource.
void render_resource(const opentelemetry::proto::resource::v1::Resource& resource,
                     JaegerParts& out);
// The tags of a span (not its events or links).
void render_span_tags(const opentelemetry::proto::common::v1::InstrumentationScope& scope,
                      const opentelemetry::proto::trace::v1::Span& span, JaegerParts& out);

// A stored span as Jaeger shows it; false when its protobuf is corrupt.
bool render_jaeger(const StoredSpan& span, JaegerSpan& out);

// Jaeger's tag shape for an OTLP attribute; composite values become JSON text.
nlohmann::json jaeger_tag(const std::string& key,
                          const opentelemetry::proto::common::v1::AnyValue& v);
// An OTLP value as JSON (composite values nested, bytes as hex).
nlohmann::json any_to_json(const opentelemetry::proto::common::v1::AnyValue& v);
// A tag value as a search compares it: text as is, true/false, numbers in JSON.
std::string tag_value_text(const nlohmann::json& v);
// (key, value text) of each tag of `tags` appended to `out`.
void append_search_tags(const nlohmann::json& tags,
                        std::vector<std::pair<std::string, std::string>>& out);

inline constexpr const char* kDroppedAttributes = "otel.dropped_attributes_count";
inline constexpr const char* kDroppedEvents = "otel.dropped_events_count";
inline constexpr const char* kDroppedLinks = "otel.dropped_links_count";

}  // namespace clt::collector
