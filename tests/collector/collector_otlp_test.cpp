#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "collector/ingest/otlp_spans.h"
#include "collector/model/jaeger_render.h"
#include "collector/model/otlp_export.h"

namespace clt::collector {
namespace {

using nlohmann::json;

ExportTraceServiceRequest sample() {
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value("athos-api");
  auto* h = rs->mutable_resource()->add_attributes();
  h->set_key("host.name");
  h->mutable_value()->set_string_value("athos");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("demo");
  auto* span = ss->add_spans();
  span->set_trace_id(
      std::string("\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 16));
  span->set_span_id(std::string("\xb7\xad\x6b\x71\x69\x20\x33\x31", 8));
  span->set_parent_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x01", 8));
  span->set_name("GET /check");
  span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  span->set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  span->set_end_time_unix_nano(1'700'000'000'002'500'000ull);
  auto* attr = span->add_attributes();
  attr->set_key("http.status_code");
  attr->mutable_value()->set_int_value(503);
  span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  auto* ev = span->add_events();
  ev->set_name("retry");
  ev->set_time_unix_nano(1'700'000'000'001'000'000ull);
  auto* bad = ss->add_spans();
  bad->set_trace_id("short");
  bad->set_span_id(std::string(8, '\x01'));
  bad->set_name("broken");
  return req;
}

JaegerSpan rendered(const StoredSpan& s) {
  JaegerSpan out;
  EXPECT_TRUE(render_jaeger(s, out));
  return out;
}

TEST(OtlpSpans, ConvertsAsJaegerDoesAndRejectsInvalidIds) {
  OtlpConversion c;
  convert_otlp(sample(), c);
  ASSERT_EQ(c.spans.size(), 1u);
  EXPECT_EQ(c.rejected, 1);
  EXPECT_NE(c.first_error.find("broken"), std::string::npos);
  const JaegerSpan r = rendered(c.spans[0]);
  EXPECT_EQ(r.service, "athos-api");
  EXPECT_EQ(r.operation, "GET /check");
  EXPECT_EQ(core::to_hex(r.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(core::to_hex(r.parent_id), "0000000000000001");
  EXPECT_EQ(r.start_us, 1'700'000'000'000'000);
  EXPECT_EQ(r.duration_us, 2500);
  std::map<std::string, json> tags;
  for (auto& t : json::parse(r.tags_json)) tags[t["key"]] = t;
  EXPECT_EQ(tags["http.status_code"]["type"], "int64");
  EXPECT_EQ(tags["http.status_code"]["value"], 503);
  EXPECT_EQ(tags["span.kind"]["value"], "client");
  EXPECT_EQ(tags["error"]["value"], true);
  EXPECT_EQ(tags["otel.scope.name"]["value"], "demo");
  auto process = json::parse(r.process_tags_json);
  ASSERT_EQ(process.size(), 1u);
  EXPECT_EQ(process[0]["key"], "host.name");
  auto logs = json::parse(r.logs_json);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0]["timestamp"], 1'700'000'000'001'000);
}

TEST(OtlpSpans, RowsBackToOtlpKeepIdsServiceAndAttributes) {
  OtlpConversion c;
  convert_otlp(sample(), c);
  ExportTraceServiceRequest out;
  stored_to_otlp(c.spans, out);
  ASSERT_EQ(out.resource_spans_size(), 1);
  const auto& rs = out.resource_spans(0);
  bool has_service = false;
  for (const auto& a : rs.resource().attributes())
    if (a.key() == "service.name") has_service = a.value().string_value() == "athos-api";
  EXPECT_TRUE(has_service);
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), sample().resource_spans(0).scope_spans(0).spans(0).trace_id());
  EXPECT_EQ(span.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.end_time_unix_nano() - span.start_time_unix_nano(), 2'500'000u);
  bool has_status_code = false;
  for (const auto& a : span.attributes())
    if (a.key() == "http.status_code") has_status_code = a.value().int_value() == 503;
  EXPECT_TRUE(has_status_code);
}

std::map<std::string, json> tags_of(const std::string& tags_json) {
  std::map<std::string, json> out;
  for (const auto& t : json::parse(tags_json)) out[t["key"]] = t["value"];
  return out;
}

TEST(OtlpSpans, LimitsDropAndCountAsTheSdksDo) {
  ExportTraceServiceRequest req = sample();
  auto* rs = req.mutable_resource_spans(0);
  for (int i = 0; i < 5; ++i) {
    auto* a = rs->mutable_resource()->add_attributes();
    a->set_key("r" + std::to_string(i));
    a->mutable_value()->set_int_value(i);
  }
  auto* span = rs->mutable_scope_spans(0)->mutable_spans(0);
  span->set_dropped_attributes_count(7);  // what the sender dropped already
  span->set_dropped_events_count(1);
  for (int i = 0; i < 10; ++i) {
    auto* a = span->add_attributes();
    a->set_key("a" + std::to_string(i));
    a->mutable_value()->set_string_value("v");
  }
  for (int i = 0; i < 4; ++i) {
    auto* ev = span->add_events();
    ev->set_name("e" + std::to_string(i));
    for (int k = 0; k < 3; ++k) {
      auto* a = ev->add_attributes();
      a->set_key("k" + std::to_string(k));
      a->mutable_value()->set_bool_value(true);
    }
  }
  for (int i = 0; i < 3; ++i) {
    auto* link = span->add_links();
    link->set_trace_id(std::string(16, static_cast<char>(i + 1)));
    link->set_span_id(std::string(8, static_cast<char>(i + 1)));
  }
  SpanLimits limits;
  limits.attributes = 4;
  limits.events = 2;
  limits.links = 1;
  limits.event_attributes = 2;
  OtlpConversion c;
  convert_otlp(req, limits, c);
  ASSERT_EQ(c.spans.size(), 1u);
  const JaegerSpan row = rendered(c.spans[0]);
  auto tags = tags_of(row.tags_json);
  // 11 attributes (503 status code and 10 more): 4 kept, 7 dropped + 7 by the sender.
  EXPECT_EQ(tags["otel.dropped_attributes_count"], 14);
  EXPECT_TRUE(tags.count("a2"));
  EXPECT_FALSE(tags.count("a3"));
  EXPECT_EQ(tags["otel.dropped_events_count"], 1 + 3);  // 5 events, 2 kept
  EXPECT_EQ(tags["otel.dropped_links_count"], 2);
  EXPECT_EQ(json::parse(row.logs_json).size(), 2u);
  EXPECT_EQ(json::parse(row.refs_json).size(), 1u);
  const auto second_event = json::parse(row.logs_json)[1]["fields"];
  EXPECT_EQ(second_event.size(), 4u);  // name, 2 attributes, the dropped count
  EXPECT_EQ(second_event[3]["key"], "otel.dropped_attributes_count");
  EXPECT_EQ(second_event[3]["value"], 1);
  auto process = tags_of(row.process_tags_json);
  EXPECT_EQ(process["otel.dropped_attributes_count"], 2);  // host.name, r0..r4: 4 kept
  EXPECT_EQ(c.dropped_attributes, 7u + 2 + 1);
  EXPECT_EQ(c.dropped_events, 3u);
  EXPECT_EQ(c.dropped_links, 2u);

  // Exported again, the counts are OTLP's fields, not attributes.
  ExportTraceServiceRequest out;
  stored_to_otlp(c.spans, out);
  const auto& exported = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(exported.dropped_attributes_count(), 14u);
  EXPECT_EQ(exported.dropped_events_count(), 4u);
  EXPECT_EQ(exported.dropped_links_count(), 2u);
}

TEST(OtlpSpans, LongValuesAreCutOnACharacterBoundary) {
  ExportTraceServiceRequest req = sample();
  auto* span = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  auto* a = span->add_attributes();
  a->set_key("text");
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";  // é
  a->mutable_value()->set_string_value(accents);
  auto* list = span->add_attributes();
  list->set_key("list");
  for (int i = 0; i < 100; ++i)
    list->mutable_value()->mutable_array_value()->add_values()->set_int_value(i);
  SpanLimits limits;
  limits.value_length = 11;
  OtlpConversion c;
  convert_otlp(req, limits, c);
  auto tags = tags_of(rendered(c.spans[0]).tags_json);
  EXPECT_EQ(tags["text"], accents.substr(0, 10));
  EXPECT_EQ(tags["list"].get<std::string>().size(), 11u);
  EXPECT_EQ(c.truncated_values, 2u);
}

}  // namespace
}  // namespace clt::collector
