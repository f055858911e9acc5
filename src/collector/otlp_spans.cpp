#include "collector/otlp_spans.h"

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "collector/metrics.h"

namespace clt::collector {

namespace {

using nlohmann::json;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

json any_to_json(const common::AnyValue& v);

json kvlist_to_json(const common::KeyValueList& list) {
  json o = json::object();
  for (const auto& kv : list.values()) o[kv.key()] = any_to_json(kv.value());
  return o;
}

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
      static constexpr char kDigits[] = "0123456789abcdef";
      std::string hex;
      for (unsigned char c : v.bytes_value()) {
        hex += kDigits[c >> 4];
        hex += kDigits[c & 0xf];
      }
      return hex;
    }
    default:
      return nullptr;
  }
}

// Jaeger's tag shape for an OTLP attribute; composite values become JSON text.
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

std::int64_t ns_to_us(std::uint64_t ns) {
  return static_cast<std::int64_t>(ns / 1000);
}

template <std::size_t N>
bool copy_id(const std::string& bytes, std::array<std::uint8_t, N>& out) {
  if (bytes.size() != N) return false;
  std::memcpy(out.data(), bytes.data(), N);
  for (auto b : out)
    if (b) return true;
  return false;
}

// At most `max` bytes, not splitting a UTF-8 character.
bool truncate_utf8(std::string& text, std::size_t max) {
  if (text.size() <= max) return false;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  text.resize(cut);
  return true;
}

// Applies the span limits while mapping one item list after another.
class Limiter {
 public:
  Limiter(const SpanLimits& limits, OtlpConversion& out) : limits_(limits), out_(out) {}

  // A tag whose text value is cut at the value length limit.
  json tag(const std::string& key, const common::AnyValue& v) {
    json t = jaeger_tag(key, v);
    auto& value = t["value"];
    if (value.is_string() && truncate_utf8(value.get_ref<std::string&>(), limits_.value_length))
      ++out_.truncated_values;
    return t;
  }

  // Attributes -> tags appended to `tags`, at most `max`; returns how many
  // were dropped here.
  template <typename Attributes>
  std::uint64_t append_tags(const Attributes& attributes, std::size_t max, json& tags) {
    std::uint64_t dropped = 0;
    std::size_t kept = 0;
    for (const auto& kv : attributes) {
      if (kept == max) {
        ++dropped;
        continue;
      }
      tags.push_back(tag(kv.key(), kv.value()));
      ++kept;
    }
    out_.dropped_attributes += dropped;
    return dropped;
  }

  const SpanLimits& limits() const { return limits_; }
  OtlpConversion& out() { return out_; }

 private:
  const SpanLimits& limits_;
  OtlpConversion& out_;
};

json count_tag(const char* key, std::uint64_t n) {
  return {{"key", key}, {"type", "int64"}, {"value", n}};
}

constexpr const char* kDroppedAttributes = "otel.dropped_attributes_count";
constexpr const char* kDroppedEvents = "otel.dropped_events_count";
constexpr const char* kDroppedLinks = "otel.dropped_links_count";

std::string logs_of(const trace::Span& span, Limiter& limiter) {
  json logs = json::array();
  std::size_t kept = 0;
  for (const auto& ev : span.events()) {
    if (kept == limiter.limits().events) break;
    ++kept;
    json fields = json::array();
    fields.push_back({{"key", "event"}, {"type", "string"}, {"value", ev.name()}});
    const std::uint64_t dropped =
        ev.dropped_attributes_count() +
        limiter.append_tags(ev.attributes(), limiter.limits().event_attributes, fields);
    if (dropped) fields.push_back(count_tag(kDroppedAttributes, dropped));
    logs.push_back({{"timestamp", ns_to_us(ev.time_unix_nano())}, {"fields", fields}});
  }
  return logs.dump();
}

