#include "otlp/otlp_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/hex.h"
#include "otlp/base64.h"
#include "otlp/endpoint.h"
#include "otlp/json_depth.h"

namespace clt::otlp {
namespace {

using core::from_hex;
using core::to_hex;

const char* kSpecExample = R"({
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeSpans": [{
      "scope": {"name": "my.library", "version": "1.0.0",
                "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]},
      "spans": [{
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "parentSpanId": "EEE19B7EC3C1B173",
        "name": "I'm a server span",
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": 1544712661000000000,
        "kind": 2,
        "flags": 257,
        "status": {"code": 2, "message": "boom"},
        "attributes": [
          {"key": "my.span.attr", "value": {"stringValue": "some value"}},
          {"key": "i", "value": {"intValue": "-42"}},
          {"key": "i2", "value": {"intValue": 7}},
          {"key": "d", "value": {"doubleValue": 2.5}},
          {"key": "b", "value": {"boolValue": true}},
          {"key": "bytes", "value": {"bytesValue": "AQID"}},
          {"key": "arr", "value": {"arrayValue": {"values": [{"stringValue": "x"}, {"intValue": "1"}]}}},
          {"key": "kv", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"boolValue": false}}]}}}
        ],
        "events": [{"timeUnixNano": "1544712660500000000", "name": "ev",
                    "attributes": [{"key": "e", "value": {"intValue": "1"}}]}],
        "links": [{"trace_id": "0102030405060708090a0b0c0d0e0f10", "span_id": "0102030405060708",
                   "traceState": "a=b", "flags": 1}],
        "unknownFieldFromTheFuture": 1
      }]
    }]
  }]
})";

TEST(OtlpJson, ParsesTheSpecificationExampleWithHexIds) {
  ExportTraceServiceRequest request;
  std::string error;
  ASSERT_TRUE(parse_traces_json(kSpecExample, request, error)) << error;
  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(to_hex(span.trace_id()), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(to_hex(span.span_id()), "eee19b7ec3c1b174");
  EXPECT_EQ(to_hex(span.parent_span_id()), "eee19b7ec3c1b173");
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ULL);
  EXPECT_EQ(span.end_time_unix_nano(), 1544712661000000000ULL);
  EXPECT_EQ(span.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.flags(), 257u);
  EXPECT_EQ(span.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.attributes(1).value().int_value(), -42);
  EXPECT_EQ(span.attributes(2).value().int_value(), 7);
  EXPECT_EQ(span.attributes(5).value().bytes_value(), std::string("\x01\x02\x03"));
  EXPECT_EQ(span.attributes(6).value().array_value().values(1).int_value(), 1);
  EXPECT_FALSE(span.attributes(7).value().kvlist_value().values(0).value().bool_value());
  EXPECT_EQ(span.events(0).time_unix_nano(), 1544712660500000000ULL);
  EXPECT_EQ(to_hex(span.links(0).trace_id()), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(span.links(0).trace_state(), "a=b");
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).scope().version(), "1.0.0");
}

TEST(OtlpJson, RoundTripsAndWritesHexIdsAndIntegerEnums) {
  ExportTraceServiceRequest request;
  std::string error;
  ASSERT_TRUE(parse_traces_json(kSpecExample, request, error)) << error;
  const std::string text = to_traces_json(request);
  const auto json = nlohmann::json::parse(text);
  const auto& span = json["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"], "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(span["parentSpanId"], "eee19b7ec3c1b173");
  EXPECT_EQ(span["links"][0]["spanId"], "0102030405060708");
  EXPECT_EQ(span["kind"], 2);
  EXPECT_EQ(span["status"]["code"], 2);
  EXPECT_EQ(span["attributes"][5]["value"]["bytesValue"], "AQID");  // other bytes stay base64
  ExportTraceServiceRequest again;
  ASSERT_TRUE(parse_traces_json(text, again, error)) << error;
  EXPECT_EQ(again.SerializeAsString(), request.SerializeAsString());
}

