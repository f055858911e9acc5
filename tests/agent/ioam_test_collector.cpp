// A minimal ioam_api.IOAMService server for the agent's system tests: writes
// every received IOAMTrace as one JSON line to a file. Built from the same
// proto the published collector uses.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <string>

#include "core/hex.h"
#include "ioam_api.grpc.pb.h"
#include "os/signals.h"

namespace {

using namespace clt;

class RecordingService final : public ioam_api::IOAMService::Service {
 public:
  explicit RecordingService(std::FILE* out) : out_(out) {}
  grpc::Status Report(grpc::ServerContext*, grpc::ServerReader<ioam_api::IOAMTrace>* reader,
                      google::protobuf::Empty*) override {
    ioam_api::IOAMTrace trace;
    while (reader->Read(&trace)) {
      std::string line;
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "{\"trace_id\": \"%016" PRIx64 "%016" PRIx64 "\", \"span_id\": \"%016" PRIx64
                    "\", \"namespace\": %u, \"bitfield\": %u, \"nodes\": [",
                    trace.traceid_high(), trace.traceid_low(), trace.spanid(), trace.namespaceid(),
                    trace.bitfield());
      line += buf;
      for (int i = 0; i < trace.nodes_size(); ++i) {
        const auto& n = trace.nodes(i);
        std::snprintf(buf, sizeof buf,
                      "%s{\"id\": %u, \"hop_limit\": %u, \"ingress_id\": %u, \"egress_id\": %u, "
                      "\"timestamp_secs\": %u, \"namespace_data\": \"%s\"}",
                      i ? ", " : "", n.id(), n.hoplimit(), n.ingressid(), n.egressid(),
                      n.timestampsecs(), core::to_hex(n.namespacedata()).c_str());
        line += buf;
      }
      line += "]}\n";
      std::lock_guard<std::mutex> lock(mutex_);
      std::fwrite(line.data(), 1, line.size(), out_);
      std::fflush(out_);
    }
    return grpc::Status::OK;
  }

 private:
  std::FILE* out_;
  std::mutex mutex_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ioam_test_collector LISTEN_ADDRESS OUT_FILE\n");
    return 2;
  }
  std::FILE* out = std::fopen(argv[2], "a");
  if (!out) {
    std::perror("ioam_test_collector: output");
    return 1;
  }
  clt::os::BlockedSignals signals({SIGTERM, SIGINT});
  RecordingService service(out);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(argv[1], grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "ioam_test_collector: cannot listen on %s\n", argv[1]);
    return 1;
  }
  signals.wait();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  std::fclose(out);
  return 0;
}
