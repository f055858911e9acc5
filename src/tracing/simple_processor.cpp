#include <mutex>

#include "tracing/span_processor.h"

namespace clt::tracing {
namespace {

class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter)
      : exporter_(std::move(exporter)) {}
  void on_end(SpanData&& span) override {
    std::lock_guard lock(mutex_);
    if (!shut_down_) (void)exporter_->export_spans(std::span<const SpanData>(&span, 1));
  }
  bool force_flush(std::chrono::milliseconds) override { return true; }
  void shutdown() override {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    exporter_->shutdown();
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<SpanExporter> exporter_;
  bool shut_down_ = false;
};

}  // namespace

std::unique_ptr<SpanProcessor> make_simple_processor(std::unique_ptr<SpanExporter> exporter) {
  return std::make_unique<SimpleSpanProcessor>(std::move(exporter));
}

}  // namespace clt::tracing
