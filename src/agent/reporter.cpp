#include "agent/reporter.h"

#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "agent/console_format.h"
#include "core/trace_json.h"
#include "ioam_api.grpc.pb.h"
#include "ioam_api/trace_mapping.h"

namespace clt::agent {

namespace {

constexpr std::size_t kBatch = 256;
constexpr int kReporterNice = 10;
using Clock = std::chrono::steady_clock;

std::int64_t steady_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

struct Reporter::Stream {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<ioam_api::IOAMService::Stub> stub;
  grpc::ClientContext context;
  google::protobuf::Empty response;
  std::unique_ptr<grpc::ClientWriter<ioam_api::IOAMTrace>> writer;
};

Reporter::Reporter(const ReporterConfig& config, ReportQueue& queue, AgentStats& stats,
                   os::Log& log)
    : config_(config),
      queue_(queue),
      stats_(stats),
      connect_error_(log, "cannot reach the collector at " + config.collector_target.value_or("")),
      stream_error_(log, "the report stream to " + config.collector_target.value_or("") + " broke"),
      backoff_(config.backoff_min),
      trace_(std::make_unique<core::Trace>()) {
  line_.reserve(8192);
}

Reporter::~Reporter() = default;

void Reporter::begin_flush(std::chrono::milliseconds timeout) {
  flush_deadline_ns_.store(steady_ns(Clock::now() + timeout));
}

bool Reporter::flush_deadline_passed() const {
  const std::int64_t deadline = flush_deadline_ns_.load();
  return deadline != 0 && steady_ns(Clock::now()) >= deadline;
}

void Reporter::cancel() {
  std::lock_guard<std::mutex> lock(stream_mutex_);
  if (active_context_) active_context_->TryCancel();
}

void Reporter::write_local(const TraceRecord& record) {
  if (!config_.console && !config_.jsonl) return;
  ++local_sequence_;
  to_trace(record, *trace_);
  if (config_.jsonl) {
    line_.clear();
    core::JsonContext ctx{local_sequence_, record.time_sec, record.time_usec,
                          record.has_addresses ? &record.src : nullptr,
                          record.has_addresses ? &record.dst : nullptr};
    core::append_trace_json(line_, *trace_, ctx);
    line_ += '\n';
    std::fwrite(line_.data(), 1, line_.size(), config_.jsonl);
  }
  if (config_.console) {
    line_.clear();
    append_console_text(line_, record, *trace_);
    std::fwrite(line_.data(), 1, line_.size(), config_.console);
  }
  stats_.local_lines.add();
}

bool Reporter::ensure_stream(Clock::time_point now) {
  if (stream_) return true;
  if (now < next_attempt_) return false;
  auto stream = std::make_unique<Stream>();
  stream->channel = grpc::CreateChannel(
      *config_.collector_target,
      config_.credentials ? config_.credentials : grpc::InsecureChannelCredentials());
  if (!stream->channel->WaitForConnected(std::chrono::system_clock::now() +
                                         config_.connect_timeout)) {
    stats_.connect_failures.add();
    connect_error_.report(
        "no connection within " + std::to_string(config_.connect_timeout.count()) +
        " ms (is it running and listening there?)" + tls_hint() + "; retrying with backoff");
    retry_later();
    return false;
  }
  stream->stub = ioam_api::IOAMService::NewStub(stream->channel);
  stream->writer = stream->stub->Report(&stream->context, &stream->response);
  if (!stream->writer) {
    stats_.connect_failures.add();
    connect_error_.report("it did not open an ioam_api.IOAMService/Report stream; retrying");
    retry_later();
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    active_context_ = &stream->context;
  }
  stream_ = std::move(stream);
  if (ever_connected_) stats_.reconnects.add();
  ever_connected_ = true;
  backoff_ = config_.backoff_min;
  stats_.collector_connected.set(1);
  return true;
}

void Reporter::close_stream(bool broken) {
  if (!stream_) return;
  if (!broken) stream_->writer->WritesDone();
  const grpc::Status status = stream_->writer->Finish();
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    active_context_ = nullptr;
  }
  stream_.reset();
  stats_.collector_connected.set(0);
  if (broken) {
    stats_.stream_failures.add();
    stream_error_.report(
        (status.ok() ? std::string("the collector closed it") : status.error_message()) +
        (status.error_code() == grpc::StatusCode::UNAVAILABLE ? tls_hint() : "") +
        "; reconnecting");
    retry_later();
  }
}

const char* Reporter::tls_hint() const {
  return config_.tls ? "; over TLS: is --tls-ca the CA of its certificate, and does that "
                       "certificate name this address; does the collector require a client "
                       "certificate (--tls-cert, --tls-key)?"
                     : "";
}

void Reporter::retry_later() {
  next_attempt_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, config_.backoff_max);
}

void Reporter::run(const std::atomic<bool>& capture_done) {
  // Under CPU pressure the capture thread must win: a late report costs a
  // queue slot, a late ring drain costs packets. gRPC's threads, created from
  // this one, inherit the lower priority.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kReporterNice);
  ioam_api::IOAMTrace message;
  for (;;) {
    bool progressed = false;
    for (std::size_t n = 0; n < kBatch; ++n) {
      const TraceRecord* record = queue_.peek_local();
      if (!record) break;
      write_local(*record);
      queue_.advance_local();
      progressed = true;
    }
    if (progressed) {
      if (config_.jsonl) std::fflush(config_.jsonl);
      if (config_.console) std::fflush(config_.console);
    }
    if (!config_.collector_target) {
      queue_.release_to_local();
    } else if (queue_.sendable() > 0 && !flush_deadline_passed() && ensure_stream(Clock::now())) {
      for (std::size_t n = 0; n < kBatch; ++n) {
        const TraceRecord* record = queue_.peek_send();
        if (!record) break;
        to_trace(*record, *trace_);
        ioam_api_mapping::encode_ioam_trace(*trace_, message);
        grpc::WriteOptions options;
        // Coalesce a batch into few writes; the last one of a batch goes out now.
        if (queue_.sendable() > 1 && n + 1 < kBatch) options.set_buffer_hint();
        if (!stream_->writer->Write(message, options)) {
          close_stream(true);
          break;
        }
        queue_.advance_send();
        stats_.reports_sent.add();
        progressed = true;
      }
    }
    stats_.reports_queued.set(queue_.queued());
    const bool drained = queue_.peek_local() == nullptr && queue_.queued() == 0;
    if (capture_done.load() && drained) break;
    if (flush_deadline_passed()) break;
    if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stats_.reports_dropped_at_exit.add(config_.collector_target ? queue_.queued() : 0);
  stats_.reports_queued.set(0);
  close_stream(false);
}

}  // namespace clt::agent
