// Tracing costs: span start+end on the caller's thread with the batch
// processor (the exporter thread running behind it), and OTLP export
// throughput to an in-process receiver on loopback.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "tracing/batch_processor.h"
#include "tracing/exporters.h"
#include "tracing/id_generator.h"
#include "tracing/tracer.h"

using namespace clt::tracing;

namespace {

// Counts and discards: isolates the caller's cost from any backend.
class DiscardingExporter final : public SpanExporter {
 public:
  explicit DiscardingExporter(std::atomic<std::uint64_t>& count) : count_(count) {}
  ExportResult export_spans(std::span<const SpanData> spans) override {
    count_.fetch_add(spans.size(), std::memory_order_relaxed);
    return ExportResult::success;
  }

 private:
  std::atomic<std::uint64_t>& count_;
};

struct BatchSetup {
  std::atomic<std::uint64_t> exported{0};
  BatchSpanProcessor* batch = nullptr;
  std::unique_ptr<TracerProvider> provider;
  explicit BatchSetup(std::unique_ptr<Sampler> sampler = nullptr) {
    auto processor = std::make_unique<BatchSpanProcessor>(
        std::make_unique<DiscardingExporter>(exported), BatchOptions{});
    batch = processor.get();
    provider = std::make_unique<TracerProvider>(TracerProviderOptions{
        make_resource("bench"), std::move(sampler), std::move(processor), nullptr, {}});
  }
};

void report_drops(benchmark::State& state, const BatchSetup& setup) {
  setup.provider->force_flush();
  const auto stats = setup.batch->stats();
  state.counters["dropped_pct"] = stats.queued + stats.dropped == 0
                                      ? 0.0
                                      : 100.0 * static_cast<double>(stats.dropped) /
                                            static_cast<double>(stats.queued + stats.dropped);
}

void BM_SpanStartEnd(benchmark::State& state) {
  BatchSetup setup;
  Tracer& tracer = setup.provider->tracer("bench");
  for (auto _ : state) {
    Span span = tracer.start_span("GET /api/check", {.kind = SpanKind::client});
    span.end();
  }
  report_drops(state, setup);
}
BENCHMARK(BM_SpanStartEnd)->Repetitions(10)->ReportAggregatesOnly(true);

void BM_SpanStartEndChildWithAttributes(benchmark::State& state) {
  BatchSetup setup;
  Tracer& tracer = setup.provider->tracer("bench");
  Span parent = tracer.start_span("parent");
  for (auto _ : state) {
    Span span = tracer.start_span("GET /api/check",
                                  {.kind = SpanKind::client, .parent = &parent.context()});
    span.set_attribute("http.request.method", "GET");
    span.set_attribute("http.response.status_code", 200);
    span.set_attribute("server.address", "fd00:2::2");
    span.end();
  }
  report_drops(state, setup);
}
BENCHMARK(BM_SpanStartEndChildWithAttributes)->Repetitions(10)->ReportAggregatesOnly(true);

void BM_SpanStartEndUnsampled(benchmark::State& state) {
  BatchSetup setup(make_always_off_sampler());
  Tracer& tracer = setup.provider->tracer("bench");
  for (auto _ : state) {
    Span span = tracer.start_span("GET /api/check", {.kind = SpanKind::client});
    span.end();
  }
}
BENCHMARK(BM_SpanStartEndUnsampled)->Repetitions(5)->ReportAggregatesOnly(true);

constexpr int kBatch = 512;

// A typical client span with three attributes, kBatch times.
std::vector<SpanData> sample_batch() {
  static const Resource resource = make_resource("bench");
  static const InstrumentationScope scope{"bench", "1"};
  RandomIdGenerator ids;
  std::vector<SpanData> spans(kBatch);
  const std::uint64_t now = now_unix_nano();
  for (auto& span : spans) {
    span.context.trace_id = ids.new_trace_id();
    span.context.span_id = ids.new_span_id();
    span.context.trace_flags = kTraceFlagSampled;
    span.name = "GET /api/check";
    span.kind = SpanKind::client;
    span.start_time_unix_nano = now;
    span.end_time_unix_nano = now + 1000;
    span.attributes = {{"http.request.method", "GET"},
                       {"http.response.status_code", 200},
                       {"server.address", "fd00:2::2"}};
    span.resource = &resource;
    span.scope = &scope;
  }
  return spans;
}

// Receives OTLP/HTTP and OTLP/gRPC on loopback, parses and discards.
class Receiver final : public opentelemetry::proto::collector::trace::v1::TraceService::Service {
 public:
  Receiver() {
    http_.Post("/v1/traces", [](const httplib::Request& request, httplib::Response& response) {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest parsed;
      if (!parsed.ParseFromString(request.body)) response.status = 400;
      response.set_content("", "application/x-protobuf");
    });
    http_port_ = http_.bind_to_any_port("127.0.0.1");
    http_thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~Receiver() override {
    http_.stop();
    http_thread_.join();
    server_->Shutdown();
  }
  grpc::Status Export(
      grpc::ServerContext*,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest*,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse*) override {
    return grpc::Status::OK;
  }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }

 private:
  httplib::Server http_;
  int http_port_ = 0;
  std::thread http_thread_;
  int grpc_port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

void export_throughput(benchmark::State& state, clt::otlp::Protocol protocol) {
  Receiver receiver;
  const std::vector<SpanData> spans = sample_batch();
  clt::otlp::SenderConfig config;
  config.protocol = protocol;
  config.endpoint = protocol == clt::otlp::Protocol::grpc
                        ? "127.0.0.1:" + std::to_string(receiver.grpc_port())
                        : "http://127.0.0.1:" + std::to_string(receiver.http_port());
  std::string error;
  auto exporter = OtlpExporter::create(config, error);
  if (!exporter) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (auto _ : state) {
    if (exporter->export_spans(spans) != ExportResult::success) {
      state.SkipWithError(exporter->last_error().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_ExportHttpProtobuf(benchmark::State& state) {
  export_throughput(state, clt::otlp::Protocol::http_protobuf);
}
BENCHMARK(BM_ExportHttpProtobuf)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ExportGrpc(benchmark::State& state) {
  export_throughput(state, clt::otlp::Protocol::grpc);
}
BENCHMARK(BM_ExportGrpc)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
