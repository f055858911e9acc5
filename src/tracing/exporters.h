#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "otlp/otlp_sender.h"
#include "tracing/span_exporter.h"

namespace clt::tracing {

struct OtlpExporterStats {
  std::uint64_t requests = 0;
  std::uint64_t spans = 0;
  std::uint64_t retries = 0;
  std::uint64_t failed_requests = 0;
  std::uint64_t rejected_spans = 0;  // reported by the receiver as partial success
};

// Exports over OTLP/HTTP protobuf, OTLP/HTTP JSON or OTLP/gRPC. Retryable
// failures are retried with exponential backoff (100 ms doubling) within
// `retry_budget`; the last error is kept for last_error().
class OtlpExporter final : public SpanExporter {
 public:
  // nullptr with `error` set when the endpoint cannot be used.
  static std::unique_ptr<OtlpExporter> create(
      const otlp::SenderConfig& config, std::string& error,
      std::chrono::milliseconds retry_budget = std::chrono::seconds(5));
  explicit OtlpExporter(std::unique_ptr<otlp::Sender> sender,
                        std::chrono::milliseconds retry_budget);

  ExportResult export_spans(std::span<const SpanData> spans) override;
  OtlpExporterStats stats() const;
  std::string last_error() const;

 private:
  std::unique_ptr<otlp::Sender> sender_;
  std::chrono::milliseconds retry_budget_;
  std::atomic<std::uint64_t> requests_{0}, spans_{0}, retries_{0}, failed_{0}, rejected_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

// Writes each batch as one OTLP/JSON line (hex ids) to `out`, which must
// outlive the exporter.
std::unique_ptr<SpanExporter> make_console_exporter(std::ostream& out);

}  // namespace clt::tracing
