#include "tracing/exporters.h"

#include <mutex>
#include <thread>

#include "otlp/otlp_json.h"
#include "tracing/otlp_conversion.h"

namespace clt::tracing {

std::unique_ptr<OtlpExporter> OtlpExporter::create(const otlp::SenderConfig& config,
                                                   std::string& error,
                                                   std::chrono::milliseconds retry_budget) {
  auto sender = otlp::make_sender(config, error);
  if (!sender) return nullptr;
  return std::make_unique<OtlpExporter>(std::move(sender), retry_budget);
}

OtlpExporter::OtlpExporter(std::unique_ptr<otlp::Sender> sender,
                           std::chrono::milliseconds retry_budget)
    : sender_(std::move(sender)), retry_budget_(retry_budget) {}

ExportResult OtlpExporter::export_spans(std::span<const SpanData> spans) {
  if (spans.empty()) return ExportResult::success;
  otlp::ExportTraceServiceRequest request;
  to_otlp(spans, request);
  const auto deadline = std::chrono::steady_clock::now() + retry_budget_;
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    const otlp::SendResult result = sender_->send(request);
    if (result.ok()) {
      spans_.fetch_add(spans.size(), std::memory_order_relaxed);
      rejected_.fetch_add(static_cast<std::uint64_t>(result.rejected_spans),
                          std::memory_order_relaxed);
      return ExportResult::success;
    }
    {
      std::lock_guard lock(error_mutex_);
      last_error_ = result.message;
    }
    if (result.status != otlp::SendStatus::retryable ||
        std::chrono::steady_clock::now() + backoff > deadline) {
      failed_.fetch_add(1, std::memory_order_relaxed);
      return ExportResult::failure;
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

OtlpExporterStats OtlpExporter::stats() const {
  return {requests_.load(), spans_.load(), retries_.load(), failed_.load(), rejected_.load()};
}

std::string OtlpExporter::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

namespace {

class ConsoleExporter final : public SpanExporter {
 public:
  explicit ConsoleExporter(std::ostream& out) : out_(out) {}
  ExportResult export_spans(std::span<const SpanData> spans) override {
    otlp::ExportTraceServiceRequest request;
    to_otlp(spans, request);
    out_ << otlp::to_traces_json(request) << '\n';
    out_.flush();
    return out_ ? ExportResult::success : ExportResult::failure;
  }

 private:
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<SpanExporter> make_console_exporter(std::ostream& out) {
  return std::make_unique<ConsoleExporter>(out);
}

}  // namespace clt::tracing
