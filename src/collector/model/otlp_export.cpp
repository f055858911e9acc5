#include "collector/model/otlp_export.h"

#include <map>
#include <nlohmann/json.hpp>

#include "collector/model/jaeger_render.h"

namespace clt::collector {

namespace {

using nlohmann::json;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

json parse_array(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_array() ? j : json::array();
}

bool usable_tag(const json& t) {
  return t.is_object() && t.contains("key") && t["key"].is_string() && t.contains("value");
}

void set_any_from_tag(const json& tag, common::AnyValue& v) {
  const std::string type = tag.value("type", "string");
  const json& value = tag["value"];
  if (type == "bool" && value.is_boolean()) {
    v.set_bool_value(value.get<bool>());
  } else if (type == "int64" && value.is_number_integer()) {
    v.set_int_value(value.get<std::int64_t>());
  } else if (type == "float64" && value.is_number()) {
    v.set_double_value(value.get<double>());
  } else {
    v.set_string_value(value.is_string() ? value.get<std::string>() : value.dump());
  }
}

std::uint32_t count_of(const json& value) {
  return value.is_number_integer() ? value.get<std::uint32_t>() : 0;
}

std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : tag_value_text(value);
}

trace::Span::SpanKind kind_of(const std::string& k) {
  if (k == "server") return trace::Span::SPAN_KIND_SERVER;
  if (k == "client") return trace::Span::SPAN_KIND_CLIENT;
  if (k == "producer") return trace::Span::SPAN_KIND_PRODUCER;
  if (k == "consumer") return trace::Span::SPAN_KIND_CONSUMER;
  return trace::Span::SPAN_KIND_INTERNAL;
}

// A tag Jaeger derives from an OTLP field, put back into that field; false
// for an ordinary attribute.
bool field_from_tag(const std::string& key, const json& value, common::InstrumentationScope& scope,
                    trace::Span& span) {
  if (key == kDroppedAttributes && value.is_number_integer())
    span.set_dropped_attributes_count(count_of(value));
  else if (key == kDroppedEvents && value.is_number_integer())
    span.set_dropped_events_count(count_of(value));
  else if (key == kDroppedLinks && value.is_number_integer())
    span.set_dropped_links_count(count_of(value));
  else if (key == "span.kind")
    span.set_kind(kind_of(text_of(value)));
  else if (key == "otel.status_code")
    span.mutable_status()->set_code(text_of(value) == "ERROR" ? trace::Status::STATUS_CODE_ERROR
                                                              : trace::Status::STATUS_CODE_OK);
  else if (key == "otel.status_description")
    span.mutable_status()->set_message(text_of(value));
  else if (key == "error" && value.is_boolean() && value.get<bool>())
    span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  else if (key == "otel.scope.name")
    scope.set_name(text_of(value));
  else if (key == "otel.scope.version")
    scope.set_version(text_of(value));
  else if (key == "w3c.tracestate")
    span.set_trace_state(text_of(value));
  else
    return false;
  return true;
}

void events_from_logs(const json& logs, trace::Span& span) {
  for (const json& log : logs) {
    if (!log.is_object()) continue;
    auto* ev = span.add_events();
    const json ts = log.value("timestamp", json(0));
    if (ts.is_number_integer()) ev->set_time_unix_nano(ts.get<std::uint64_t>() * 1000);
    for (const json& f : log.value("fields", json::array())) {
      if (!usable_tag(f)) continue;
      const std::string key = f["key"].get<std::string>();
      if (key == "event" && f["value"].is_string()) {
        ev->set_name(f["value"].get<std::string>());
      } else if (key == kDroppedAttributes && f["value"].is_number_integer()) {
        ev->set_dropped_attributes_count(count_of(f["value"]));
      } else {
        auto* a = ev->add_attributes();
        a->set_key(key);
        set_any_from_tag(f, *a->mutable_value());
      }
    }
  }
}

void links_from_refs(const json& refs, trace::Span& span) {
  for (const json& r : refs) {
    if (!r.is_object() || !r.contains("traceID") || !r.contains("spanID")) continue;
    auto t = core::parse_trace_id(r["traceID"].is_string() ? r["traceID"].get<std::string>() : "");
    auto s = core::parse_span_id(r["spanID"].is_string() ? r["spanID"].get<std::string>() : "");
    if (!t || !s) continue;
    auto* link = span.add_links();
    link->set_trace_id(t->data(), t->size());
    link->set_span_id(s->data(), s->size());
  }
}

}  // namespace

