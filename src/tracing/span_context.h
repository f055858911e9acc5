#pragma once

#include <cstdint>
#include <string>

#include "core/ids.h"

namespace clt::tracing {

using core::SpanId;
using core::TraceId;

inline constexpr std::uint8_t kTraceFlagSampled = 0x01;

// What crosses process boundaries (W3C trace context).
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  std::uint8_t trace_flags = 0;
  std::string trace_state;  // W3C tracestate, as received
  bool is_remote = false;

  bool is_valid() const { return !core::is_zero(trace_id) && !core::is_zero(span_id); }
  bool is_sampled() const { return (trace_flags & kTraceFlagSampled) != 0; }
};

}  // namespace clt::tracing