std::string refs_of(const trace::Span& span, Limiter& limiter) {
  json refs = json::array();
  std::size_t kept = 0;
  for (const auto& link : span.links()) {
    if (kept == limiter.limits().links) break;
    ++kept;
    core::TraceId t{};
    core::SpanId s{};
    if (!copy_id(link.trace_id(), t) || !copy_id(link.span_id(), s)) continue;
    refs.push_back(
        {{"refType", "FOLLOWS_FROM"}, {"traceID", core::to_hex(t)}, {"spanID", core::to_hex(s)}});
  }
  return refs.dump();
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

}  // namespace

void convert_otlp(const ExportTraceServiceRequest& request, const SpanLimits& limits,
                  OtlpConversion& out) {
  Limiter limiter(limits, out);
  for (const auto& rs : request.resource_spans()) {
    std::string service = "unknown_service";
    json process_tags = json::array();
    std::uint64_t resource_dropped = rs.resource().dropped_attributes_count();
    std::size_t kept = 0;
    for (const auto& kv : rs.resource().attributes()) {
      if (kv.key() == "service.name" && kv.value().value_case() == common::AnyValue::kStringValue) {
        service = kv.value().string_value();
      } else if (kept == limits.attributes) {
        ++resource_dropped;
        ++out.dropped_attributes;
      } else {
        process_tags.push_back(limiter.tag(kv.key(), kv.value()));
        ++kept;
      }
    }
    if (resource_dropped) process_tags.push_back(count_tag(kDroppedAttributes, resource_dropped));
    const std::string process_text = process_tags.dump();
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        SpanRow row;
        if (!copy_id(span.trace_id(), row.trace_id)) {
          ++out.rejected;
          if (out.first_error.empty())
            out.first_error = "span '" + span.name() + "' has a trace id of " +
                              std::to_string(span.trace_id().size()) +
                              " bytes or all zero; it must be 16 non-zero bytes";
          continue;
        }
        if (!copy_id(span.span_id(), row.span_id)) {
          ++out.rejected;
          if (out.first_error.empty())
            out.first_error = "span '" + span.name() + "' has a span id of " +
                              std::to_string(span.span_id().size()) +
                              " bytes or all zero; it must be 8 non-zero bytes";
          continue;
        }
        if (span.parent_span_id().size() == 8)
          std::memcpy(row.parent_id.data(), span.parent_span_id().data(), 8);
        row.service = service;
        row.operation = span.name();
        row.start_us = ns_to_us(span.start_time_unix_nano());
        const std::uint64_t end = span.end_time_unix_nano();
        row.duration_us = end > span.start_time_unix_nano() ? ns_to_us(end) - row.start_us : 0;
        json tags = json::array();
        const std::uint64_t dropped_attributes =
            span.dropped_attributes_count() +
            limiter.append_tags(span.attributes(), limits.attributes, tags);
        if (const char* k = kind_name(span.kind()))
          tags.push_back({{"key", "span.kind"}, {"type", "string"}, {"value", k}});
        if (span.has_status()) {
          if (span.status().code() == trace::Status::STATUS_CODE_ERROR) {
            tags.push_back({{"key", "otel.status_code"}, {"type", "string"}, {"value", "ERROR"}});
            tags.push_back({{"key", "error"}, {"type", "bool"}, {"value", true}});
          } else if (span.status().code() == trace::Status::STATUS_CODE_OK) {
            tags.push_back({{"key", "otel.status_code"}, {"type", "string"}, {"value", "OK"}});
          }
          if (!span.status().message().empty()) {
            std::string message = span.status().message();
            if (truncate_utf8(message, limits.value_length)) ++out.truncated_values;
            tags.push_back(
                {{"key", "otel.status_description"}, {"type", "string"}, {"value", message}});
          }
        }
        if (!ss.scope().name().empty())
          tags.push_back(
              {{"key", "otel.scope.name"}, {"type", "string"}, {"value", ss.scope().name()}});
        if (!ss.scope().version().empty())
          tags.push_back(
              {{"key", "otel.scope.version"}, {"type", "string"}, {"value", ss.scope().version()}});
        const std::uint64_t extra_events =
            static_cast<std::uint64_t>(span.events_size()) -
            std::min<std::uint64_t>(static_cast<std::uint64_t>(span.events_size()), limits.events);
        const std::uint64_t extra_links =
            static_cast<std::uint64_t>(span.links_size()) -
            std::min<std::uint64_t>(static_cast<std::uint64_t>(span.links_size()), limits.links);
        out.dropped_events += extra_events;
        out.dropped_links += extra_links;
        if (dropped_attributes) tags.push_back(count_tag(kDroppedAttributes, dropped_attributes));
        if (const auto n = span.dropped_events_count() + extra_events)
          tags.push_back(count_tag(kDroppedEvents, n));
        if (const auto n = span.dropped_links_count() + extra_links)
          tags.push_back(count_tag(kDroppedLinks, n));
        row.tags_json = tags.dump();
        row.process_tags_json = process_text;
        if (span.events_size() > 0) row.logs_json = logs_of(span, limiter);
        if (span.links_size() > 0) row.refs_json = refs_of(span, limiter);
        out.rows.push_back(std::move(row));
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

void rows_to_otlp(const std::vector<SpanRow>& rows, ExportTraceServiceRequest& out) {
  std::map<std::pair<std::string, std::string>, trace::ScopeSpans*> by_process;
  for (const SpanRow& row : rows) {
    auto key = std::make_pair(row.service, row.process_tags_json);
    auto it = by_process.find(key);
    if (it == by_process.end()) {
      auto* rs = out.add_resource_spans();
      auto* attr = rs->mutable_resource()->add_attributes();
      attr->set_key("service.name");
      attr->mutable_value()->set_string_value(row.service);
      json ptags = json::parse(row.process_tags_json, nullptr, false);
      if (ptags.is_array()) {
        for (const json& t : ptags) {
          if (!t.is_object() || !t.contains("key") || !t.contains("value")) continue;
          auto* a = rs->mutable_resource()->add_attributes();
          a->set_key(t["key"].get<std::string>());
          set_any_from_tag(t, *a->mutable_value());
        }
      }
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("clt.collector");
      it = by_process.emplace(key, ss).first;
    }
    auto* span = it->second->add_spans();
    span->set_trace_id(row.trace_id.data(), row.trace_id.size());
    span->set_span_id(row.span_id.data(), row.span_id.size());
    if (!core::is_zero(row.parent_id)) span->set_parent_span_id(row.parent_id.data(), 8);
    span->set_name(row.operation);
    span->set_start_time_unix_nano(static_cast<std::uint64_t>(row.start_us) * 1000);
    span->set_end_time_unix_nano(static_cast<std::uint64_t>(row.start_us + row.duration_us) * 1000);
    span->set_kind(trace::Span::SPAN_KIND_INTERNAL);
    json tags = json::parse(row.tags_json, nullptr, false);
    if (tags.is_array()) {
      for (const json& t : tags) {
        if (!t.is_object() || !t.contains("key") || !t.contains("value")) continue;
        const std::string tag_key = t["key"].get<std::string>();
        if (t["value"].is_number_unsigned() || t["value"].is_number_integer()) {
          const auto n = t["value"].get<std::uint64_t>();
          if (tag_key == kDroppedAttributes) {
            span->set_dropped_attributes_count(static_cast<std::uint32_t>(n));
            continue;
          }
          if (tag_key == kDroppedEvents) {
            span->set_dropped_events_count(static_cast<std::uint32_t>(n));
            continue;
          }
          if (tag_key == kDroppedLinks) {
            span->set_dropped_links_count(static_cast<std::uint32_t>(n));
            continue;
          }
        }
        if (tag_key == "span.kind") {
          const std::string k = t["value"].is_string() ? t["value"].get<std::string>() : "";
          if (k == "server") span->set_kind(trace::Span::SPAN_KIND_SERVER);
          if (k == "client") span->set_kind(trace::Span::SPAN_KIND_CLIENT);
          if (k == "producer") span->set_kind(trace::Span::SPAN_KIND_PRODUCER);
          if (k == "consumer") span->set_kind(trace::Span::SPAN_KIND_CONSUMER);
          continue;
        }
        auto* a = span->add_attributes();
        a->set_key(tag_key);
        set_any_from_tag(t, *a->mutable_value());
      }
    }
  }
}

}  // namespace clt::collector
