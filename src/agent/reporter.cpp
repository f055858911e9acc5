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

// One collector's connection state.
struct Reporter::Link {
  Link(const CollectorTarget& t, std::chrono::milliseconds backoff_min, os::Log& log)
      : target(t),
        connect_error(log, "cannot reach the collector at " + t.target),
        stream_error(log, "the report stream to " + t.target + " broke"),
        backoff(backoff_min) {}
  CollectorTarget target;
  os::RateLimitedError connect_error;
  os::RateLimitedError stream_error;
  std::unique_ptr<Stream> stream;
  grpc::ClientContext* active_context = nullptr;  // under stream_mutex_
  bool ever_connected = false;
  std::chrono::milliseconds backoff;
  Clock::time_point next_attempt{};
  std::vector<std::size_t> items;  // summaries of this pass (queue positions)
};

namespace {

ioam_api::CltDirection wire_direction(core::Direction d) {
  return d == core::Direction::kResponse ? ioam_api::CLT_DIRECTION_RESPONSE
                                         : ioam_api::CLT_DIRECTION_REQUEST;
}

std::vector<std::string> target_names(const std::vector<CollectorTarget>& collectors) {
  std::vector<std::string> names;
  for (const CollectorTarget& c : collectors) names.push_back(c.target);
  return names;
}

}  // namespace

Reporter::Reporter(const ReporterConfig& config, ReportQueue& queue, AgentStats& stats,
                   os::Log& log)
    : config_(config),
      queue_(queue),
      stats_(stats),
      shards_(target_names(config.collectors)),
      trace_(std::make_unique<core::Trace>()) {
  for (const CollectorTarget& c : config.collectors) {
    links_.push_back(std::make_unique<Link>(c, config.backoff_min, log));
    links_.back()->items.reserve(config.spans_per_message);
  }
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
  for (const auto& link : links_)
    if (link->active_context) link->active_context->TryCancel();
}

