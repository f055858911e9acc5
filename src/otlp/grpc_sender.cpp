#include "otlp/grpc_sender.h"

#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/endpoint.h"
#include "tls/grpc_credentials.h"

namespace clt::otlp {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

// The OTLP specification's list of retryable gRPC codes.
bool is_retryable_grpc_code(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

class GrpcSender final : public Sender {
 public:
  GrpcSender(const SenderConfig& config, const std::string& target,
             std::shared_ptr<grpc::ChannelCredentials> credentials)
      : target_(target),
        timeout_(config.timeout),
        headers_(config.headers),
        stub_(TraceService::NewStub(grpc::CreateChannel(target, std::move(credentials)))) {}

  SendResult send(const ExportTraceServiceRequest& request) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout_);
    for (const auto& [name, value] : headers_) context.AddMetadata(name, value);
    ExportTraceServiceResponse response;
    const grpc::Status status = stub_->Export(&context, request, &response);
    SendResult result;
    if (!status.ok()) {
      result.status = is_retryable_grpc_code(status.error_code()) ? SendStatus::retryable
                                                                  : SendStatus::permanent;
      result.message = "OTLP/gRPC " + target_ + ": code " +
                       std::to_string(static_cast<int>(status.error_code())) + ": " +
                       status.error_message();
      return result;
    }
    if (response.has_partial_success()) {
      result.rejected_spans = response.partial_success().rejected_spans();
      result.message = response.partial_success().error_message();
    }
    return result;
  }

 private:
  std::string target_;
  std::chrono::milliseconds timeout_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::unique_ptr<TraceService::Stub> stub_;
};

}  // namespace

std::unique_ptr<Sender> make_grpc_sender(const SenderConfig& config, std::string& error) {
  bool tls = false;
  const std::string target = grpc_target_from_endpoint(config.endpoint, tls);
  if (target.empty()) {
    error = "OTLP/gRPC endpoint is empty: give host:port, http://host:port or unix:/path";
    return nullptr;
  }
  const tls::TlsPaths& paths = config.tls;
  const bool tls_files = paths.given();
  if (tls_files && !tls && config.endpoint.starts_with("http://")) {
    error = "endpoint \"" + config.endpoint + "\" is http:// (plaintext) but " + paths.ca_option +
            "/" + paths.cert_option + " are given for TLS; use https:// (or host:port)";
    return nullptr;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (tls || tls_files) {
    credentials = tls::grpc_tls_credentials(paths, error);
    if (!credentials) return nullptr;
  }
  return std::make_unique<GrpcSender>(config, target, std::move(credentials));
}

}  // namespace clt::otlp
