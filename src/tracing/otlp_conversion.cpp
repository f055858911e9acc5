#include "tracing/otlp_conversion.h"

namespace clt::tracing {
namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

// OTLP Span.flags: the W3C trace flags plus whether the parent was remote.
constexpr std::uint32_t kContextHasIsRemote = 0x100;
constexpr std::uint32_t kContextIsRemote = 0x200;

void to_otlp(const Attributes& attributes,
             google::protobuf::RepeatedPtrField<common::KeyValue>& out) {
  out.Reserve(static_cast<int>(attributes.size()));
  for (const auto& attribute : attributes) {
    auto* key_value = out.Add();
    key_value->set_key(attribute.key);
    to_otlp(attribute.value, *key_value->mutable_value());
  }
}

std::string id_bytes(const auto& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

void to_otlp(const SpanData& span, trace::Span& out) {
  out.set_trace_id(id_bytes(span.context.trace_id));
  out.set_span_id(id_bytes(span.context.span_id));
  out.set_trace_state(span.context.trace_state);
  if (!core::is_zero(span.parent_span_id)) out.set_parent_span_id(id_bytes(span.parent_span_id));
  out.set_flags(span.context.trace_flags | kContextHasIsRemote |
                (span.parent_is_remote ? kContextIsRemote : 0));
  out.set_name(span.name);
  out.set_kind(static_cast<trace::Span::SpanKind>(span.kind));
  out.set_start_time_unix_nano(span.start_time_unix_nano);
  out.set_end_time_unix_nano(span.end_time_unix_nano);
  to_otlp(span.attributes, *out.mutable_attributes());
  out.set_dropped_attributes_count(span.dropped_attributes_count);
  for (const auto& event : span.events) {
    auto* e = out.add_events();
    e->set_time_unix_nano(event.time_unix_nano);
    e->set_name(event.name);
    to_otlp(event.attributes, *e->mutable_attributes());
    e->set_dropped_attributes_count(event.dropped_attributes_count);
  }
  out.set_dropped_events_count(span.dropped_events_count);
  for (const auto& link : span.links) {
    auto* l = out.add_links();
    l->set_trace_id(id_bytes(link.context.trace_id));
    l->set_span_id(id_bytes(link.context.span_id));
    l->set_trace_state(link.context.trace_state);
    to_otlp(link.attributes, *l->mutable_attributes());
    l->set_dropped_attributes_count(link.dropped_attributes_count);
    l->set_flags(link.context.trace_flags | kContextHasIsRemote |
                 (link.context.is_remote ? kContextIsRemote : 0));
  }
  out.set_dropped_links_count(span.dropped_links_count);
  if (span.status_code != StatusCode::unset) {
    out.mutable_status()->set_code(static_cast<trace::Status::StatusCode>(span.status_code));
    out.mutable_status()->set_message(span.status_message);
  }
}

}  // namespace

void to_otlp(const AttributeValue& value, common::AnyValue& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out.set_string_value(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.set_bool_value(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.set_int_value(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out.set_double_value(v);
        } else if constexpr (std::is_same_v<T, AttributeArray>) {
          auto* array = out.mutable_array_value();
          for (const auto& element : v) to_otlp(element, *array->add_values());
        } else if constexpr (std::is_same_v<T, AttributeList>) {
          to_otlp(v, *out.mutable_kvlist_value()->mutable_values());
        } else if constexpr (std::is_same_v<T, Bytes>) {
          out.set_bytes_value(v.data);
        }
      },
      value.value);
}

void to_otlp(std::span<const SpanData> spans,
             opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  request.Clear();
  // Batches hold few distinct resources and scopes: linear lookups are enough.
  std::vector<std::pair<const Resource*, trace::ResourceSpans*>> resources;
  std::vector<
      std::pair<std::pair<const Resource*, const InstrumentationScope*>, trace::ScopeSpans*>>
      scopes;
  for (const auto& span : spans) {
    trace::ResourceSpans* resource_spans = nullptr;
    for (auto& [resource, out] : resources) {
      if (resource == span.resource) resource_spans = out;
    }
    if (resource_spans == nullptr) {
      resource_spans = request.add_resource_spans();
      if (span.resource != nullptr)
        to_otlp(span.resource->attributes,
                *resource_spans->mutable_resource()->mutable_attributes());
      resources.emplace_back(span.resource, resource_spans);
    }
    trace::ScopeSpans* scope_spans = nullptr;
    const auto key = std::make_pair(span.resource, span.scope);
    for (auto& [scope, out] : scopes) {
      if (scope == key) scope_spans = out;
    }
    if (scope_spans == nullptr) {
      scope_spans = resource_spans->add_scope_spans();
      if (span.scope != nullptr) {
        scope_spans->mutable_scope()->set_name(span.scope->name);
        scope_spans->mutable_scope()->set_version(span.scope->version);
      }
      scopes.emplace_back(key, scope_spans);
    }
    to_otlp(span, *scope_spans->add_spans());
  }
}

}  // namespace clt::tracing
