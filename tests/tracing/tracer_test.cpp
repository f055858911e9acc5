#include "tracing/tracer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tracing/env_config.h"
#include "tracing/otlp_conversion.h"
#include "tracing/propagation.h"

namespace clt::tracing {
namespace {

class CollectingProcessor final : public SpanProcessor {
 public:
  explicit CollectingProcessor(std::vector<SpanData>& out) : out_(out) {}
  void on_end(SpanData&& span) override { out_.push_back(std::move(span)); }
  bool force_flush(std::chrono::milliseconds) override { return true; }
  void shutdown() override {}

 private:
  std::vector<SpanData>& out_;
};

struct Fixture {
  std::vector<SpanData> ended;
  TracerProvider provider;
  explicit Fixture(std::unique_ptr<Sampler> sampler = nullptr, SpanLimits limits = {})
      : provider(TracerProviderOptions{
            make_resource("svc", {{"deployment.environment", "test"}}), std::move(sampler),
            std::make_unique<CollectingProcessor>(ended), nullptr, limits}) {}
};

TEST(Tracer, RecordsEverythingAndParentsChildren) {
  Fixture f;
  Tracer& tracer = f.provider.tracer("lib", "1.2");
  EXPECT_EQ(&tracer, &f.provider.tracer("lib", "1.2"));
  SpanContext linked;
  {
    Span parent = tracer.start_span("parent", {.kind = SpanKind::server, .attributes = {{"a", 1}}});
    linked = parent.context();
    Span child =
        tracer.start_span("child", {.kind = SpanKind::client, .parent = &parent.context()});
    child.set_attribute("s", "v").set_attribute("b", true).set_attribute("d", 1.5).set_attribute(
        "s", "replaced");
    child.set_attribute("arr", AttributeArray{1, "x"}).set_attribute("bytes", Bytes{"\x01\x02"});
    child.add_event("ev", {{"k", std::int64_t{7}}}).add_link(linked, {{"why", "batch"}});
    child.set_status(StatusCode::error, "bad").update_name("child2");
    EXPECT_TRUE(child.is_recording());
    EXPECT_EQ(child.context().trace_id, parent.context().trace_id);
  }  // child ends first (reverse destruction)
  ASSERT_EQ(f.ended.size(), 2u);
  const SpanData& child = f.ended[0];
  const SpanData& parent = f.ended[1];
  EXPECT_EQ(child.name, "child2");
  EXPECT_EQ(child.parent_span_id, parent.context.span_id);
  EXPECT_TRUE(core::is_zero(parent.parent_span_id));
  EXPECT_EQ(child.attributes.size(), 5u);
  EXPECT_EQ(child.attributes[0].value, AttributeValue("replaced"));
  EXPECT_EQ(child.status_code, StatusCode::error);
  EXPECT_EQ(child.status_message, "bad");
  EXPECT_LE(child.start_time_unix_nano, child.end_time_unix_nano);
  EXPECT_EQ(child.scope->name, "lib");
  EXPECT_EQ(child.links.at(0).context.span_id, linked.span_id);

  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  to_otlp(f.ended, request);
  ASSERT_EQ(request.resource_spans_size(), 1);
  ASSERT_EQ(request.resource_spans(0).scope_spans_size(), 1);
  const auto& scope_spans = request.resource_spans(0).scope_spans(0);
  EXPECT_EQ(scope_spans.scope().version(), "1.2");
  const auto& out = scope_spans.spans(0);
  EXPECT_EQ(out.trace_id().size(), 16u);
  EXPECT_EQ(core::to_hex(out.parent_span_id()), core::to_hex(parent.context.span_id));
  EXPECT_EQ(out.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(out.flags(), 0x101u);
  EXPECT_EQ(out.attributes(3).value().array_value().values(1).string_value(), "x");
  EXPECT_EQ(out.attributes(4).value().bytes_value(), "\x01\x02");
  EXPECT_EQ(out.events(0).attributes(0).value().int_value(), 7);
  EXPECT_EQ(out.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  bool found_service = false;
  for (const auto& kv : request.resource_spans(0).resource().attributes())
    found_service |= kv.key() == "service.name" && kv.value().string_value() == "svc";
  EXPECT_TRUE(found_service);
}

TEST(Tracer, RemoteParentAndStatusRules) {
  Fixture f;
  auto remote = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "k=v");
  {
    Span span = f.provider.tracer("t").start_span("s", {.parent = &*remote});
    EXPECT_EQ(span.context().trace_state, "k=v");
    span.set_status(StatusCode::ok).set_status(StatusCode::error, "ignored after ok");
  }
  ASSERT_EQ(f.ended.size(), 1u);
  EXPECT_TRUE(f.ended[0].parent_is_remote);
  EXPECT_EQ(f.ended[0].status_code, StatusCode::ok);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  to_otlp(f.ended, request);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).flags(), 0x301u);
}

TEST(Tracer, UnsampledSpansPropagateButAreNotRecorded) {
  Fixture f(make_always_off_sampler());
  {
    Span span = f.provider.tracer("t").start_span("s");
    EXPECT_FALSE(span.is_recording());
    EXPECT_TRUE(span.context().is_valid());
    EXPECT_FALSE(span.context().is_sampled());
    span.set_attribute("x", 1);
  }
  EXPECT_TRUE(f.ended.empty());
}

TEST(Tracer, LimitsCountWhatIsDropped) {
  Fixture f(nullptr, SpanLimits{.max_attributes = 2, .max_events = 1});
  {
    Span span = f.provider.tracer("t").start_span("s");
    span.set_attribute("a", 1).set_attribute("b", 2).set_attribute("c", 3);
    span.add_event("1").add_event("2");
  }
  EXPECT_EQ(f.ended[0].attributes.size(), 2u);
  EXPECT_EQ(f.ended[0].dropped_attributes_count, 1u);
  EXPECT_EQ(f.ended[0].dropped_events_count, 1u);
}

TEST(EnvConfig, ReadsTheStandardVariables) {
  std::map<std::string, std::string> env{
      {"OTEL_SERVICE_NAME", "checkout"},
      {"OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,team=net%20ops"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:14317"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=secret"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
      {"OTEL_TRACES_SAMPLER_ARG", "0.1"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
      {"OTEL_BSP_SCHEDULE_DELAY", "50"},
  };
  EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  TracingConfig config;
  std::string error;
  ASSERT_TRUE(tracing_config_from_env(lookup, config, error)) << error;
  EXPECT_EQ(config.service_name, "checkout");
  ASSERT_EQ(config.resource_attributes.size(), 1u);
  EXPECT_EQ(config.resource_attributes[0].value, AttributeValue("net ops"));
  EXPECT_EQ(config.otlp.protocol, otlp::Protocol::grpc);
  EXPECT_EQ(config.otlp.endpoint, "http://127.0.0.1:14317");
  EXPECT_EQ(config.otlp.timeout, std::chrono::milliseconds(2500));
  ASSERT_EQ(config.otlp.headers.size(), 1u);
  EXPECT_EQ(config.batch.max_queue_size, 100u);
  EXPECT_EQ(config.batch.schedule_delay, std::chrono::milliseconds(50));

  env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
  env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
  TracingConfig defaults;
  ASSERT_TRUE(tracing_config_from_env(lookup, defaults, error)) << error;
  EXPECT_EQ(defaults.otlp.endpoint, "http://localhost:4318");

  for (auto [name, bad] : std::vector<std::pair<std::string, std::string>>{
           {"OTEL_TRACES_SAMPLER", "sometimes"},
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
           {"OTEL_BSP_MAX_QUEUE_SIZE", "-3"},
           {"OTEL_TRACES_EXPORTER", "zipkin"},
           {"OTEL_RESOURCE_ATTRIBUTES", "novalue"}}) {
    auto saved = env[name];
    env[name] = bad;
    TracingConfig untouched;
    untouched.service_name = "before";
    EXPECT_FALSE(tracing_config_from_env(lookup, untouched, error)) << name;
    EXPECT_NE(error.find(name), std::string::npos) << error;
    EXPECT_EQ(untouched.service_name, "before");
    env[name] = saved;
  }
}

TEST(EnvConfig, ReadsTheTlsFilesSignalSpecificFirst) {
  std::map<std::string, std::string> env{
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"},
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"},
      {"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/etc/traces-ca.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/client.key"},
  };
  EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  TracingConfig config;
  std::string error;
  ASSERT_TRUE(tracing_config_from_env(lookup, config, error)) << error;
  EXPECT_EQ(config.otlp.tls.ca_file, "/etc/traces-ca.pem");
  EXPECT_EQ(config.otlp.tls.ca_option, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE");
  EXPECT_EQ(config.otlp.tls.cert_file, "/etc/client.pem");
  EXPECT_EQ(config.otlp.tls.cert_option, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
  EXPECT_EQ(config.otlp.tls.key_file, "/etc/client.key");
  EXPECT_EQ(config.otlp.tls.key_option, "OTEL_EXPORTER_OTLP_CLIENT_KEY");
  // The files are read when the exporter is made: a missing one is named.
  std::ostringstream console;
  EXPECT_FALSE(make_tracer_provider(config, console, error));
  EXPECT_NE(error.find("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE /etc/client.pem: cannot read"),
            std::string::npos)
      << error;
}

TEST(EnvConfig, ConsoleExporterWritesOtlpJson) {
  TracingConfig config;
  config.exporter = ExporterKind::console;
  config.service_name = "console-svc";
  std::ostringstream out;
  std::string error;
  auto provider = make_tracer_provider(config, out, error);
  ASSERT_TRUE(provider) << error;
  std::string trace_hex;
  {
    Span span = provider->tracer("t").start_span("printed");
    trace_hex = core::to_hex(span.context().trace_id);
  }
  provider->shutdown();
  EXPECT_NE(out.str().find("\"name\":\"printed\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(trace_hex), std::string::npos) << out.str();
}

}  // namespace
}  // namespace clt::tracing
