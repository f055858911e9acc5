#include "agent/reporter.h"

#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "agent/console_format.h"
#include "aggregate/summary_proto.h"
#include "clt/v1/telemetry.grpc.pb.h"
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
  std::unique_ptr<clt::v1::TelemetryService::Stub> summary_stub;
  clt::v1::SummaryAck ack;
  std::unique_ptr<grpc::ClientWriter<clt::v1::SummaryBatch>> summary_writer;
  ioam_api::IOAMTrace message;
  clt::v1::SummaryBatch batch;

  bool write(const ioam_api::IOAMTrace& m, grpc::WriteOptions options) {
    return writer->Write(m, options);
  }
  void writes_done() {
    if (writer) writer->WritesDone();
    if (summary_writer) summary_writer->WritesDone();
  }
  grpc::Status finish() { return writer ? writer->Finish() : summary_writer->Finish(); }
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
  if (sending_summaries()) {
    stream->summary_stub = clt::v1::TelemetryService::NewStub(stream->channel);
    stream->summary_writer = stream->summary_stub->Summaries(&stream->context, &stream->ack);
  } else {
    stream->stub = ioam_api::IOAMService::NewStub(stream->channel);
    stream->writer = stream->stub->Report(&stream->context, &stream->response);
  }
  if (!stream->writer && !stream->summary_writer) {
    stats_.connect_failures.add();
    connect_error_.report(std::string("it did not open a ") +
                          (sending_summaries() ? "clt.v1.TelemetryService/Summaries"
                                               : "ioam_api.IOAMService/Report") +
                          " stream; retrying");
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
  if (!broken) stream_->writes_done();
  const grpc::Status status = stream_->finish();
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

bool Reporter::send_records() {
  bool progressed = false;
  for (std::size_t n = 0; n < kBatch; ++n) {
    const TraceRecord* record = queue_.peek_send();
    if (!record) break;
    to_trace(*record, *trace_);
    ioam_api_mapping::encode_ioam_trace(*trace_, stream_->message);
    grpc::WriteOptions options;
    // Coalesce a batch into few writes; the last one of a batch goes out now.
    if (queue_.sendable() > 1 && n + 1 < kBatch) options.set_buffer_hint();
    if (!stream_->write(stream_->message, options)) {
      close_stream(true);
      break;
    }
    queue_.advance_send();
    stats_.reports_sent.add();
    progressed = true;
  }
  return progressed;
}

bool Reporter::send_summaries() {
  SummaryQueue& q = *config_.summaries;
  clt::v1::SummaryBatch& batch = stream_->batch;
  std::size_t n = 0;
  std::uint64_t packets = 0;
  for (; n < config_.spans_per_message; ++n) {
    const SpanSummaryRecord* s = q.peek(n);
    if (!s) break;
    clt::v1::SpanSummary* out = n < static_cast<std::size_t>(batch.spans_size())
                                    ? batch.mutable_spans(static_cast<int>(n))
                                    : batch.add_spans();
    aggregate::encode_summary(s->aggregate, *out);
    while (static_cast<std::size_t>(out->samples_size()) > s->sample_count)
      out->mutable_samples()->RemoveLast();
    for (std::size_t i = 0; i < s->sample_count; ++i) {
      to_trace(s->samples[i], *trace_);
      ioam_api_mapping::encode_ioam_trace(*trace_, i < static_cast<std::size_t>(out->samples_size())
                                                       ? *out->mutable_samples(static_cast<int>(i))
                                                       : *out->add_samples());
    }
    packets += s->aggregate.packets;
  }
  if (n == 0) return false;
  while (static_cast<std::size_t>(batch.spans_size()) > n) batch.mutable_spans()->RemoveLast();
  if (!stream_->summary_writer->Write(batch)) {
    close_stream(true);
    return false;
  }
  q.release(n);
  stats_.summaries_sent.add(n);
  stats_.summary_packets_sent.add(packets);
  stats_.summary_messages_sent.add();
  return true;
}

void Reporter::run(const std::atomic<bool>& capture_done) {
  // Under CPU pressure the capture thread must win: a late report costs a
  // queue slot, a late ring drain costs packets. gRPC's threads, created from
  // this one, inherit the lower priority.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kReporterNice);
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
    if (!config_.collector_target || sending_summaries()) queue_.release_to_local();
    if (config_.collector_target && !flush_deadline_passed()) {
      const bool waiting =
          sending_summaries() ? config_.summaries->queued() > 0 : queue_.sendable() > 0;
      if (waiting && ensure_stream(Clock::now()))
        progressed = (sending_summaries() ? send_summaries() : send_records()) || progressed;
    }
    stats_.reports_queued.set(queue_.queued());
    if (sending_summaries()) stats_.summaries_waiting.set(config_.summaries->queued());
    const bool drained = queue_.peek_local() == nullptr && queue_.queued() == 0 &&
                         (!sending_summaries() || config_.summaries->queued() == 0);
    if (capture_done.load() && drained) break;
    if (flush_deadline_passed()) break;
    if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stats_.reports_dropped_at_exit.add(config_.collector_target ? queue_.queued() : 0);
  if (sending_summaries()) {
    // What the collector did not take in time is dropped, and counted.
    std::size_t n = 0;
    while (const SpanSummaryRecord* s = config_.summaries->peek(n)) {
      stats_.summary_packets_dropped_at_exit.add(s->aggregate.packets);
      ++n;
    }
    stats_.summaries_dropped_at_exit.add(n);
    config_.summaries->release(n);
    stats_.summaries_waiting.set(0);
  }
  stats_.reports_queued.set(0);
  close_stream(false);
}

}  // namespace clt::agent
