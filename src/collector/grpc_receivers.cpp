#include "collector/grpc_receivers.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>
#include <cstring>
#include <filesystem>

#include "collector/otlp_spans.h"
#include "collector/store_writer_loop.h"
#include "ioam_api.pb.h"

namespace clt::collector {

namespace {

bool flatten(const grpc::ByteBuffer& buffer, grpc::Slice& slice) {
  return buffer.Valid() && buffer.DumpToSingleSlice(&slice).ok();
}

grpc::ByteBuffer serialized(const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status ack_status(IngestQueue::Outcome outcome) {
  switch (outcome) {
    case IngestQueue::Outcome::committed:
      return grpc::Status::OK;
    case IngestQueue::Outcome::failed:
      return {grpc::StatusCode::UNAVAILABLE, "the collector could not store the data; retry"};
    case IngestQueue::Outcome::timeout:
      return {grpc::StatusCode::UNAVAILABLE, "storing the data took too long; retry"};
    default:
      return {grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"};
  }
}

}  // namespace

class IoamReportService : public grpc::Service {
 public:
  IoamReportService(IngestQueue& queue, Metrics& metrics, std::chrono::milliseconds ack_timeout)
      : queue_(queue), metrics_(metrics), ack_timeout_(ack_timeout) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        "/ioam_api.IOAMService/Report", grpc::internal::RpcMethod::CLIENT_STREAMING,
        new grpc::internal::ClientStreamingHandler<IoamReportService, grpc::ByteBuffer,
                                                   grpc::ByteBuffer>(
            [](IoamReportService* self, grpc::ServerContext* ctx,
               grpc::ServerReader<grpc::ByteBuffer>* reader,
               grpc::ByteBuffer* response) { return self->report(ctx, reader, response); },
            this)));
  }

 private:
  grpc::Status report(grpc::ServerContext*, grpc::ServerReader<grpc::ByteBuffer>* reader,
                      grpc::ByteBuffer* response) {
    metrics_.ioam_streams.fetch_add(1, std::memory_order_relaxed);
    grpc::ByteBuffer buffer;
    grpc::Slice slice;
    ioam_api::IOAMTrace report;
    std::vector<HopSample> hops;
    hops.reserve(kMaxHopsPerReport);
    std::string error;
    std::uint64_t last_seq = 0;
    std::uint64_t count = 0;
    while (reader->Read(&buffer)) {
      ++count;
      if (!flatten(buffer, slice) ||
          !report.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
        metrics_.ioam_reports_rejected.fetch_add(1, std::memory_order_relaxed);
        return {grpc::StatusCode::INVALID_ARGUMENT,
                "report " + std::to_string(count) +
                    " is not a valid ioam_api.IOAMTrace protobuf message; earlier reports of "
                    "this stream were accepted"};
      }
      JoinKey key;
      PacketMeta meta;
      hops.clear();
      if (!read_report(report, now_us(), key, meta, hops, error)) {
        metrics_.ioam_reports_rejected.fetch_add(1, std::memory_order_relaxed);
        return {grpc::StatusCode::INVALID_ARGUMENT,
                "report " + std::to_string(count) + ": " + error};
      }
      const std::uint64_t seq = queue_.add_report(
          key, meta, hops,
          std::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size()), true);
      if (seq == 0) return {grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"};
      last_seq = seq;
      metrics_.ioam_reports_received.fetch_add(1, std::memory_order_relaxed);
    }
    if (last_seq) {
      const grpc::Status s = ack_status(queue_.wait_committed(last_seq, ack_timeout_));
      if (!s.ok()) return s;
    }
    *response = serialized(google::protobuf::Empty());
    return grpc::Status::OK;
  }

  IngestQueue& queue_;
  Metrics& metrics_;
  std::chrono::milliseconds ack_timeout_;
};