void stored_to_otlp(const std::vector<StoredSpan>& spans, ExportTraceServiceRequest& out) {
  std::map<std::string, trace::ResourceSpans*> by_resource;
  std::map<std::pair<trace::ResourceSpans*, std::string>, trace::ScopeSpans*> by_scope;
  trace::ResourceSpans one;
  for (const StoredSpan& s : spans) {
    if (!one.ParseFromString(s.otlp) || one.scope_spans_size() != 1) continue;
    auto* ss = one.mutable_scope_spans(0);
    const std::string resource_key = one.resource().SerializeAsString() + '\0' + one.schema_url();
    auto& rs = by_resource[resource_key];
    if (!rs) {
      rs = out.add_resource_spans();
      rs->mutable_resource()->Swap(one.mutable_resource());
      rs->set_schema_url(one.schema_url());
    }
    const std::string scope_key = ss->scope().SerializeAsString() + '\0' + ss->schema_url();
    auto& target = by_scope[{rs, scope_key}];
    if (!target) {
      target = rs->add_scope_spans();
      target->mutable_scope()->Swap(ss->mutable_scope());
      target->set_schema_url(ss->schema_url());
    }
    for (auto& span : *ss->mutable_spans()) target->add_spans()->Swap(&span);
  }
}

void jaeger_to_stored(const JaegerSpan& row, StoredSpan& out) {
  trace::ResourceSpans rs;
  auto* service = rs.mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value(row.service);
  const json process_tags = parse_array(row.process_tags_json);
  for (const json& t : process_tags) {
    if (!usable_tag(t)) continue;
    const std::string key = t["key"].get<std::string>();
    if (key == kDroppedAttributes && t["value"].is_number_integer()) {
      rs.mutable_resource()->set_dropped_attributes_count(count_of(t["value"]));
      continue;
    }
    auto* a = rs.mutable_resource()->add_attributes();
    a->set_key(key);
    set_any_from_tag(t, *a->mutable_value());
  }
  auto* ss = rs.add_scope_spans();
  ss->mutable_scope()->set_name("clt.collector");
  auto* span = ss->add_spans();
  span->set_trace_id(row.trace_id.data(), row.trace_id.size());
  span->set_span_id(row.span_id.data(), row.span_id.size());
  if (!core::is_zero(row.parent_id)) span->set_parent_span_id(row.parent_id.data(), 8);
  span->set_name(row.operation);
  span->set_start_time_unix_nano(static_cast<std::uint64_t>(row.start_us) * 1000);
  span->set_end_time_unix_nano(static_cast<std::uint64_t>(row.start_us + row.duration_us) * 1000);
  span->set_kind(trace::Span::SPAN_KIND_INTERNAL);
  const json tags = parse_array(row.tags_json);
  for (const json& t : tags) {
    if (!usable_tag(t)) continue;
    const std::string key = t["key"].get<std::string>();
    if (field_from_tag(key, t["value"], *ss->mutable_scope(), *span)) continue;
    auto* a = span->add_attributes();
    a->set_key(key);
    set_any_from_tag(t, *a->mutable_value());
  }
  events_from_logs(parse_array(row.logs_json), *span);
  links_from_refs(parse_array(row.refs_json), *span);
  out.trace_id = row.trace_id;
  out.span_id = row.span_id;
  out.parent_id = row.parent_id;
  out.service = row.service;
  out.operation = row.operation;
  out.start_ns = row.start_us * 1000;
  out.duration_ns = row.duration_us * 1000;
  rs.SerializeToString(&out.otlp);
  out.search_tags.clear();
  append_search_tags(tags, out.search_tags);
  append_search_tags(process_tags, out.search_tags);
}

}  // namespace clt::collector
