// Load generator for `clt collector` (our own, loopback only).
//   ioam  TARGET STREAMS REPORTS_PER_STREAM PACKETS_PER_SPAN
//         concurrent IOAMService/Report streams; a stream counts once the
//         collector acknowledged it (= stored). Prints reports/s.
//   otlp  TARGET THREADS REQUESTS SPANS_PER_REQUEST
//         OTLP/gRPC exports, 10 spans per trace, trace ids (run, thread,
//         request, k); prints spans/s.
//   otlp-http HOST:PORT THREADS REQUESTS SPANS_PER_REQUEST RUN
//         the same exports over OTLP/HTTP protobuf (keep-alive); prints
//         requests/s and spans/s.
//   query HOST:PORT QUERIES THREADS_USED REQUESTS_USED TRACES_PER_REQUEST RUN
//         GET /api/traces/{id} for random stored traces; prints p50/p99.
//   summaries TARGET STREAMS BATCHES SPANS_PER_BATCH PACKETS_PER_SPAN
//             [SUMMARIES_PER_SPAN]
//         concurrent clt.v1.TelemetryService/Summaries streams of span
//         summaries as the agent sends them (built by the agent's own
//         aggregate and encoding code: 3 hops, delay and queue sketches, up
//         to 4 raw packets each); prints packets represented/s, summaries/s,
//         spans/s and messages/s acknowledged (= stored). With
//         SUMMARIES_PER_SPAN = k (default 1), k consecutive messages carry
//         the same spans, as several agents or the flushes of long spans do.
//   sink  PORT   a gRPC server that discards Report and Summaries streams
//         (the transport baseline).
// With CLT_LOAD_TLS_CA=FILE every mode but sink speaks TLS to a collector
// started with --tls-cert, trusting the CA in FILE.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>

#include "aggregate/span_aggregate.h"
#include "aggregate/summary_proto.h"
#include "clt/v1/telemetry.grpc.pb.h"
#include "core/ioam_trace.h"
#include "ioam_api.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace {

using namespace clt;
using Clock = std::chrono::steady_clock;
namespace otlp = opentelemetry::proto::collector::trace::v1;

const char* tls_ca_file() {
  const char* v = std::getenv("CLT_LOAD_TLS_CA");
  return v && *v ? v : nullptr;
}

std::shared_ptr<grpc::ChannelCredentials> credentials() {
  const char* ca = tls_ca_file();
  if (!ca) return grpc::InsecureChannelCredentials();
  std::ifstream in(ca);
  std::ostringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::SslCredentials(ssl);
}

// "http://host:port", or https with CLT_LOAD_TLS_CA.
httplib::Client http_client(const std::string& hostport) {
  httplib::Client client(std::string(tls_ca_file() ? "https://" : "http://") + hostport);
  if (const char* ca = tls_ca_file()) client.set_ca_cert_path(ca);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  return client;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

ioam_api::IOAMTrace base_report() {
  ioam_api::IOAMTrace r;
  r.set_namespaceid(123);
  r.set_bitfield(0xf60000u << 8);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    auto* n = r.add_nodes();
    n->set_hoplimit(65 - i);
    n->set_id(i);
    n->set_ingressid(10 * i + 1);
    n->set_egressid(10 * i + 2);
    n->set_timestampsecs(1'700'000'000);
    n->set_queuedepth(i);
    n->set_namespacedata(std::string("\xa0\x00\x00", 3) + static_cast<char>(i));
  }
  return r;
}

int run_ioam(const std::string& target, int streams, int reports, int per_span) {
  const std::uint64_t run = static_cast<std::uint64_t>(std::time(nullptr));
  std::atomic<long> acked{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      auto channel = grpc::CreateChannel(target, credentials());
      auto stub = ioam_api::IOAMService::NewStub(channel);
      grpc::ClientContext ctx;
      google::protobuf::Empty reply;
      auto writer = stub->Report(&ctx, &reply);
      ioam_api::IOAMTrace r = base_report();
      r.set_traceid_high(run);
      for (int i = 0; i < reports; ++i) {
        const std::uint64_t span = static_cast<std::uint64_t>(i / per_span);
        r.set_traceid_low((static_cast<std::uint64_t>(s) << 32) | (span / 5));
        r.set_spanid(span + 1);
        for (int k = 0; k < 3; ++k)
          r.mutable_nodes(k)->set_timestampfrac(
              static_cast<std::uint32_t>((i * 10 + k * 150) % 1'000'000));
        if (!writer->Write(r)) break;
      }
      writer->WritesDone();
      if (writer->Finish().ok())
        acked += reports;
      else
        ++failed;
    });
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(start);
  std::printf(
      "ioam: %ld reports acknowledged in %.2f s = %.0f reports/s (%d streams, %d packets/span, %ld "
      "failed streams)\n",
      acked.load(), secs, static_cast<double>(acked.load()) / secs, streams, per_span,
      failed.load());
  return failed ? 1 : 0;
}