void Reporter::write_local(const TraceRecord& record) {
  if (!config_.console && !config_.jsonl) return;
  ++local_sequence_;
  to_trace(record, *trace_);
  if (config_.jsonl) {
    line_.clear();
    core::JsonContext ctx{.frame = local_sequence_,
                          .time_sec = record.time_sec,
                          .time_usec = record.time_usec,
                          .src = record.has_addresses ? &record.src : nullptr,
                          .dst = record.has_addresses ? &record.dst : nullptr,
                          .truncated = false,
                          .direction = record.direction};
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

bool Reporter::ensure_stream(Link& link, Clock::time_point now) {
  if (link.stream) return true;
  if (now < link.next_attempt) return false;
  auto stream = std::make_unique<Stream>();
  stream->channel = grpc::CreateChannel(
      link.target.target,
      link.target.credentials ? link.target.credentials : grpc::InsecureChannelCredentials());
  if (!stream->channel->WaitForConnected(std::chrono::system_clock::now() +
                                         config_.connect_timeout)) {
    stats_.connect_failures.add();
    link.connect_error.report(
        "no connection within " + std::to_string(config_.connect_timeout.count()) +
        " ms (is it running and listening there?)" + tls_hint() + "; retrying with backoff");
    retry_later(link);
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
    link.connect_error.report(std::string("it did not open a ") +
                              (sending_summaries() ? "clt.v1.TelemetryService/Summaries"
                                                   : "ioam_api.IOAMService/Report") +
                              " stream; retrying");
    retry_later(link);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    link.active_context = &stream->context;
  }
  link.stream = std::move(stream);
  if (link.ever_connected) stats_.reconnects.add();
  link.ever_connected = true;
  link.backoff = config_.backoff_min;
  stats_.collector_connected.set(++connected_);
  return true;
}

void Reporter::close_stream(Link& link, bool broken) {
  if (!link.stream) return;
  if (!broken) link.stream->writes_done();
  const grpc::Status status = link.stream->finish();
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    link.active_context = nullptr;
  }
  link.stream.reset();
  stats_.collector_connected.set(--connected_);
  if (broken) {
    stats_.stream_failures.add();
    link.stream_error.report(
        (status.ok() ? std::string("the collector closed it") : status.error_message()) +
        (status.error_code() == grpc::StatusCode::UNAVAILABLE ? tls_hint() : "") +
        "; reconnecting");
    retry_later(link);
  }
}

bool Reporter::link_up(Link& link, Clock::time_point now) {
  // A connection gRPC already saw close (the collector stopped) is not
  // written to: what went into it would be lost without a failed write.
  if (link.stream && link.stream->channel->GetState(false) != GRPC_CHANNEL_READY)
    close_stream(link, true);
  return ensure_stream(link, now);
}

Reporter::Link* Reporter::link_for(const core::TraceId& trace, Clock::time_point now) {
  const std::size_t first = shards_.preferred(trace);
  if (link_up(*links_[first], now)) return links_[first].get();
  const std::size_t next =
      shards_.pick(trace, [&](std::size_t i) { return i != first && link_up(*links_[i], now); });
  if (next == links_.size()) return nullptr;
  stats_.collector_failovers.add();
  return links_[next].get();
}

const char* Reporter::tls_hint() const {
  return config_.tls ? "; over TLS: is --tls-ca the CA of its certificate, and does that "
                       "certificate name this address; does the collector require a client "
                       "certificate (--tls-cert, --tls-key)?"
                     : "";
}

void Reporter::retry_later(Link& link) {
  link.next_attempt = Clock::now() + link.backoff;
  link.backoff = std::min(link.backoff * 2, config_.backoff_max);
}

bool Reporter::send_records() {
  bool progressed = false;
  const Clock::time_point now = Clock::now();
  for (std::size_t n = 0; n < kBatch; ++n) {
    const TraceRecord* record = queue_.peek_send();
    if (!record) break;
    Link* link = link_for(record->trace_id, now);
    if (!link) break;  // none up: it waits in the queue
    to_trace(*record, *trace_);
    ioam_api_mapping::encode_ioam_trace(*trace_, link->stream->message);
    link->stream->message.set_direction(wire_direction(record->direction));
    grpc::WriteOptions options;
    // Coalesce a batch into few writes; the last one of a batch goes out now.
    // With several collectors a record's successor may go elsewhere, which
    // would leave it buffered: each is sent at once.
    if (links_.size() == 1 && queue_.sendable() > 1 && n + 1 < kBatch) options.set_buffer_hint();
    if (!link->stream->write(link->stream->message, options)) {
      close_stream(*link, true);
      continue;  // the same record, to the next collector up
    }
    queue_.advance_send();
    stats_.reports_sent.add();
    progressed = true;
  }
  return progressed;
}

bool Reporter::write_summaries(Link& link) {
  const SummaryQueue& q = *config_.summaries;
  clt::v1::SummaryBatch& batch = link.stream->batch;
  std::size_t n = 0;
  std::uint64_t packets = 0;
  for (const std::size_t at : link.items) {
    const SpanSummaryRecord* s = q.peek(at);
    clt::v1::SpanSummary* out = n < static_cast<std::size_t>(batch.spans_size())
                                    ? batch.mutable_spans(static_cast<int>(n))
                                    : batch.add_spans();
    aggregate::encode_summary(s->aggregate, *out);
    while (static_cast<std::size_t>(out->samples_size()) > s->sample_count)
      out->mutable_samples()->RemoveLast();
    for (std::size_t i = 0; i < s->sample_count; ++i) {
      to_trace(s->samples[i], *trace_);
      ioam_api::IOAMTrace& sample = i < static_cast<std::size_t>(out->samples_size())
                                        ? *out->mutable_samples(static_cast<int>(i))
                                        : *out->add_samples();
      ioam_api_mapping::encode_ioam_trace(*trace_, sample);
      sample.set_direction(wire_direction(s->samples[i].direction));
    }
    packets += s->aggregate.packets;
    ++n;
  }
  while (static_cast<std::size_t>(batch.spans_size()) > n) batch.mutable_spans()->RemoveLast();
  if (!link.stream->summary_writer->Write(batch)) {
    close_stream(link, true);
    return false;
  }
  stats_.summaries_sent.add(n);
  stats_.summary_packets_sent.add(packets);
  stats_.summary_messages_sent.add();
  return true;
}

bool Reporter::send_summaries() {
  SummaryQueue& q = *config_.summaries;
  const Clock::time_point now = Clock::now();
  // Each summary to its trace's collector: one message per collector.
  std::size_t n = 0;
  for (; n < config_.spans_per_message; ++n) {
    const SpanSummaryRecord* s = q.peek(n);
    if (!s) break;
    Link* link = link_for(s->aggregate.trace_id, now);
    if (!link) break;  // none up: the rest waits in the queue
    link->items.push_back(n);
  }
  if (n == 0) return false;
  // A collector whose stream breaks hands its summaries to the next one up,
  // until every summary is written or no collector is left.
  std::size_t unsent = 0;
  std::uint64_t unsent_packets = 0;
  for (bool again = true; again;) {
    again = false;
    for (const auto& link : links_) {
      if (link->items.empty() || write_summaries(*link)) {
        link->items.clear();
        continue;
      }
      for (const std::size_t at : link->items) {
        const SpanSummaryRecord* s = q.peek(at);
        if (Link* other = link_for(s->aggregate.trace_id, now)) {
          other->items.push_back(at);
          again = true;
        } else {
          ++unsent;
          unsent_packets += s->aggregate.packets;
        }
      }
      link->items.clear();
    }
  }
  if (unsent == n) return false;  // nothing went out: all of it is sent later
  // Part went out: the rest cannot wait behind it in order, and is counted.
  q.release(n);
  stats_.summaries_dropped_unreachable.add(unsent);
  stats_.summary_packets_dropped_unreachable.add(unsent_packets);
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
    if (!has_collectors() || sending_summaries()) queue_.release_to_local();
    if (has_collectors() && !flush_deadline_passed()) {
      const bool waiting =
          sending_summaries() ? config_.summaries->queued() > 0 : queue_.sendable() > 0;
      if (waiting)
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
  stats_.reports_dropped_at_exit.add(has_collectors() ? queue_.queued() : 0);
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
  for (const auto& link : links_) close_stream(*link, false);
}

}  // namespace clt::agent
