#include "otlp/otlp_sender.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/otlp_json.h"
#include "tracing/exporters.h"

namespace clt::otlp {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

ExportTraceServiceRequest one_span_request() {
  ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_name("s");
  return request;
}

// Answers each path the way its name says.
class HttpPeer {
 public:
  HttpPeer() {
    server_.Post("/ok",
                 [&](const httplib::Request& request, httplib::Response&) { record(request); });
    for (int status : {400, 429, 502, 503, 504}) {
      server_.Post("/" + std::to_string(status),
                   [status](const httplib::Request&, httplib::Response& response) {
                     response.status = status;
                     response.set_content("go away\nsecond line", "text/plain");
                   });
    }
    server_.Post("/partial", [](const httplib::Request&, httplib::Response& response) {
      ExportTraceServiceResponse reply;
      reply.mutable_partial_success()->set_rejected_spans(2);
      reply.mutable_partial_success()->set_error_message("2 spans too old");
      response.set_content(reply.SerializeAsString(), "application/x-protobuf");
    });
    server_.Post("/slow", [](const httplib::Request&, httplib::Response&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
    });
    server_.Post("/flaky", [&](const httplib::Request&, httplib::Response& response) {
      if (flaky_calls_++ < 2) response.status = 503;
    });
    server_.Post("/v1/traces",
                 [&](const httplib::Request& request, httplib::Response&) { record(request); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([&] { server_.listen_after_bind(); });
    // stop() before the listener runs would be lost and join() would hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpPeer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string last_content_type, last_body, last_header;
  std::atomic<int> flaky_calls_{0};

 private:
  void record(const httplib::Request& request) {
    last_content_type = request.get_header_value("Content-Type");
    last_body = request.body;
    last_header = request.get_header_value("x-api-key");
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

SendResult send_to(const std::string& url, Protocol protocol = Protocol::http_protobuf,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  SenderConfig config{protocol, url, true, timeout, {{"x-api-key", "k"}}, {}};
  std::string error;
  auto sender = make_sender(config, error);
  EXPECT_TRUE(sender) << error;
  if (!sender) return {SendStatus::permanent, error, 0};
  return sender->send(one_span_request());
}

TEST(HttpSender, SendsProtobufAndJsonBodiesWithHeaders) {
  HttpPeer peer;
  ASSERT_TRUE(send_to(peer.url("/ok")).ok());
  EXPECT_EQ(peer.last_content_type, "application/x-protobuf");
  EXPECT_EQ(peer.last_header, "k");
  ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(peer.last_body));
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).spans(0).name(), "s");

  ASSERT_TRUE(send_to(peer.url("/ok"), Protocol::http_json).ok());
  EXPECT_EQ(peer.last_content_type, "application/json");
  std::string error;
  ASSERT_TRUE(parse_traces_json(peer.last_body, parsed, error)) << error;
  EXPECT_NE(peer.last_body.find("\"traceId\":\"01010101010101010101010101010101\""),
            std::string::npos);
}

TEST(HttpSender, AppendsTheTracesPathToABaseEndpoint) {
  HttpPeer peer;
  SenderConfig config;
  config.endpoint = peer.url("");
  std::string error;
  auto sender = make_sender(config, error);
  ASSERT_TRUE(sender) << error;
  EXPECT_TRUE(sender->send(one_span_request()).ok());
  EXPECT_FALSE(peer.last_body.empty());
}

TEST(HttpSender, ClassifiesFailures) {
  HttpPeer peer;
  for (int status : {429, 502, 503, 504}) {
    const auto result = send_to(peer.url("/" + std::to_string(status)));
    EXPECT_EQ(result.status, SendStatus::retryable) << status;
    EXPECT_NE(result.message.find(std::to_string(status)), std::string::npos) << result.message;
  }
  const auto rejected = send_to(peer.url("/400"));
  EXPECT_EQ(rejected.status, SendStatus::permanent);
  EXPECT_EQ(rejected.message, "OTLP/HTTP status 400: go away");
  EXPECT_EQ(
      send_to(peer.url("/slow"), Protocol::http_protobuf, std::chrono::milliseconds(150)).status,
      SendStatus::retryable);
  const auto partial = send_to(peer.url("/partial"));
  EXPECT_TRUE(partial.ok());
  EXPECT_EQ(partial.rejected_spans, 2);
  EXPECT_EQ(partial.message, "2 spans too old");
}

TEST(HttpSender, RefusedConnectionIsRetryable) {
  std::string url;
  {
    HttpPeer gone;
    url = gone.url("/ok");
  }
  EXPECT_EQ(send_to(url).status, SendStatus::retryable);
}

TEST(Sender, RejectsUnusableEndpoints) {
  std::string error;
  EXPECT_FALSE(make_sender(
      {Protocol::http_protobuf, "localhost:4318", false, std::chrono::seconds(1), {}, {}}, error));
  EXPECT_NE(error.find("http://host:port"), std::string::npos) << error;
  EXPECT_FALSE(make_sender({Protocol::grpc, "", false, std::chrono::seconds(1), {}, {}}, error));
}

TEST(Sender, RefusesUnusableTlsFiles) {
  for (Protocol protocol : {Protocol::http_protobuf, Protocol::grpc}) {
    SenderConfig config;
    config.protocol = protocol;
    config.endpoint = "https://127.0.0.1:1";
    config.tls.ca_file = "/nonexistent/ca.pem";
    config.tls.ca_option = "OTEL_EXPORTER_OTLP_CERTIFICATE";
    std::string error;
    EXPECT_FALSE(make_sender(config, error));
    EXPECT_NE(error.find("OTEL_EXPORTER_OTLP_CERTIFICATE /nonexistent/ca.pem: cannot read"),
              std::string::npos)
        << error;
    // TLS files with a plaintext endpoint are a contradiction, not ignored.
    config.endpoint = "http://127.0.0.1:1";
    EXPECT_FALSE(make_sender(config, error));
    EXPECT_NE(error.find("use https://"), std::string::npos) << error;
  }
}

class GrpcPeer final : public TraceService::Service {
 public:
  explicit GrpcPeer(std::string address = "127.0.0.1:0") : address_(std::move(address)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address_, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~GrpcPeer() override { server_->Shutdown(); }
  grpc::Status Export(grpc::ServerContext* context, const ExportTraceServiceRequest* request,
                      ExportTraceServiceResponse* response) override {
    auto key = context->client_metadata().find("x-api-key");
    last_key = key == context->client_metadata().end()
                   ? ""
                   : std::string(key->second.data(), key->second.size());
    spans = request->resource_spans(0).scope_spans(0).spans_size();
    if (reply_code != grpc::StatusCode::OK) return {reply_code, "told to fail"};
    response->mutable_partial_success()->set_rejected_spans(rejected);
    return grpc::Status::OK;
  }
  std::string endpoint() const {
    return address_.starts_with("unix:") ? address_ : "http://127.0.0.1:" + std::to_string(port_);
  }
  std::atomic<grpc::StatusCode> reply_code{grpc::StatusCode::OK};
  std::int64_t rejected = 0;
  std::string last_key;
  int spans = 0;

 private:
  std::string address_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(GrpcSender, ExportsAndClassifiesStatusCodes) {
  GrpcPeer peer;
  ASSERT_TRUE(send_to(peer.endpoint(), Protocol::grpc).ok());
  EXPECT_EQ(peer.last_key, "k");
  EXPECT_EQ(peer.spans, 1);
  peer.rejected = 1;
  EXPECT_EQ(send_to(peer.endpoint(), Protocol::grpc).rejected_spans, 1);
  peer.reply_code = grpc::StatusCode::UNAVAILABLE;
  EXPECT_EQ(send_to(peer.endpoint(), Protocol::grpc).status, SendStatus::retryable);
  peer.reply_code = grpc::StatusCode::INVALID_ARGUMENT;
  const auto result = send_to(peer.endpoint(), Protocol::grpc);
  EXPECT_EQ(result.status, SendStatus::permanent);
  EXPECT_NE(result.message.find("told to fail"), std::string::npos) << result.message;
}

TEST(GrpcSender, ExportsOverAUnixSocket) {
  // How processes in network namespaces reach a collector in the root namespace.
  char directory[] = "/tmp/otlp-sender-test-XXXXXX";
  ASSERT_NE(::mkdtemp(directory), nullptr);
  const std::string path = std::string(directory) + "/otlp.sock";
  {
    GrpcPeer peer("unix:" + path);
    ASSERT_EQ(peer.endpoint(), "unix:" + path);
    const auto result = send_to(peer.endpoint(), Protocol::grpc);
    EXPECT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(peer.spans, 1);
  }
  std::remove(path.c_str());
  ::rmdir(directory);
}

TEST(GrpcSender, UnreachableEndpointIsRetryableWithinTheTimeout) {
  std::string endpoint;
  {
    GrpcPeer gone;
    endpoint = gone.endpoint();
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(send_to(endpoint, Protocol::grpc, std::chrono::milliseconds(300)).status,
            SendStatus::retryable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(OtlpExporter, RetriesRetryableFailuresThenSucceeds) {
  HttpPeer peer;
  SenderConfig config{
      Protocol::http_protobuf, peer.url("/flaky"), true, std::chrono::seconds(2), {}, {}};
  std::string error;
  auto exporter = tracing::OtlpExporter::create(config, error, std::chrono::seconds(5));
  ASSERT_TRUE(exporter) << error;
  tracing::SpanData span;
  span.context.trace_id[0] = 1;
  span.context.span_id[0] = 1;
  EXPECT_EQ(exporter->export_spans(std::span<const tracing::SpanData>(&span, 1)),
            tracing::ExportResult::success);
  EXPECT_EQ(exporter->stats().retries, 2u);
  EXPECT_EQ(exporter->stats().spans, 1u);

  SenderConfig bad{
      Protocol::http_protobuf, peer.url("/400"), true, std::chrono::seconds(2), {}, {}};
  auto rejecting = tracing::OtlpExporter::create(bad, error);
  ASSERT_TRUE(rejecting) << error;
  EXPECT_EQ(rejecting->export_spans(std::span<const tracing::SpanData>(&span, 1)),
            tracing::ExportResult::failure);
  EXPECT_EQ(rejecting->stats().retries, 0u);
  EXPECT_EQ(rejecting->stats().failed_requests, 1u);
  EXPECT_NE(rejecting->last_error().find("400"), std::string::npos);
}

}  // namespace
}  // namespace clt::otlp
