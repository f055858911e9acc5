#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "collector/ingest/commit_waiter.h"
#include "collector/ingest/ingest_queue.h"
#include "collector/ingest/otlp_accept.h"
#include "collector/model/metrics.h"

namespace clt::collector {

struct GrpcReceiverOptions {
  std::vector<std::string> ioam_addresses;  // "127.0.0.1:7123", "unix:/run/clt/ioam.sock"
  std::vector<std::string> otlp_addresses;  // "127.0.0.1:4317", "unix:/run/clt/otlp.sock"
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds ack_timeout{30'000};
  // Open IOAM report streams, in all and per connection (HTTP/2's
  // SETTINGS_MAX_CONCURRENT_STREAMS: a client's further streams wait).
  std::size_t max_ioam_streams = 4096;
  // gRPC's own buffers (a resource quota): under pressure gRPC shrinks its
  // flow-control windows, then resets streams (RESOURCE_EXHAUSTED). No
  // message larger than it is read.
  std::size_t memory_quota_bytes = 64 * 1024 * 1024;
  // TLS on the TCP addresses when tls_cert_pem is set (Unix sockets stay
  // plaintext: the file's permissions decide who may connect); with
  // tls_client_ca_pem a client certificate signed by it is required.
  std::string tls_cert_pem, tls_key_pem, tls_client_ca_pem;
  std::chrono::milliseconds handshake_timeout{10'000};
};

class ReceiverService;

// The gRPC receivers: ioam_api.IOAMService/Report (the published agents'
// API) and OTLP's TraceService/Export, on gRPC's callback API: streams cost
// memory, not threads (gRPC runs the callbacks on a few threads of its own).
// Messages are parsed here (not by the generated stubs) so that malformed
// ones get INVALID_ARGUMENT with a reason. A full ingest queue stops reading
// the stream: gRPC flow control then slows the sender down. Export requests
// go through the OTLP accept path shared with OTLP/HTTP.
class GrpcReceivers {
 public:
  GrpcReceivers(IngestQueue& queue, CommitWaiter& waiter, OtlpAcceptor& acceptor, Metrics& metrics,
                GrpcReceiverOptions options);
  ~GrpcReceivers();
  // false with `error` set when an address cannot be bound.
  bool start(std::string& error);
  void shutdown();
  // The addresses as bound, after start(): port 0 replaced by the one taken.
  std::vector<std::string> bound_ioam_addresses() const;
  std::vector<std::string> bound_otlp_addresses() const;

 private:
  IngestQueue& queue_;
  CommitWaiter& waiter_;
  OtlpAcceptor& acceptor_;
  Metrics& metrics_;
  GrpcReceiverOptions options_;
  std::unique_ptr<ReceiverService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> bound_ports_;  // per address, ioam then otlp; 0 for unix:
};

// For a gRPC address "unix:/path": creates its directory and removes a stale
// socket file; false (with `error` set) when a live process still accepts on it.
bool prepare_unix_address(const std::string& address, std::string& error);

}  // namespace clt::collector
