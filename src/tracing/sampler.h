#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tracing/span_data.h"

// Head samplers named as OTEL_TRACES_SAMPLER names them.
namespace clt::tracing {

enum class SamplingDecision : std::uint8_t { drop, record_only, record_and_sample };

class Sampler {
 public:
  virtual ~Sampler() = default;
  // parent is nullptr for a root span.
  virtual SamplingDecision should_sample(const SpanContext* parent, const TraceId& trace_id,
                                         std::string_view name, SpanKind kind) const = 0;
  virtual std::string description() const = 0;
};

std::unique_ptr<Sampler> make_always_on_sampler();
std::unique_ptr<Sampler> make_always_off_sampler();
// Samples trace ids whose last 8 bytes, read big-endian, fall below
// ratio * 2^64: the same trace is sampled by every service with the same ratio.
std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio);
// Follows the parent's sampled flag; `root` decides for root spans.
std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root);

// From OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG values: always_on,
// always_off, traceidratio, parentbased_always_on, parentbased_always_off,
// parentbased_traceidratio. nullptr with `error` set on an unknown name or bad
// ratio.
std::unique_ptr<Sampler> make_sampler(std::string_view name, std::optional<std::string_view> arg,
                                      std::string& error);

}  // namespace clt::tracing
