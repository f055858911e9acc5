#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "collector/ingest_queue.h"
#include "collector/metrics.h"

namespace clt::collector {

struct GrpcReceiverOptions {
  std::vector<std::string> ioam_addresses;  // "127.0.0.1:7123", "unix:/run/clt/ioam.sock"
  std::vector<std::string> otlp_addresses;  // "127.0.0.1:4317", "unix:/run/clt/otlp.sock"
  int max_message_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds ack_timeout{30'000};
};

class IoamReportService;
class OtlpTraceService;

// The gRPC receivers: ioam_api.IOAMService/Report (the published agents'
// API) and OTLP's TraceService/Export. Messages are parsed here (not by the
// generated stubs) so that malformed ones get INVALID_ARGUMENT with a reason.
// A full ingest queue stops reading the stream: gRPC flow control then slows
// the sender down.
class GrpcReceivers {
 public:
  GrpcReceivers(IngestQueue& queue, Metrics& metrics, GrpcReceiverOptions options);
  ~GrpcReceivers();
  // false with `error` set when an address cannot be bound.
  bool start(std::string& error);
  void shutdown();

 private:
  IngestQueue& queue_;
  Metrics& metrics_;
  GrpcReceiverOptions options_;
  std::unique_ptr<IoamReportService> ioam_;
  std::unique_ptr<OtlpTraceService> otlp_;
  std::unique_ptr<grpc::Server> server_;
};

// For a gRPC address "unix:/path": creates its directory and removes a stale
// socket file; false (with `error` set) when a live process still accepts on it.
bool prepare_unix_address(const std::string& address, std::string& error);

}  // namespace clt::collector
