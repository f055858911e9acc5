#include "collector/ingest/otlp_spans.h"
#include "core/ids.h"

#include <cstring>

#include "collector/model/jaeger_render.h"
#include "collector/model/metrics.h"

namespace clt::collector {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using Attributes = google::protobuf::RepeatedPtrField<common::KeyValue>;

// At most `max` bytes, not splitting a UTF-8 character.
bool truncate_utf8(std::string& text, std::size_t max) {
  if (text.size() <= max) return false;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  text.resize(cut);
  return true;
}

// Applies the span limits to the OTLP messages themselves, counting what
// they removed.
class Limiter {
 public:
  Limiter(const SpanLimits& limits, OtlpConversion& out) : limits_(limits), out_(out) {}

  void value(common::AnyValue& v) {
    if (v.value_case() == common::AnyValue::kStringValue) {
      if (truncate_utf8(*v.mutable_string_value(), limits_.value_length)) ++out_.truncated_values;
      return;
    }
    if (v.value_case() == common::AnyValue::kBoolValue ||
        v.value_case() == common::AnyValue::kIntValue ||
        v.value_case() == common::AnyValue::kDoubleValue)
      return;
    const nlohmann::json as_json = any_to_json(v);
    std::string text = as_json.is_string() ? as_json.get<std::string>() : as_json.dump();
    if (!truncate_utf8(text, limits_.value_length)) return;
    ++out_.truncated_values;
    v.set_string_value(std::move(text));
  }

  // Keeps the first `max` attributes (not counting `except`); returns how
  // many were dropped.
  std::uint32_t attributes(Attributes& attributes, std::size_t max, const char* except = nullptr) {
    std::size_t kept = 0;
    int write = 0;
    for (int read = 0; read < attributes.size(); ++read) {
      const bool exempt = except && attributes[read].key() == except;
      if (!exempt && kept == max) continue;
      if (!exempt) ++kept;
      if (write != read) attributes[write].Swap(&attributes[read]);
      value(*attributes[write].mutable_value());
      ++write;
    }
    const auto dropped = static_cast<std::uint32_t>(attributes.size() - write);
    attributes.DeleteSubrange(write, attributes.size() - write);
    out_.dropped_attributes += dropped;
    return dropped;
  }

  void resource(opentelemetry::proto::resource::v1::Resource& r) {
    const std::uint32_t dropped =
        attributes(*r.mutable_attributes(), limits_.attributes, "service.name");
    r.set_dropped_attributes_count(r.dropped_attributes_count() + dropped);
  }

  void span(trace::Span& span) {
    span.set_dropped_attributes_count(span.dropped_attributes_count() +
                                      attributes(*span.mutable_attributes(), limits_.attributes));
    if (static_cast<std::size_t>(span.events_size()) > limits_.events) {
      const int extra = span.events_size() - static_cast<int>(limits_.events);
      span.mutable_events()->DeleteSubrange(static_cast<int>(limits_.events), extra);
      span.set_dropped_events_count(span.dropped_events_count() + extra);
      out_.dropped_events += static_cast<std::uint64_t>(extra);
    }
    for (auto& ev : *span.mutable_events())
      ev.set_dropped_attributes_count(
          ev.dropped_attributes_count() +
          attributes(*ev.mutable_attributes(), limits_.event_attributes));
    if (static_cast<std::size_t>(span.links_size()) > limits_.links) {
      const int extra = span.links_size() - static_cast<int>(limits_.links);
      span.mutable_links()->DeleteSubrange(static_cast<int>(limits_.links), extra);
      span.set_dropped_links_count(span.dropped_links_count() + extra);
      out_.dropped_links += static_cast<std::uint64_t>(extra);
    }
    for (auto& link : *span.mutable_links()) attributes(*link.mutable_attributes(), SIZE_MAX);
    if (span.has_status() &&
        truncate_utf8(*span.mutable_status()->mutable_message(), limits_.value_length))
      ++out_.truncated_values;
  }

 private:
  const SpanLimits& limits_;
  OtlpConversion& out_;
};

bool valid_ids(const trace::Span& span, StoredSpan& s, OtlpConversion& out) {
  std::string why;
  if (!core::id_from_bytes(span.trace_id(), s.trace_id))
    why = "a trace id of " + std::to_string(span.trace_id().size()) +
          " bytes or all zero; it must be 16 non-zero bytes";
  else if (!core::id_from_bytes(span.span_id(), s.span_id))
    why = "a span id of " + std::to_string(span.span_id().size()) +
          " bytes or all zero; it must be 8 non-zero bytes";
  else
    return true;
  ++out.rejected;
  if (out.first_error.empty()) out.first_error = "span '" + span.name() + "' has " + why;
  return false;
}

// The one-span ResourceSpans `holder` (resource and scope already set)
// with `span` as its span, serialized into a stored span.
void store_span(trace::ResourceSpans& holder, const JaegerParts& resource_parts,
                const trace::Span& span, StoredSpan& s) {
  auto* ss = holder.mutable_scope_spans(0);
  trace::Span* copy = ss->mutable_spans(0);
  *copy = span;
  if (span.parent_span_id().size() == 8)
    std::memcpy(s.parent_id.data(), span.parent_span_id().data(), 8);
  s.service = resource_parts.service;
  s.operation = span.name();
  s.start_ns = static_cast<std::int64_t>(span.start_time_unix_nano());
  const std::uint64_t end = span.end_time_unix_nano();
  s.duration_ns = end > span.start_time_unix_nano()
                      ? static_cast<std::int64_t>(end - span.start_time_unix_nano())
                      : 0;
  holder.SerializeToString(&s.otlp);
  JaegerParts parts;
  render_span_tags(ss->scope(), span, parts);
  append_search_tags(parts.tags, s.search_tags);
  append_search_tags(resource_parts.process_tags, s.search_tags);
}

}  // namespace

void convert_otlp(const ExportTraceServiceRequest& request, const SpanLimits& limits,
                  OtlpConversion& out) {
  Limiter limiter(limits, out);
  trace::ResourceSpans holder;
  for (const auto& rs : request.resource_spans()) {
    holder.Clear();
    *holder.mutable_resource() = rs.resource();
    holder.set_schema_url(rs.schema_url());
    limiter.resource(*holder.mutable_resource());
    JaegerParts resource_parts;
    render_resource(holder.resource(), resource_parts);
    for (const auto& ss : rs.scope_spans()) {
      holder.clear_scope_spans();
      auto* one = holder.add_scope_spans();
      *one->mutable_scope() = ss.scope();
      one->set_schema_url(ss.schema_url());
      one->add_spans();
      for (const auto& span : ss.spans()) {
        StoredSpan s;
        if (!valid_ids(span, s, out)) continue;
        trace::Span limited = span;
        limiter.span(limited);
        store_span(holder, resource_parts, limited, s);
        out.spans.push_back(std::move(s));
      }
    }
  }
}

void count_conversion(const OtlpConversion& conv, Metrics& metrics) {
  auto add = [](Metrics::Counter& c, std::uint64_t n) {
    if (n) c.fetch_add(n, std::memory_order_relaxed);
  };
  add(metrics.otlp_spans_rejected, static_cast<std::uint64_t>(conv.rejected));
  add(metrics.otlp_attributes_dropped, conv.dropped_attributes);
  add(metrics.otlp_events_dropped, conv.dropped_events);
  add(metrics.otlp_links_dropped, conv.dropped_links);
  add(metrics.otlp_values_truncated, conv.truncated_values);
}

}  // namespace clt::collector
