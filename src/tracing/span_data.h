#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracing/attributes.h"
#include "tracing/span_context.h"

namespace clt::tracing {

// Numbered as OTLP's Span.SpanKind.
enum class SpanKind : std::uint8_t {
  internal = 1,
  server = 2,
  client = 3,
  producer = 4,
  consumer = 5
};
// Numbered as OTLP's Status.StatusCode.
enum class StatusCode : std::uint8_t { unset = 0, ok = 1, error = 2 };

struct Resource {
  Attributes attributes;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
};

struct Event {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
};

struct Link {
  SpanContext context;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
};

// Everything recorded about one span, handed to processors when it ends.
struct SpanData {
  SpanContext context;
  SpanId parent_span_id{};  // all zero for a root span
  bool parent_is_remote = false;
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<Event> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<Link> links;
  std::uint32_t dropped_links_count = 0;
  StatusCode status_code = StatusCode::unset;
  std::string status_message;
  // Owned by the TracerProvider, which outlives every span it started.
  const InstrumentationScope* scope = nullptr;
  const Resource* resource = nullptr;
};

struct SpanLimits {
  std::uint32_t max_attributes = 128;
  std::uint32_t max_events = 128;
  std::uint32_t max_links = 128;
  std::uint32_t max_attributes_per_event = 128;
  std::uint32_t max_attributes_per_link = 128;
};

}  // namespace clt::tracing