class OtlpTraceService : public grpc::Service {
 public:
  OtlpTraceService(IngestQueue& queue, Metrics& metrics, std::chrono::milliseconds ack_timeout)
      : queue_(queue), metrics_(metrics), ack_timeout_(ack_timeout) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<OtlpTraceService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [](OtlpTraceService* self, grpc::ServerContext* ctx, const grpc::ByteBuffer* request,
               grpc::ByteBuffer* response) { return self->do_export(ctx, request, response); },
            this)));
  }

 private:
  grpc::Status do_export(grpc::ServerContext*, const grpc::ByteBuffer* request,
                         grpc::ByteBuffer* response) {
    grpc::Slice slice;
    ExportTraceServiceRequest message;
    if (!flatten(*request, slice) ||
        !message.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      metrics_.otlp_requests_rejected.fetch_add(1, std::memory_order_relaxed);
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "the request is not a valid OTLP ExportTraceServiceRequest protobuf message"};
    }
    OtlpConversion conv;
    convert_otlp(message, conv);
    metrics_.otlp_spans_rejected.fetch_add(static_cast<std::uint64_t>(conv.rejected),
                                           std::memory_order_relaxed);
    const std::size_t accepted = conv.rows.size();
    if (accepted > 0) {
      // Waiting for room is gRPC's flow control for unary calls: the client's
      // next call waits for this one.
      const std::uint64_t seq = queue_.add_spans(std::move(conv.rows), true);
      if (seq == 0) return {grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"};
      const grpc::Status s = ack_status(queue_.wait_committed(seq, ack_timeout_));
      if (!s.ok()) return s;
      metrics_.otlp_spans_received.fetch_add(accepted, std::memory_order_relaxed);
    }
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse reply;
    if (conv.rejected > 0) {
      reply.mutable_partial_success()->set_rejected_spans(conv.rejected);
      reply.mutable_partial_success()->set_error_message(conv.first_error);
    }
    *response = serialized(reply);
    return grpc::Status::OK;
  }

  IngestQueue& queue_;
  Metrics& metrics_;
  std::chrono::milliseconds ack_timeout_;
};

bool prepare_unix_address(const std::string& address, std::string& error) {
  if (address.rfind("unix:", 0) != 0) return true;
  std::string path = address.substr(5);
  if (path.rfind("//", 0) == 0) path = path.substr(2);
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return true;
  if (!S_ISSOCK(st.st_mode)) {
    error = path + " exists and is not a socket; remove it or choose another path";
    return false;
  }
  // A socket file someone still accepts on belongs to a running process.
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    error = "socket path " + path + " is too long";
    return false;
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (fd >= 0) ::close(fd);
  if (live) {
    error = path + " is in use by another process (another collector?)";
    return false;
  }
  ::unlink(path.c_str());
  return true;
}

GrpcReceivers::GrpcReceivers(IngestQueue& queue, Metrics& metrics, GrpcReceiverOptions options)
    : queue_(queue), metrics_(metrics), options_(std::move(options)) {}

GrpcReceivers::~GrpcReceivers() {
  shutdown();
}

bool GrpcReceivers::start(std::string& error) {
  if (options_.ioam_addresses.empty() && options_.otlp_addresses.empty()) return true;
  ioam_ = std::make_unique<IoamReportService>(queue_, metrics_, options_.ack_timeout);
  otlp_ = std::make_unique<OtlpTraceService>(queue_, metrics_, options_.ack_timeout);
  // One server: every gRPC address offers both services (the published
  // agents and OTLP exporters each call only their own).
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  // A second collector on the same port must fail to start, not share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::vector<std::pair<std::string, int>> ports;
  ports.reserve(options_.ioam_addresses.size() + options_.otlp_addresses.size());
  for (const auto& a : options_.ioam_addresses) {
    if (!prepare_unix_address(a, error)) return false;
    ports.emplace_back(a, 0);
    builder.AddListeningPort(a, grpc::InsecureServerCredentials(), &ports.back().second);
  }
  for (const auto& a : options_.otlp_addresses) {
    if (!prepare_unix_address(a, error)) return false;
    ports.emplace_back(a, 0);
    builder.AddListeningPort(a, grpc::InsecureServerCredentials(), &ports.back().second);
  }
  if (!options_.ioam_addresses.empty()) builder.RegisterService(ioam_.get());
  if (!options_.otlp_addresses.empty()) builder.RegisterService(otlp_.get());
  server_ = builder.BuildAndStart();
  if (!server_) {
    error = "cannot start the gRPC receivers (is an address in use?)";
    return false;
  }
  for (const auto& [addr, port] : ports) {
    if (addr.rfind("unix:", 0) != 0 && port == 0) {
      error = "cannot listen on " + addr + " (in use, or not a valid host:port)";
      server_->Shutdown();
      server_.reset();
      return false;
    }
  }
  return true;
}

void GrpcReceivers::shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_.reset();
  }
}

}  // namespace clt::collector
