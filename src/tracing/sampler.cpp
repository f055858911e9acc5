#include "tracing/sampler.h"

#include <cmath>
#include <cstdlib>

namespace clt::tracing {
namespace {

class AlwaysOnSampler final : public Sampler {
 public:
  SamplingDecision should_sample(const SpanContext*, const TraceId&, std::string_view,
                                 SpanKind) const override {
    return SamplingDecision::record_and_sample;
  }
  std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOffSampler final : public Sampler {
 public:
  SamplingDecision should_sample(const SpanContext*, const TraceId&, std::string_view,
                                 SpanKind) const override {
    return SamplingDecision::drop;
  }
  std::string description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(double ratio) : ratio_(ratio) {
    if (ratio >= 1.0) {
      bound_ = UINT64_MAX;
      sample_all_ = true;
    } else {
      bound_ = static_cast<std::uint64_t>(std::ldexp(ratio, 64));
    }
  }
  SamplingDecision should_sample(const SpanContext*, const TraceId& trace_id, std::string_view,
                                 SpanKind) const override {
    if (sample_all_ || core::load_be64(trace_id.data() + 8) < bound_)
      return SamplingDecision::record_and_sample;
    return SamplingDecision::drop;
  }
  std::string description() const override {
    return "TraceIdRatioBased{" + std::to_string(ratio_) + "}";
  }

 private:
  double ratio_;
  std::uint64_t bound_ = 0;
  bool sample_all_ = false;
};

class ParentBasedSampler final : public Sampler {
 public:
  explicit ParentBasedSampler(std::unique_ptr<Sampler> root) : root_(std::move(root)) {}
  SamplingDecision should_sample(const SpanContext* parent, const TraceId& trace_id,
                                 std::string_view name, SpanKind kind) const override {
    if (parent == nullptr || !parent->is_valid())
      return root_->should_sample(parent, trace_id, name, kind);
    return parent->is_sampled() ? SamplingDecision::record_and_sample : SamplingDecision::drop;
  }
  std::string description() const override {
    return "ParentBased{root=" + root_->description() + "}";
  }

 private:
  std::unique_ptr<Sampler> root_;
};

std::optional<double> parse_ratio(std::optional<std::string_view> arg, std::string& error) {
  if (!arg || arg->empty()) return 1.0;  // the specification's default
  double ratio = 0;
  const std::string text(*arg);
  char* end = nullptr;
  ratio = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(ratio >= 0.0 && ratio <= 1.0)) {
    error =
        "OTEL_TRACES_SAMPLER_ARG=\"" + text + "\" is not a ratio: give a number between 0 and 1";
    return std::nullopt;
  }
  return ratio;
}

}  // namespace

std::unique_ptr<Sampler> make_always_on_sampler() {
  return std::make_unique<AlwaysOnSampler>();
}
std::unique_ptr<Sampler> make_always_off_sampler() {
  return std::make_unique<AlwaysOffSampler>();
}
std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio) {
  return std::make_unique<TraceIdRatioSampler>(ratio);
}
std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root) {
  return std::make_unique<ParentBasedSampler>(std::move(root));
}

std::unique_ptr<Sampler> make_sampler(std::string_view name, std::optional<std::string_view> arg,
                                      std::string& error) {
  if (name == "always_on") return make_always_on_sampler();
  if (name == "always_off") return make_always_off_sampler();
  if (name == "parentbased_always_on") return make_parent_based_sampler(make_always_on_sampler());
  if (name == "parentbased_always_off") return make_parent_based_sampler(make_always_off_sampler());
  if (name == "traceidratio" || name == "parentbased_traceidratio") {
    auto ratio = parse_ratio(arg, error);
    if (!ratio) return nullptr;
    auto sampler = make_trace_id_ratio_sampler(*ratio);
    return name == "traceidratio" ? std::move(sampler)
                                  : make_parent_based_sampler(std::move(sampler));
  }
  error = "OTEL_TRACES_SAMPLER=\"" + std::string(name) +
          "\" is unknown: use always_on, always_off, traceidratio, parentbased_always_on, "
          "parentbased_always_off or parentbased_traceidratio";
  return nullptr;
}

}  // namespace clt::tracing
