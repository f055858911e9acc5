// A minimal OTLP trace receiver built on the OTLP module, for the interop
// tests: accepts OTLP/HTTP (protobuf and JSON bodies) on POST /v1/traces and
// OTLP/gRPC, and writes every request it receives as one OTLP/JSON line on
// stdout. Listens on 127.0.0.1 with ports chosen by the kernel, announced on
// the first line as "READY http=<port> grpc=<port>". With --discard it
// parses and drops (for benchmarks), printing nothing more; --grpc-unix PATH
// also serves OTLP/gRPC on a Unix socket (for programs in network namespaces).
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/otlp_json.h"

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

class Output {
 public:
  explicit Output(bool discard) : discard_(discard) {}
  void write(const ExportTraceServiceRequest& request, const char* transport) {
    if (discard_) return;
    std::lock_guard lock(mutex_);
    std::cout << "{\"transport\":\"" << transport
              << "\",\"request\":" << clt::otlp::to_traces_json(request) << "}\n";
    std::cout.flush();
  }

 private:
  bool discard_;
  std::mutex mutex_;
};

class GrpcService final : public TraceService::Service {
 public:
  explicit GrpcService(Output& output) : output_(output) {}
  grpc::Status Export(grpc::ServerContext*, const ExportTraceServiceRequest* request,
                      ExportTraceServiceResponse*) override {
    output_.write(*request, "grpc");
    return grpc::Status::OK;
  }

 private:
  Output& output_;
};

}  // namespace

int main(int argc, char** argv) {
  bool discard = false;
  std::string grpc_unix;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--discard") {
      discard = true;
    } else if (arg == "--grpc-unix" && i + 1 < argc) {
      grpc_unix = argv[++i];
    } else {
      std::cerr << "usage: tracing_test_receiver [--discard] [--grpc-unix PATH]\n";
      return 2;
    }
  }
  Output output(discard);
  httplib::Server http;
  http.Post("/v1/traces", [&](const httplib::Request& request, httplib::Response& response) {
    ExportTraceServiceRequest parsed;
    const bool json = request.get_header_value("Content-Type").find("json") != std::string::npos;
    std::string error;
    const bool ok = json ? clt::otlp::parse_traces_json(request.body, parsed, error)
                         : parsed.ParseFromString(request.body);
    if (!ok) {
      response.status = 400;
      response.set_content(json ? error : "body is not an ExportTraceServiceRequest", "text/plain");
      return;
    }
    output.write(parsed, json ? "http/json" : "http/protobuf");
    ExportTraceServiceResponse reply;
    if (json) {
      response.set_content(clt::otlp::to_response_json(reply), "application/json");
    } else {
      response.set_content(reply.SerializeAsString(), "application/x-protobuf");
    }
  });
  const int http_port = http.bind_to_any_port("127.0.0.1");
  if (http_port <= 0) {
    std::cerr << "cannot bind an HTTP port on 127.0.0.1\n";
    return 1;
  }

  GrpcService service(output);
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
  if (!grpc_unix.empty())
    builder.AddListeningPort("unix:" + grpc_unix, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto trace_server = builder.BuildAndStart();
  if (!trace_server || grpc_port <= 0) {
    std::cerr << "cannot start the gRPC server on 127.0.0.1\n";
    return 1;
  }
  std::cout << "READY http=" << http_port << " grpc=" << grpc_port << std::endl;
  std::thread http_thread([&] { http.listen_after_bind(); });
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // Runs until stdin closes: the test that started it decides when.
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  http.stop();
  http_thread.join();
  trace_server->Shutdown();
  return 0;
}
