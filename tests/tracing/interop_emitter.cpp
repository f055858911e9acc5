// Exports a fixed set of spans that uses every OTLP span field and attribute
// value type, through the tracing library's OTLP exporter, configured from the
// OTEL_* environment. Prints what only it can know (ids, timestamps) as one
// JSON line for the test that decodes the export with the official code.
#include <iostream>

#include <nlohmann/json.hpp>

#include "tracing/env_config.h"
#include "tracing/propagation.h"

using namespace clt::tracing;

namespace {

nlohmann::json describe(const SpanContext& context) {
  return {{"traceId", clt::core::to_hex(context.trace_id)},
          {"spanId", clt::core::to_hex(context.span_id)}};
}

}  // namespace

int main() {
  TracingConfig config;
  std::string error;
  if (!tracing_config_from_env(process_environment(), config, error)) {
    std::cerr << error << '\n';
    return 2;
  }
  config.batch.schedule_delay = std::chrono::milliseconds(50);
  auto provider = make_tracer_provider(config, std::cout, error);
  if (!provider) {
    std::cerr << error << '\n';
    return 2;
  }
  Tracer& tracer = provider->tracer("clt.interop", "9.8.7");
  const auto remote = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                                        "rojo=00f067aa0ba902b7");
  nlohmann::json out;
  {
    Span parent = tracer.start_span("parent", {.kind = SpanKind::server,
                                               .parent = &*remote,
                                               .start_time_unix_nano = 1700000000123456789ULL});
    Span child = tracer.start_span(
        "child", {.kind = SpanKind::client,
                  .parent = &parent.context(),
                  .start_time_unix_nano = 1700000000200000000ULL,
                  .attributes = {{"str", "hello"}, {"int", std::int64_t{-9007199254740993}}}});
    child.set_attribute("bool", true)
        .set_attribute("double", 3.25)
        .set_attribute("array", AttributeArray{"a", 2, false, 0.5})
        .set_attribute("kvlist", AttributeList{{"inner", "x"}, {"n", 5}})
        .set_attribute("bytes", Bytes{std::string("\x00\x01\xfe\xff", 4)});
    child.add_event("retry", 1700000000250000000ULL, {{"attempt", 2}});
    child.add_link(*remote, {{"link.kind", "follows"}});
    child.set_status(StatusCode::error, "upstream failed");
    Span producer = tracer.start_span("producer", {.kind = SpanKind::producer,
                                                   .parent = &child.context(),
                                                   .start_time_unix_nano = 1700000000300000000ULL});
    producer.set_status(StatusCode::ok);
    Span consumer = tracer.start_span(
        "consumer", {.kind = SpanKind::consumer, .start_time_unix_nano = 1700000000400000000ULL});
    Span internal = tracer.start_span("internal", {.parent = &consumer.context(),
                                                   .start_time_unix_nano = 1700000000500000000ULL});
    out["parent"] = describe(parent.context());
    out["child"] = describe(child.context());
    out["producer"] = describe(producer.context());
    out["consumer"] = describe(consumer.context());
    out["internal"] = describe(internal.context());
    internal.end(1700000000550000000ULL);
    consumer.end(1700000000600000000ULL);
    producer.end(1700000000350000000ULL);
    child.end(1700000000900000000ULL);
    parent.end(1700000001000000000ULL);
  }
  bool flushed = provider->force_flush(std::chrono::seconds(10));
  if (auto* batch = dynamic_cast<BatchSpanProcessor*>(provider->processor())) {
    const auto stats = batch->stats();
    out["exported"] = stats.exported;
    flushed = flushed && stats.exported == 5 && stats.failed == 0 && stats.dropped == 0;
  }
  provider->shutdown();
  out["flushed"] = flushed;
  std::cout << out.dump() << std::endl;
  return flushed ? 0 : 1;
}
