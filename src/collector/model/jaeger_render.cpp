#include "collector/model/jaeger_render.h"

#include <cstring>

#include "core/ids.h"

namespace clt::collector {

namespace {

using nlohmann::json;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

json kvlist_to_json(const common::KeyValueList& list) {
  json o = json::object();
  for (const auto& kv : list.values()) o[kv.key()] = any_to_json(kv.value());
  return o;
}

const char* kind_name(trace::Span::SpanKind k) {
  switch (k) {
    case trace::Span::SPAN_KIND_SERVER:
      return "server";
    case trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    case trace::Span::SPAN_KIND_INTERNAL:
      return "internal";
    default:
      return nullptr;
  }
}

json string_tag(const char* key, const std::string& value) {
  return {{"key", key}, {"type", "string"}, {"value", value}};
}

json count_tag(const char* key, std::uint64_t n) {
  return {{"key", key}, {"type", "int64"}, {"value", n}};
}

std::int64_t ns_to_us(std::uint64_t ns) {
  return static_cast<std::int64_t>(ns / 1000);
}

void render_status(const trace::Span& span, json& tags) {
  if (!span.has_status()) return;
  if (span.status().code() == trace::Status::STATUS_CODE_ERROR) {
    tags.push_back(string_tag("otel.status_code", "ERROR"));
    tags.push_back({{"key", "error"}, {"type", "bool"}, {"value", true}});
  } else if (span.status().code() == trace::Status::STATUS_CODE_OK) {
    tags.push_back(string_tag("otel.status_code", "OK"));
  }
  if (!span.status().message().empty())
    tags.push_back(string_tag("otel.status_description", span.status().message()));
}

std::string logs_of(const trace::Span& span) {
  json logs = json::array();
  for (const auto& ev : span.events()) {
    json fields = json::array();
    fields.push_back(string_tag("event", ev.name()));
    for (const auto& kv : ev.attributes()) fields.push_back(jaeger_tag(kv.key(), kv.value()));
    if (ev.dropped_attributes_count())
      fields.push_back(count_tag(kDroppedAttributes, ev.dropped_attributes_count()));
    logs.push_back({{"timestamp", ns_to_us(ev.time_unix_nano())}, {"fields", fields}});
  }
  return logs.dump();
}

std::string refs_of(const trace::Span& span) {
  json refs = json::array();
  for (const auto& link : span.links()) {
    core::TraceId t{};
    core::SpanId s{};
    if (!core::id_from_bytes(link.trace_id(), t) || !core::id_from_bytes(link.span_id(), s))
      continue;
    refs.push_back(
        {{"refType", "FOLLOWS_FROM"}, {"traceID", core::to_hex(t)}, {"spanID", core::to_hex(s)}});
  }
  return refs.dump();
}

}  // namespace

json any_to_json(const common::AnyValue& v) {
  switch (v.value_case()) {
    case common::AnyValue::kStringValue:
      return v.string_value();
    case common::AnyValue::kBoolValue:
      return v.bool_value();
    case common::AnyValue::kIntValue:
      return v.int_value();
    case common::AnyValue::kDoubleValue:
      return v.double_value();
    case common::AnyValue::kArrayValue: {
      json a = json::array();
      for (const auto& e : v.array_value().values()) a.push_back(any_to_json(e));
      return a;
    }
    case common::AnyValue::kKvlistValue:
      return kvlist_to_json(v.kvlist_value());
    case common::AnyValue::kBytesValue: {
      const std::string& b = v.bytes_value();
      std::string hex(2 * b.size(), '0');
      core::to_hex(reinterpret_cast<const std::uint8_t*>(b.data()), b.size(), hex.data());
      return hex;
    }
    default:
      return nullptr;
  }
}

json jaeger_tag(const std::string& key, const common::AnyValue& v) {
  switch (v.value_case()) {
    case common::AnyValue::kStringValue:
      return {{"key", key}, {"type", "string"}, {"value", v.string_value()}};
    case common::AnyValue::kBoolValue:
      return {{"key", key}, {"type", "bool"}, {"value", v.bool_value()}};
    case common::AnyValue::kIntValue:
      return {{"key", key}, {"type", "int64"}, {"value", v.int_value()}};
    case common::AnyValue::kDoubleValue:
      return {{"key", key}, {"type", "float64"}, {"value", v.double_value()}};
    default: {
      json value = any_to_json(v);
      return {{"key", key},
              {"type", "string"},
              {"value", value.is_string() ? value.get<std::string>() : value.dump()}};
    }
  }
}

std::string tag_value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

void append_search_tags(const json& tags, std::vector<std::pair<std::string, std::string>>& out) {
  for (const json& t : tags) {
    if (!t.is_object()) continue;
    auto k = t.find("key");
    auto v = t.find("value");
    if (k == t.end() || v == t.end() || !k->is_string()) continue;
    out.emplace_back(k->get<std::string>(), tag_value_text(*v));
  }
}

void render_resource(const opentelemetry::proto::resource::v1::Resource& resource,
                     JaegerParts& out) {
  for (const auto& kv : resource.attributes()) {
    if (kv.key() == "service.name" && kv.value().value_case() == common::AnyValue::kStringValue)
      out.service = kv.value().string_value();
    else
      out.process_tags.push_back(jaeger_tag(kv.key(), kv.value()));
  }
  if (resource.dropped_attributes_count())
    out.process_tags.push_back(count_tag(kDroppedAttributes, resource.dropped_attributes_count()));
}

void render_span_tags(const common::InstrumentationScope& scope, const trace::Span& span,
                      JaegerParts& out) {
  json& tags = out.tags;
  for (const auto& kv : span.attributes()) tags.push_back(jaeger_tag(kv.key(), kv.value()));
  if (const char* k = kind_name(span.kind())) tags.push_back(string_tag("span.kind", k));
  render_status(span, tags);
  if (!scope.name().empty()) tags.push_back(string_tag("otel.scope.name", scope.name()));
  if (!scope.version().empty()) tags.push_back(string_tag("otel.scope.version", scope.version()));
  if (!span.trace_state().empty()) tags.push_back(string_tag("w3c.tracestate", span.trace_state()));
  if (span.dropped_attributes_count())
    tags.push_back(count_tag(kDroppedAttributes, span.dropped_attributes_count()));
  if (span.dropped_events_count())
    tags.push_back(count_tag(kDroppedEvents, span.dropped_events_count()));
  if (span.dropped_links_count())
    tags.push_back(count_tag(kDroppedLinks, span.dropped_links_count()));
}

bool render_jaeger(const StoredSpan& stored, JaegerSpan& out) {
  trace::ResourceSpans rs;
  if (!rs.ParseFromString(stored.otlp) || rs.scope_spans_size() != 1 ||
      rs.scope_spans(0).spans_size() != 1)
    return false;
  const auto& ss = rs.scope_spans(0);
  const trace::Span& span = ss.spans(0);
  JaegerParts parts;
  render_resource(rs.resource(), parts);
  render_span_tags(ss.scope(), span, parts);
  out.trace_id = stored.trace_id;
  out.span_id = stored.span_id;
  out.parent_id = stored.parent_id;
  out.service = stored.service;
  out.operation = stored.operation;
  out.start_us = ns_to_us(static_cast<std::uint64_t>(stored.start_ns));
  const std::uint64_t end = span.end_time_unix_nano();
  out.duration_us = end > span.start_time_unix_nano() ? ns_to_us(end) - out.start_us : 0;
  out.tags_json = parts.tags.dump();
  out.process_tags_json = parts.process_tags.dump();
  out.logs_json = span.events_size() ? logs_of(span) : "[]";
  out.refs_json = span.links_size() ? refs_of(span) : "[]";
  return true;
}

}  // namespace clt::collector
