#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tls/tls_files.h"

// Sends trace exports to an OTLP endpoint, over OTLP/HTTP (protobuf or JSON
// body, POST .../v1/traces) or OTLP/gRPC (TraceService/Export). One Sender
// keeps its connection or channel; send() may be called from one thread at a
// time.
namespace clt::otlp {

using ExportTraceServiceRequest =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

enum class Protocol { http_protobuf, http_json, grpc };

struct SenderConfig {
  Protocol protocol = Protocol::http_protobuf;
  // http: a base URL ("http://127.0.0.1:4318"), "/v1/traces" is appended
  // unless `endpoint_is_traces_url`; grpc: "host:port", "http://host:port"
  // or "unix:/path".
  std::string endpoint = "http://localhost:4318";
  bool endpoint_is_traces_url = false;
  std::chrono::milliseconds timeout{10000};
  std::vector<std::pair<std::string, std::string>> headers;  // also gRPC metadata
  // TLS (https:// endpoints, or a gRPC host:port with TLS files): the CA
  // that signed the receiver's certificate (default: the system's), and a
  // client certificate and key for mTLS. The option names are the caller's,
  // for the errors.
  tls::TlsPaths tls;
};

enum class SendStatus {
  ok,
  retryable,  // worth sending again later: 429/502/503/504, UNAVAILABLE, timeouts
  permanent,  // the receiver will never accept this request as it is
};

struct SendResult {
  SendStatus status = SendStatus::ok;
  std::string message;              // empty when ok without partial success
  std::int64_t rejected_spans = 0;  // from a partial-success response
  bool ok() const { return status == SendStatus::ok; }
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual SendResult send(const ExportTraceServiceRequest& request) = 0;
};

// nullptr (with `error` set to one line) when the endpoint cannot be used.
std::unique_ptr<Sender> make_sender(const SenderConfig& config, std::string& error);

// "grpc", "http/protobuf", "http/json" (the OTEL_EXPORTER_OTLP_PROTOCOL values).
bool parse_protocol(std::string_view text, Protocol& out);
const char* protocol_name(Protocol protocol);

}  // namespace clt::otlp
