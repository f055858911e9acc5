#include "collector/ingest/grpc_receivers.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/resource_quota.h>

#include <atomic>
#include <cstring>
#include <filesystem>

#include "aggregate/summary_proto.h"
#include "clt/v1/telemetry.pb.h"
#include "collector/http/worker_pool.h"
#include "collector/model/clock.h"
#include "collector/model/record_blob.h"
#include "core/text_excerpt.h"
#include "ioam_api.pb.h"

namespace clt::collector {

namespace {

constexpr const char* kIoamMethod = "/ioam_api.IOAMService/Report";
constexpr const char* kSummariesMethod = "/clt.v1.TelemetryService/Summaries";
constexpr const char* kOtlpMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

bool flatten(const grpc::ByteBuffer& buffer, grpc::Slice& slice) {
  return buffer.Valid() && buffer.DumpToSingleSlice(&slice).ok();
}

grpc::ByteBuffer serialized(const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status ack_status(IngestQueue::Outcome outcome, const IngestQueue& queue) {
  std::string reason;
  switch (outcome) {
    case IngestQueue::Outcome::committed:
      return grpc::Status::OK;
    case IngestQueue::Outcome::failed:
      if (queue.storage_failing(reason)) return {grpc::StatusCode::UNAVAILABLE, reason};
      return {grpc::StatusCode::UNAVAILABLE, "the collector could not store the data; retry"};
    case IngestQueue::Outcome::timeout:
      return {grpc::StatusCode::UNAVAILABLE, "storing the data took too long; retry"};
    default:
      return {grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"};
  }
}

void count(Metrics::Counter& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

// What every reactor uses, owned by the service.
struct ReceiverDeps {
  IngestQueue& queue;
  CommitWaiter& waiter;
  Metrics& metrics;
  const GrpcReceiverOptions& options;
  // Waits for room in a full ingest queue, so that gRPC's threads never block.
  WorkerPool& room_waits;
  std::atomic<std::size_t> open_ioam_streams{0};

  // The size check is ours (gRPC's own limit is above it) so that refusals
  // are counted and say which option to change.
  bool too_large(const grpc::ByteBuffer& buffer, grpc::Status& status) {
    if (buffer.Length() <= options.max_message_bytes) return false;
    count(metrics.requests_too_large);
    status = {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "a message of " + std::to_string(buffer.Length()) + " bytes is larger than " +
                  std::to_string(options.max_message_bytes) +
                  " bytes (--max-request-size); send smaller messages"};
    return true;
  }
};

class FinishedReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit FinishedReactor(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// What a client stream needs to be answered once everything it queued is
// committed: the last sequence it queued, and the queue's failure count from
// before its first message was queued (a batch failing from then on fails
// the stream, possibly one just before it: the sender retries).
class StreamCommits {
 public:
  explicit StreamCommits(ReceiverDeps& deps) : deps_(deps) {}
  // Before a message is queued.
  void before_queueing() {
    if (!last_seq_) first_failures_ = deps_.queue.failures();
  }
  void queued(std::uint64_t seq) {
    if (!last_seq_) failures_before_ = first_failures_;
    last_seq_ = seq;
  }
  // At the stream's end: ok() at once when nothing was queued or once all of
  // it is committed, else fail(status).
  template <class Ok, class Fail>
  void at_end(Ok ok, Fail fail) {
    if (!last_seq_) return ok();
    deps_.waiter.when_committed(
        last_seq_, deps_.options.ack_timeout,
        [this, ok, fail](IngestQueue::Outcome outcome) {
          const grpc::Status s = ack_status(outcome, deps_.queue);
          if (s.ok()) return ok();
          fail(s);
        },
        failures_before_);
  }

 private:
  ReceiverDeps& deps_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t first_failures_ = 0, failures_before_ = 0;
};

// IOAMService/Report: a client stream of IOAMTrace messages, answered with
// Empty once every report of the stream is committed.
class IoamReportReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit IoamReportReactor(ReceiverDeps& deps) : deps_(deps), commits_(deps) {
    count(deps_.metrics.ioam_streams);
    deps_.metrics.ioam_streams_open.fetch_add(1, std::memory_order_relaxed);
    hops_.reserve(kMaxHopsPerReport);
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return end_of_stream();
    ++count_;
    grpc::Status refusal;
    if (deps_.too_large(buffer_, refusal)) return Finish(refusal);
    if (!flatten(buffer_, slice_) ||
        !report_.ParseFromArray(slice_.begin(), static_cast<int>(slice_.size()))) {
      count(deps_.metrics.ioam_reports_rejected);
      return Finish({grpc::StatusCode::INVALID_ARGUMENT,
                     "report " + std::to_string(count_) +
                         " is not a valid ioam_api.IOAMTrace protobuf message; earlier reports "
                         "of this stream were accepted"});
    }
    hops_.clear();
    commits_.before_queueing();
    if (!read_report(report_, now_us(), key_, meta_, hops_, error_)) {
      count(deps_.metrics.ioam_reports_rejected);
      return Finish(
          {grpc::StatusCode::INVALID_ARGUMENT, "report " + std::to_string(count_) + ": " + error_});
    }
    // A full disk: refused at once, so that the sender retries later rather
    // than waiting on a write that would fail.
    if (deps_.queue.storage_refused(error_)) {
      count(deps_.metrics.requests_refused_storage);
      return Finish({grpc::StatusCode::UNAVAILABLE, error_});
    }
    if (const std::uint64_t seq = add(false)) return accepted(seq);
    if (deps_.queue.closed())
      return Finish({grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"});
    // The queue is full: no further read until there is room, so HTTP/2 flow
    // control holds the sender.
    const bool waiting = deps_.room_waits.submit([this] {
      if (const std::uint64_t seq = add(true)) return accepted(seq);
      Finish({grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"});
    });
    if (!waiting)
      Finish({grpc::StatusCode::UNAVAILABLE, "the collector is overloaded; retry later"});
  }

  void OnDone() override {
    deps_.open_ioam_streams.fetch_sub(1, std::memory_order_relaxed);
    deps_.metrics.ioam_streams_open.fetch_sub(1, std::memory_order_relaxed);
    delete this;
  }

 private:
  std::uint64_t add(bool block) {
    return deps_.queue.add_report(
        key_, meta_, hops_,
        std::string_view(reinterpret_cast<const char*>(slice_.begin()), slice_.size()), block);
  }

  void accepted(std::uint64_t seq) {
    commits_.queued(seq);
    count(deps_.metrics.ioam_reports_received);
    count(deps_.metrics.ioam_messages_received);
    count(deps_.metrics.ioam_packets_received);
    StartRead(&buffer_);
  }

  void end_of_stream() {
    commits_.at_end([this] { reply_ok(); }, [this](const grpc::Status& s) { Finish(s); });
  }

  void reply_ok() {
    response_ = serialized(google::protobuf::Empty());
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  ReceiverDeps& deps_;
  grpc::ByteBuffer buffer_, response_;
  grpc::Slice slice_;
  ioam_api::IOAMTrace report_;
  JoinKey key_;
  PacketMeta meta_;
  std::vector<HopSample> hops_;
  std::string error_;
  std::uint64_t count_ = 0;
  StreamCommits commits_;
};

// The key a summary is stored under: its ids, or for packets without ids the
// synthetic key the per-packet path gives them (second, namespace, path).
JoinKey summary_key(const aggregate::SpanAggregate& a) {
  JoinKey key{a.trace_id, a.span_id, a.direction};
  if (key.has_ids() && !a.ids_lost) return key;
  PacketMeta meta;
  meta.received_us = a.first_captured_us;
  meta.namespace_id = a.namespace_id;
  std::vector<HopSample> hops(a.hop_count);
  for (std::size_t k = 0; k < a.hop_count; ++k) hops[k].node_id = a.hops[k].first.node_id;
  JoinKey synthetic = synthetic_key(meta, hops);
  synthetic.direction = a.direction;
  return synthetic;
}

// clt.v1.TelemetryService/Summaries: a client stream of SummaryBatch
// messages, answered with SummaryAck once every batch is committed.
class SummaryReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit SummaryReactor(ReceiverDeps& deps) : deps_(deps), commits_(deps) {
    count(deps_.metrics.ioam_streams);
    deps_.metrics.ioam_streams_open.fetch_add(1, std::memory_order_relaxed);
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return end_of_stream();
    ++count_;
    grpc::Status refusal;
    if (deps_.too_large(buffer_, refusal)) return Finish(refusal);
    if (!flatten(buffer_, slice_) ||
        !batch_.ParseFromArray(slice_.begin(), static_cast<int>(slice_.size()))) {
      count(deps_.metrics.ioam_summaries_rejected);
      return Finish({grpc::StatusCode::INVALID_ARGUMENT,
                     "message " + std::to_string(count_) +
                         " is not a valid clt.v1.SummaryBatch protobuf message" +
                         earlier_accepted()});
    }
    if (!read_batch()) {
      count(deps_.metrics.ioam_summaries_rejected);
      return Finish({grpc::StatusCode::INVALID_ARGUMENT, error_});
    }
    commits_.before_queueing();
    if (deps_.queue.storage_refused(error_)) {
      count(deps_.metrics.requests_refused_storage);
      return Finish({grpc::StatusCode::UNAVAILABLE, error_});
    }
    if (const std::uint64_t seq = deps_.queue.add_summaries(received_, false)) return accepted(seq);
    if (deps_.queue.closed())
      return Finish({grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"});
    // No further read until there is room: HTTP/2 flow control holds the sender.
    const bool waiting = deps_.room_waits.submit([this] {
      if (const std::uint64_t seq = deps_.queue.add_summaries(received_, true))
        return accepted(seq);
      Finish({grpc::StatusCode::UNAVAILABLE, "the collector is shutting down"});
    });
    if (!waiting)
      Finish({grpc::StatusCode::UNAVAILABLE, "the collector is overloaded; retry later"});
  }

  void OnDone() override {
    deps_.open_ioam_streams.fetch_sub(1, std::memory_order_relaxed);
    deps_.metrics.ioam_streams_open.fetch_sub(1, std::memory_order_relaxed);
    delete this;
  }

 private:
  // What a refusal leaves stored: the stream's earlier messages, if any.
  std::string earlier_accepted() const {
    return count_ > 1 ? "; the stream's earlier messages were accepted"
                      : "; nothing of this stream was stored";
  }

  // The batch into received_; false with error_ when a summary is malformed
  // (then nothing of the message is taken).
  bool read_batch() {
    received_.clear();
    batch_packets_ = 0;
    const std::int64_t now = now_us();
    for (int i = 0; i < batch_.spans_size(); ++i) {
      const clt::v1::SpanSummary& in = batch_.spans(i);
      ReceivedSummary& r = received_.emplace_back();
      if (!aggregate::decode_summary(in, r.aggregate, error_)) {
        error_ = "message " + std::to_string(count_) + ", span summary " + std::to_string(i + 1) +
                 ": " + error_ + earlier_accepted();
        received_.clear();
        return false;
      }
      r.key = summary_key(r.aggregate);
      r.received_us = now;
      for (const ioam_api::IOAMTrace& sample : in.samples()) {
        sample.SerializeToString(&sample_bytes_);
        append_raw_record(r.samples, now, sample_bytes_);
        ++r.sample_count;
      }
      batch_packets_ += r.aggregate.packets;
    }
    batch_spans_ = received_.size();
    return true;
  }

  void accepted(std::uint64_t seq) {
    commits_.queued(seq);
    count(deps_.metrics.ioam_messages_received);
    count(deps_.metrics.ioam_packets_received, batch_packets_);
    count(deps_.metrics.ioam_summaries_received, batch_spans_);
    ack_.set_spans(ack_.spans() + batch_spans_);
    ack_.set_packets(ack_.packets() + batch_packets_);
    StartRead(&buffer_);
  }

  void end_of_stream() {
    commits_.at_end([this] { reply_ok(); }, [this](const grpc::Status& s) { Finish(s); });
  }

  void reply_ok() {
    response_ = serialized(ack_);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  ReceiverDeps& deps_;
  grpc::ByteBuffer buffer_, response_;
  grpc::Slice slice_;
  clt::v1::SummaryBatch batch_;
  clt::v1::SummaryAck ack_;
  std::vector<ReceivedSummary> received_;
  std::string sample_bytes_;
  std::string error_;
  std::uint64_t batch_packets_ = 0;
  std::size_t batch_spans_ = 0;
  std::uint64_t count_ = 0;
  StreamCommits commits_;
};

// TraceService/Export: one request, answered once its spans are committed
// (the OTLP accept path shared with OTLP/HTTP).
class OtlpExportReactor : public grpc::ServerGenericBidiReactor {
 public:
  OtlpExportReactor(ReceiverDeps& deps, OtlpAcceptor& acceptor) : deps_(deps), acceptor_(acceptor) {
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok)
      return Finish({grpc::StatusCode::INVALID_ARGUMENT, "the call carried no request message"});
    grpc::Status refusal;
    if (deps_.too_large(buffer_, refusal)) return Finish(refusal);
    grpc::Slice slice;
    ExportTraceServiceRequest message;
    if (!flatten(buffer_, slice) ||
        !message.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      count(deps_.metrics.otlp_requests_rejected);
      return Finish({grpc::StatusCode::INVALID_ARGUMENT,
                     "the request is not a valid OTLP ExportTraceServiceRequest protobuf message "
                     "(malformed, or a string that is not UTF-8)"});
    }
    buffer_.Clear();
    acceptor_.accept(message, [this](const OtlpAcceptResult& r) {
      if (r.status != OtlpAcceptResult::Status::ok)
        return Finish({grpc::StatusCode::UNAVAILABLE, r.message});
      reply(r);
    });
  }

  void OnDone() override { delete this; }

 private:
  void reply(const OtlpAcceptResult& r) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
    if (r.rejected_spans > 0) {
      answer.mutable_partial_success()->set_rejected_spans(r.rejected_spans);
      answer.mutable_partial_success()->set_error_message(r.first_error);
    }
    response_ = serialized(answer);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  ReceiverDeps& deps_;
  OtlpAcceptor& acceptor_;
  grpc::ByteBuffer buffer_, response_;
};

}  // namespace

class ReceiverService : public grpc::CallbackGenericService {
 public:
  ReceiverService(IngestQueue& queue, CommitWaiter& waiter, OtlpAcceptor& acceptor,
                  Metrics& metrics, const GrpcReceiverOptions& options)
      : acceptor_(acceptor),
        room_waits_(2, options.max_ioam_streams + 64),
        deps_{queue, waiter, metrics, options, room_waits_} {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    const GrpcReceiverOptions& o = deps_.options;
    const bool ioam = ctx->method() == kIoamMethod || ctx->method() == kSummariesMethod;
    if (ioam && !o.ioam_addresses.empty()) {
      if (deps_.open_ioam_streams.fetch_add(1, std::memory_order_relaxed) >= o.max_ioam_streams) {
        deps_.open_ioam_streams.fetch_sub(1, std::memory_order_relaxed);
        count(deps_.metrics.grpc_streams_refused);
        return new FinishedReactor({grpc::StatusCode::RESOURCE_EXHAUSTED,
                                    std::to_string(o.max_ioam_streams) +
                                        " IOAM report streams are open (--max-ioam-streams); "
                                        "retry later"});
      }
      if (ctx->method() == kSummariesMethod) return new SummaryReactor(deps_);
      return new IoamReportReactor(deps_);
    }
    if (ctx->method() == kOtlpMethod && !o.otlp_addresses.empty())
      return new OtlpExportReactor(deps_, acceptor_);
    return new FinishedReactor(
        {grpc::StatusCode::UNIMPLEMENTED,
         "no method " + core::quoted_excerpt(ctx->method(), 200) +
             " here (ioam_api.IOAMService/Report, clt.v1.TelemetryService/Summaries and "
             "opentelemetry...TraceService/Export are served)"});
  }

  // After the server is shut down: no reactor is left to wait.
  void stop() { room_waits_.stop(); }

 private:
  OtlpAcceptor& acceptor_;
  WorkerPool room_waits_;
  ReceiverDeps deps_;
};

namespace {

bool is_unix_address(const std::string& address) {
  return address.rfind("unix:", 0) == 0;
}

}  // namespace

bool prepare_unix_address(const std::string& address, std::string& error) {
  if (!is_unix_address(address)) return true;
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

GrpcReceivers::GrpcReceivers(IngestQueue& queue, CommitWaiter& waiter, OtlpAcceptor& acceptor,
                             Metrics& metrics, GrpcReceiverOptions options)
    : queue_(queue),
      waiter_(waiter),
      acceptor_(acceptor),
      metrics_(metrics),
      options_(std::move(options)) {}

GrpcReceivers::~GrpcReceivers() {
  shutdown();
}

namespace {

std::shared_ptr<grpc::ServerCredentials> credentials_for(const std::string& address,
                                                         const GrpcReceiverOptions& o) {
  if (o.tls_cert_pem.empty() || address.rfind("unix:", 0) == 0)
    return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      o.tls_client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                  : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = o.tls_client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({o.tls_key_pem, o.tls_cert_pem});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

bool GrpcReceivers::start(std::string& error) {
  if (options_.ioam_addresses.empty() && options_.otlp_addresses.empty()) return true;
  service_ = std::make_unique<ReceiverService>(queue_, waiter_, acceptor_, metrics_, options_);
  // One server: every gRPC address offers both methods (the published
  // agents and OTLP exporters each call only their own).
  grpc::ServerBuilder builder;
  // Messages are checked (and the refusals counted) against
  // max_message_bytes by the reactors; gRPC itself refuses those that do not
  // fit in its memory quota.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<std::size_t>(options_.memory_quota_bytes, INT32_MAX)));
  // A second collector on the same port must fail to start, not share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // A peer that never completes the (TLS) handshake is dropped after this.
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(std::min<std::int64_t>(options_.handshake_timeout.count(), INT32_MAX)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(std::min<std::size_t>(options_.max_ioam_streams + 64, INT32_MAX)));
  grpc::ResourceQuota quota("clt-collector");
  quota.Resize(options_.memory_quota_bytes);
  builder.SetResourceQuota(quota);
  // gRPC writes each selected port here, so the vector must not grow after.
  bound_ports_.assign(options_.ioam_addresses.size() + options_.otlp_addresses.size(), 0);
  std::size_t i = 0;
  for (const auto* list : {&options_.ioam_addresses, &options_.otlp_addresses}) {
    for (const auto& a : *list) {
      if (!prepare_unix_address(a, error)) return false;
      builder.AddListeningPort(a, credentials_for(a, options_), &bound_ports_[i++]);
    }
  }
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) {
    error = "cannot start the gRPC receivers (is an address in use?)";
    return false;
  }
  i = 0;
  for (const auto* list : {&options_.ioam_addresses, &options_.otlp_addresses}) {
    for (const auto& a : *list) {
      if (!is_unix_address(a) && bound_ports_[i] == 0) {
        error = "cannot listen on " + a + " (in use, or not a valid host:port)";
        shutdown();
        return false;
      }
      ++i;
    }
  }
  return true;
}

namespace {

// "host:0" with the port gRPC took; unix: addresses as they are.
std::vector<std::string> with_bound_ports(const std::vector<std::string>& addresses,
                                          const int* ports) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    if (is_unix_address(a) || ports[i] == 0)
      out.push_back(a);
    else
      out.push_back(a.substr(0, a.rfind(':') + 1) + std::to_string(ports[i]));
  }
  return out;
}

}  // namespace

std::vector<std::string> GrpcReceivers::bound_ioam_addresses() const {
  if (bound_ports_.empty()) return options_.ioam_addresses;
  return with_bound_ports(options_.ioam_addresses, bound_ports_.data());
}

std::vector<std::string> GrpcReceivers::bound_otlp_addresses() const {
  if (bound_ports_.empty()) return options_.otlp_addresses;
  return with_bound_ports(options_.otlp_addresses,
                          bound_ports_.data() + options_.ioam_addresses.size());
}

void GrpcReceivers::shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_.reset();
  }
  if (service_) service_->stop();
}

}  // namespace clt::collector