// One span's summary as the agent encodes it: per_span packets over 3 nodes,
// delays and queue depths varying per packet.
clt::v1::SpanSummary base_summary(int per_span) {
  auto trace = std::make_unique<core::Trace>();
  trace->namespace_id = 123;
  trace->trace_type = 0xf60000;
  trace->node_len = 6;
  trace->ids_intact = true;
  trace->node_count = 3;
  core::Ipv6Address src{}, dst{};
  src[0] = dst[0] = 0xfd;
  src[15] = 1;
  dst[15] = 2;
  aggregate::SpanAggregate a;
  a.reset(*trace, src, dst);
  for (int p = 0; p < per_span; ++p) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      core::NodeData& n = trace->nodes[i];
      n.hop_limit = static_cast<std::uint8_t>(64 - i);
      n.id = i + 1;
      n.ingress_id = static_cast<std::uint16_t>(10 * i + 11);
      n.egress_id = static_cast<std::uint16_t>(10 * i + 12);
      n.timestamp_secs = 1'700'000'000;
      n.timestamp_frac = static_cast<std::uint32_t>(p * 1000 + i * (150 + p % 7 * 20));
      n.queue_depth = static_cast<std::uint32_t>((p + i) % 5);
      n.namespace_data = 0xa0000001u + i;
    }
    a.add(*trace, 1'700'000'000'000'000 + p * 1000);
  }
  clt::v1::SpanSummary out;
  aggregate::encode_summary(a, out);
  const ioam_api::IOAMTrace sample = base_report();
  for (int k = 0; k < std::min(per_span, 4); ++k) *out.add_samples() = sample;
  return out;
}

