#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tracing/id_generator.h"
#include "tracing/sampler.h"
#include "tracing/span_data.h"
#include "tracing/span_processor.h"

namespace clt::tracing {

class Tracer;

// A span being recorded. Ends when end() is called or when it is destroyed.
// Not sampled spans are not recording but still carry a valid context, so
// propagation works the same. A Span is used from one thread at a time.
class Span {
 public:
  Span() = default;
  ~Span() { end(); }
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const SpanContext& context() const { return data_.context; }
  bool is_recording() const { return processor_ != nullptr; }

  // Replaces the value of an existing key.
  Span& set_attribute(std::string_view key, AttributeValue value);
  Span& add_event(std::string_view name, Attributes attributes = {});
  Span& add_event(std::string_view name, std::uint64_t time_unix_nano, Attributes attributes = {});
  Span& add_link(const SpanContext& context, Attributes attributes = {});
  // As the API specifies: ok is final, unset is ignored, the message only
  // counts with error.
  Span& set_status(StatusCode code, std::string_view message = {});
  Span& update_name(std::string_view name);

  void end();
  void end(std::uint64_t end_time_unix_nano);

 private:
  friend class Tracer;
  SpanData data_;
  SpanProcessor* processor_ = nullptr;
  const SpanLimits* limits_ = nullptr;
};

struct StartSpanOptions {
  SpanKind kind = SpanKind::internal;
  // nullptr or an invalid context: a new trace.
  const SpanContext* parent = nullptr;
  std::uint64_t start_time_unix_nano = 0;  // 0: now
  Attributes attributes{};
  std::vector<Link> links{};
};

class Tracer {
 public:
  Span start_span(std::string_view name, StartSpanOptions options = {});
  const InstrumentationScope& scope() const { return scope_; }

 private:
  friend class TracerProvider;
  struct Shared;
  Tracer(const Shared& shared, InstrumentationScope scope)
      : shared_(&shared), scope_(std::move(scope)) {}
  const Shared* shared_;
  InstrumentationScope scope_;
};

struct TracerProviderOptions {
  Resource resource;
  std::unique_ptr<Sampler> sampler;           // default: parentbased_always_on
  std::unique_ptr<SpanProcessor> processor;   // default: none (spans are dropped)
  std::unique_ptr<IdGenerator> id_generator;  // default: RandomIdGenerator
  SpanLimits limits;
};

// Owns what its tracers share. Outlives every span it started; destruction
// flushes and shuts the processor down.
class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options);
  ~TracerProvider();
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // The same tracer for the same name and version; the reference stays valid
  // for the provider's life.
  Tracer& tracer(std::string_view name, std::string_view version = {});
  bool force_flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void shutdown();

  const Resource& resource() const { return options_.resource; }
  SpanProcessor* processor() const { return options_.processor.get(); }

 private:
  TracerProviderOptions options_;
  std::unique_ptr<Tracer::Shared> shared_;
  std::mutex tracers_mutex_;
  std::deque<Tracer> tracers_;
  bool shut_down_ = false;
};

// Nanoseconds since the Unix epoch, from the system clock.
std::uint64_t now_unix_nano();

// The resource attributes every provider should carry: service.name plus the
// telemetry.sdk.* attributes of this library.
Resource make_resource(std::string_view service_name, Attributes extra = {});

}  // namespace clt::tracing
