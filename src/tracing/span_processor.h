#pragma once

#include <chrono>
#include <memory>

#include "tracing/span_data.h"
#include "tracing/span_exporter.h"

namespace clt::tracing {

// Where ended, sampled spans go. on_end is called on the thread that ended the
// span and must not block it.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void on_end(SpanData&& span) = 0;
  virtual bool force_flush(std::chrono::milliseconds timeout) = 0;
  virtual void shutdown() = 0;
};

// Exports each span as it ends, on the caller's thread: for the console
// exporter and tests, not for production traffic.
std::unique_ptr<SpanProcessor> make_simple_processor(std::unique_ptr<SpanExporter> exporter);

}  // namespace clt::tracing