TEST(OtlpJson, RejectsBadIdsWithTheFieldPath) {
  ExportTraceServiceRequest request;
  std::string error;
  EXPECT_FALSE(parse_traces_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc","spanId":"0102030405060708"}]}]}]})",
      request, error));
  EXPECT_NE(error.find("resourceSpans[0].scopeSpans[0].spans[0].traceId"), std::string::npos)
      << error;
  EXPECT_EQ(request.resource_spans_size(), 0);
  EXPECT_FALSE(parse_traces_json("not json", request, error));
  EXPECT_FALSE(parse_traces_json("[]", request, error));
  EXPECT_FALSE(parse_traces_json(R"({"resourceSpans": 3})", request, error));
  EXPECT_FALSE(parse_traces_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":{"a":1}}]}]}]})", request, error));
}

TEST(OtlpJson, AcceptsEmptyParentAndOriginalFieldNames) {
  ExportTraceServiceRequest request;
  std::string error;
  ASSERT_TRUE(parse_traces_json(
      R"({"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10",
          "span_id":"0102030405060708","parent_span_id":"","start_time_unix_nano":5}]}]}]})",
      request, error))
      << error;
  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_EQ(span.start_time_unix_nano(), 5u);
}

TEST(OtlpJson, RefusesDeepNestingBeforeParsing) {
  ExportTraceServiceRequest request;
  std::string error;
  const std::string deep =
      R"({"resourceSpans":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_FALSE(parse_traces_json(deep, request, error));
  EXPECT_NE(error.find("nested deeper than 64"), std::string::npos) << error;
  EXPECT_TRUE(json_depth_within(std::string(64, '[') + std::string(64, ']'), 64));
  EXPECT_FALSE(json_depth_within(std::string(65, '[') + std::string(65, ']'), 64));
  EXPECT_TRUE(json_depth_within(R"({"a":"[[[[\"[[[["})", 1)) << "brackets in strings do not count";
}

TEST(OtlpJson, RefusesWhatIsNotAnObjectOrHasBadLinkIds) {
  ExportTraceServiceRequest request;
  std::string error;
  for (const char* text : {R"("a string")", "1", "null", "[1]", R"("{\"resourceSpans\": [{")", "{",
                           R"({"resourceSpans":[}]})"})
    EXPECT_FALSE(parse_traces_json(text, request, error)) << text;
  EXPECT_FALSE(parse_traces_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",
          "spanId":"0102030405060708","links":[{"traceId":"0102030405060708090a0b0c0d0e0f10",
          "spanId":7}]}]}]}]})",
      request, error));
  EXPECT_NE(error.find("spans[0].links[0].spanId: expected a hex string"), std::string::npos)
      << error;
  // Ids elsewhere (an attribute named traceId) are left as they are.
  ASSERT_TRUE(parse_traces_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",
          "spanId":"0102030405060708","attributes":[{"key":"traceId","value":{"stringValue":"x"}}],
          "links":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"0102030405060709"}]}]}]}]})",
      request, error))
      << error;
  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.attributes(0).value().string_value(), "x");
  EXPECT_EQ(to_hex(span.links(0).span_id()), "0102030405060709");
}

TEST(HexBase64, RoundTrips) {
  for (std::string bytes : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                            std::string("\x00\xff\x10\x7f", 4)}) {
    EXPECT_EQ(from_base64(to_base64(bytes)), bytes);
    EXPECT_EQ(from_hex(to_hex(bytes)), bytes);
  }
  EXPECT_EQ(to_base64("\x01\x02\x03"), "AQID");
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_base64("A"));
}

TEST(Endpoint, ParsesUrlsAndGrpcTargets) {
  std::string error;
  auto url = parse_http_url("http://[::1]:4318/v1/traces", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 4318);
  EXPECT_EQ(url->path, "/v1/traces");
  EXPECT_FALSE(parse_http_url("localhost:4318", error));
  EXPECT_FALSE(parse_http_url("http://host:99999", error));
  EXPECT_EQ(traces_url_from_base("http://h:1"), "http://h:1/v1/traces");
  EXPECT_EQ(traces_url_from_base("http://h:1/otlp/"), "http://h:1/otlp/v1/traces");
  bool tls = true;
  EXPECT_EQ(grpc_target_from_endpoint("http://127.0.0.1:4317", tls), "127.0.0.1:4317");
  EXPECT_FALSE(tls);
  EXPECT_EQ(grpc_target_from_endpoint("unix:/run/clt/otlp.sock", tls), "unix:/run/clt/otlp.sock");
}

}  // namespace
}  // namespace clt::otlp