int run_summaries(const std::string& target, int streams, int batches, int spans_per_batch,
                  int per_span, int summaries_per_span) {
  const std::uint64_t run = static_cast<std::uint64_t>(std::time(nullptr));
  const clt::v1::SpanSummary summary = base_summary(per_span);
  std::atomic<long> acked_packets{0}, acked_spans{0}, ack_packets{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      auto channel = grpc::CreateChannel(target, credentials());
      auto stub = clt::v1::TelemetryService::NewStub(channel);
      grpc::ClientContext ctx;
      clt::v1::SummaryAck ack;
      auto writer = stub->Summaries(&ctx, &ack);
      clt::v1::SummaryBatch batch;
      for (int i = 0; i < spans_per_batch; ++i) *batch.add_spans() = summary;
      unsigned char id[16] = {};
      for (int b = 0; b < batches; ++b) {
        for (int i = 0; i < spans_per_batch; ++i) {
          const std::uint64_t span =
              static_cast<std::uint64_t>(b / summaries_per_span) * spans_per_batch + i;
          const std::uint64_t hi = run, lo = (static_cast<std::uint64_t>(s) << 32) | (span / 5);
          for (int k = 0; k < 8; ++k) {
            id[k] = static_cast<unsigned char>(hi >> (56 - 8 * k));
            id[8 + k] = static_cast<unsigned char>(lo >> (56 - 8 * k));
          }
          auto* out = batch.mutable_spans(i);
          out->set_trace_id(id, 16);
          for (int k = 0; k < 8; ++k)
            id[k] = static_cast<unsigned char>((span + 1) >> (56 - 8 * k));
          out->set_span_id(id, 8);
        }
        if (!writer->Write(batch)) break;
      }
      writer->WritesDone();
      // OK comes once everything is stored; the ack's counts say what was
      // (a discarding sink sends none).
      const grpc::Status status = writer->Finish();
      if (!status.ok())
        std::fprintf(stderr, "summaries: stream %d failed: %s\n", s,
                     status.error_message().c_str());
      if (status.ok()) {
        acked_packets += static_cast<long>(batches) * spans_per_batch * per_span;
        acked_spans += static_cast<long>(batches) * spans_per_batch;  // summaries
        ack_packets += static_cast<long>(ack.packets());
      } else {
        ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(start);
  const long messages = failed ? 0 : static_cast<long>(streams) * batches;
  std::printf(
      "summaries: %ld packets in %ld span summaries acknowledged in %.2f s = %.0f packets/s, %.0f "
      "summaries/s, %.0f spans/s, %.0f messages/s (%d streams, %d summaries/message, %d "
      "packets/summary, %d summaries/span, %ld failed streams; acks counted %ld packets)\n",
      acked_packets.load(), acked_spans.load(), secs,
      static_cast<double>(acked_packets.load()) / secs,
      static_cast<double>(acked_spans.load()) / secs,
      static_cast<double>(acked_spans.load()) / summaries_per_span / secs,
      static_cast<double>(messages) / secs, streams, spans_per_batch, per_span, summaries_per_span,
      failed.load(), ack_packets.load());
  return failed ? 1 : 0;
}

void fill_trace_id(std::string& out, std::uint64_t run, int thread, int request, int k) {
  unsigned char b[16];
  const std::uint64_t hi = run, lo = (static_cast<std::uint64_t>(thread) << 48) |
                                     (static_cast<std::uint64_t>(request) << 16) |
                                     static_cast<std::uint64_t>(k);
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
  }
  out.assign(reinterpret_cast<char*>(b), 16);
}

// One thread's export request: spans_per_request spans, 10 per trace.
void build_request(otlp::ExportTraceServiceRequest& req, int t, int spans_per_request) {
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("load-" + std::to_string(t % 4));
  auto* ss = rs->add_scope_spans();
  for (int i = 0; i < spans_per_request; ++i) {
    auto* sp = ss->add_spans();
    sp->set_name("op-" + std::to_string(i % 10));
    sp->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    auto* a = sp->add_attributes();
    a->set_key("http.method");
    a->mutable_value()->set_string_value("GET");
    auto* b = sp->add_attributes();
    b->set_key("http.status_code");
    b->mutable_value()->set_int_value(200);
  }
}

// Ids (run, thread, request, k) and times of request r.
void stamp_request(otlp::ExportTraceServiceRequest& req, std::uint64_t run, int t, int r) {
  auto* ss = req.mutable_resource_spans(0)->mutable_scope_spans(0);
  const std::uint64_t now_ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::string tid;
  for (int i = 0; i < ss->spans_size(); ++i) {
    auto* sp = ss->mutable_spans(i);
    fill_trace_id(tid, run, t, r, i / 10);
    sp->set_trace_id(tid);
    unsigned char sid[8] = {0, 0, 0, 0, 0, 0, static_cast<unsigned char>((i % 10) + 1), 1};
    sp->set_span_id(reinterpret_cast<char*>(sid), 8);
    if (i % 10) {
      unsigned char pid[8] = {0, 0, 0, 0, 0, 0, 1, 1};
      sp->set_parent_span_id(reinterpret_cast<char*>(pid), 8);
    }
    sp->set_start_time_unix_nano(now_ns + static_cast<std::uint64_t>(i) * 1000);
    sp->set_end_time_unix_nano(now_ns + static_cast<std::uint64_t>(i) * 1000 + 500'000);
  }
}

int run_otlp(const std::string& target, int threads_n, int requests, int spans_per_request,
             std::uint64_t run) {
  std::atomic<long> spans_ok{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      auto channel = grpc::CreateChannel(target, credentials());
      auto stub = otlp::TraceService::NewStub(channel);
      otlp::ExportTraceServiceRequest req;
      build_request(req, t, spans_per_request);
      for (int r = 0; r < requests; ++r) {
        stamp_request(req, run, t, r);
        grpc::ClientContext ctx;
        otlp::ExportTraceServiceResponse resp;
        if (stub->Export(&ctx, req, &resp).ok())
          spans_ok += spans_per_request;
        else
          ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(start);
  std::printf(
      "otlp: %ld spans acknowledged in %.2f s = %.0f spans/s (%d threads, %d spans/request, %ld "
      "failed requests)\n",
      spans_ok.load(), secs, static_cast<double>(spans_ok.load()) / secs, threads_n,
      spans_per_request, failed.load());
  return failed ? 1 : 0;
}

// OTLP/HTTP protobuf exports, one keep-alive connection per thread.
int run_otlp_http(const std::string& hostport, int threads_n, int requests, int spans_per_request,
                  std::uint64_t run) {
  std::atomic<long> ok{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client = http_client(hostport);
      otlp::ExportTraceServiceRequest req;
      build_request(req, t, spans_per_request);
      std::string body;
      for (int r = 0; r < requests; ++r) {
        stamp_request(req, run, t, r);
        req.SerializeToString(&body);
        auto res = client.Post("/v1/traces", body, "application/x-protobuf");
        if (res && res->status == 200)
          ++ok;
        else
          ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(start);
  std::printf(
      "otlp-http: %ld requests acknowledged in %.2f s = %.0f requests/s, %.0f spans/s (%d "
      "threads, %d spans/request, %ld failed requests)\n",
      ok.load(), secs, static_cast<double>(ok.load()) / secs,
      static_cast<double>(ok.load() * spans_per_request) / secs, threads_n, spans_per_request,
      failed.load());
  return failed ? 1 : 0;
}

int run_query(const std::string& hostport, int queries, int threads_used, int requests_used,
              int traces_per_request, std::uint64_t run) {
  httplib::Client client = http_client(hostport);
  std::mt19937_64 rng(42);
  std::vector<double> ms;
  std::string tid;
  int not_found = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int q = 0; q < queries; ++q) {
    fill_trace_id(tid, run, static_cast<int>(rng() % threads_used),
                  static_cast<int>(rng() % requests_used),
                  static_cast<int>(rng() % traces_per_request));
    std::string hex;
    for (unsigned char c : tid) {
      hex += kHex[c >> 4];
      hex += kHex[c & 0xf];
    }
    const auto t0 = Clock::now();
    auto res = client.Get(("/api/traces/" + hex).c_str());
    ms.push_back(seconds_since(t0) * 1000);
    if (!res || res->status != 200 || res->body.find("\"spans\"") == std::string::npos) ++not_found;
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
  };
  std::printf(
      "query: %d trace-by-id lookups: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d not found)\n",
      queries, pct(0.5), pct(0.99), ms.back(), not_found);
  return not_found ? 1 : 0;
}

class SinkService : public grpc::Service {
 public:
  SinkService() {
    add_discarding("/ioam_api.IOAMService/Report");
    add_discarding("/clt.v1.TelemetryService/Summaries");
  }

 private:
  void add_discarding(const char* method) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        method, grpc::internal::RpcMethod::CLIENT_STREAMING,
        new grpc::internal::ClientStreamingHandler<SinkService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [](SinkService*, grpc::ServerContext*, grpc::ServerReader<grpc::ByteBuffer>* reader,
               grpc::ByteBuffer* response) {
              grpc::ByteBuffer b;
              while (reader->Read(&b)) {
              }
              grpc::Slice empty("");
              *response = grpc::ByteBuffer(&empty, 1);
              return grpc::Status::OK;
            },
            this)));
  }
};

int run_sink(const std::string& port) {
  SinkService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + port, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server) return 1;
  server->Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "ioam" && argc == 6)
    return run_ioam(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
  if (mode == "otlp" && argc == 7)
    return run_otlp(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]),
                    std::strtoull(argv[6], nullptr, 10));
  if (mode == "otlp-http" && argc == 7)
    return run_otlp_http(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]),
                         std::strtoull(argv[6], nullptr, 10));
  if (mode == "query" && argc == 8)
    return run_query(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]),
                     std::atoi(argv[6]), std::strtoull(argv[7], nullptr, 10));
  if (mode == "summaries" && (argc == 7 || argc == 8))
    return run_summaries(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]),
                         std::atoi(argv[6]), argc == 8 ? std::max(1, std::atoi(argv[7])) : 1);
  if (mode == "sink" && argc == 3) return run_sink(argv[2]);
  std::fprintf(stderr,
               "usage: bench_collector_load ioam TARGET STREAMS REPORTS PACKETS_PER_SPAN\n"
               "       bench_collector_load otlp TARGET THREADS REQUESTS SPANS_PER_REQUEST RUN\n"
               "       bench_collector_load otlp-http HOST:PORT THREADS REQUESTS "
               "SPANS_PER_REQUEST RUN\n"
               "       bench_collector_load query HOST:PORT QUERIES THREADS REQUESTS "
               "TRACES_PER_REQUEST RUN\n"
               "       bench_collector_load summaries TARGET STREAMS BATCHES SPANS_PER_BATCH "
               "PACKETS_PER_SPAN [SUMMARIES_PER_SPAN]\n"
               "       bench_collector_load sink PORT\n");
  return 2;
}
