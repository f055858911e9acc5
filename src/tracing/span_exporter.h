#pragma once

#include <span>

#include "tracing/span_data.h"

namespace clt::tracing {

enum class ExportResult { success, failure };

// Receives batches of ended spans; called from one thread at a time.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual ExportResult export_spans(std::span<const SpanData> spans) = 0;
  virtual void shutdown() {}
};

}  // namespace clt::tracing
