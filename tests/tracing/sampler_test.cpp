#include "tracing/sampler.h"

#include <gtest/gtest.h>

#include "tracing/id_generator.h"

namespace clt::tracing {
namespace {

TEST(Sampler, AlwaysOnAndOff) {
  TraceId id{};
  id[15] = 1;
  EXPECT_EQ(make_always_on_sampler()->should_sample(nullptr, id, "x", SpanKind::internal),
            SamplingDecision::record_and_sample);
  EXPECT_EQ(make_always_off_sampler()->should_sample(nullptr, id, "x", SpanKind::internal),
            SamplingDecision::drop);
}

TEST(Sampler, RatioSamplesAboutTheRatioAndIsDeterministic) {
  RandomIdGenerator ids;
  auto sampler = make_trace_id_ratio_sampler(0.25);
  int sampled = 0;
  constexpr int kTrials = 40000;
  for (int i = 0; i < kTrials; ++i) {
    const TraceId id = ids.new_trace_id();
    const auto decision = sampler->should_sample(nullptr, id, "x", SpanKind::internal);
    EXPECT_EQ(decision, sampler->should_sample(nullptr, id, "y", SpanKind::server));
    sampled += decision == SamplingDecision::record_and_sample;
  }
  EXPECT_NEAR(static_cast<double>(sampled) / kTrials, 0.25, 0.02);
  TraceId low{};
  low[15] = 1;
  TraceId high{};
  for (int i = 8; i < 16; ++i) high[i] = 0xff;
  EXPECT_EQ(sampler->should_sample(nullptr, low, "x", SpanKind::internal),
            SamplingDecision::record_and_sample);
  EXPECT_EQ(sampler->should_sample(nullptr, high, "x", SpanKind::internal), SamplingDecision::drop);
  EXPECT_EQ(make_trace_id_ratio_sampler(0)->should_sample(nullptr, low, "x", SpanKind::internal),
            SamplingDecision::drop);
  EXPECT_EQ(make_trace_id_ratio_sampler(1)->should_sample(nullptr, high, "x", SpanKind::internal),
            SamplingDecision::record_and_sample);
}

TEST(Sampler, ParentBasedFollowsTheParent) {
  auto sampler = make_parent_based_sampler(make_always_off_sampler());
  TraceId id{};
  id[0] = 1;
  SpanContext parent;
  parent.trace_id = id;
  parent.span_id[0] = 1;
  parent.trace_flags = kTraceFlagSampled;
  EXPECT_EQ(sampler->should_sample(&parent, id, "x", SpanKind::internal),
            SamplingDecision::record_and_sample);
  parent.trace_flags = 0;
  EXPECT_EQ(make_parent_based_sampler(make_always_on_sampler())
                ->should_sample(&parent, id, "x", SpanKind::internal),
            SamplingDecision::drop);
  EXPECT_EQ(sampler->should_sample(nullptr, id, "x", SpanKind::internal),
            SamplingDecision::drop);  // root decides
}

TEST(Sampler, MakesFromEnvironmentNames) {
  std::string error;
  for (const char* name : {"always_on", "always_off", "traceidratio", "parentbased_always_on",
                           "parentbased_always_off", "parentbased_traceidratio"}) {
    EXPECT_TRUE(make_sampler(name, "0.5", error)) << name << ": " << error;
  }
  EXPECT_EQ(make_sampler("parentbased_traceidratio", "0.5", error)->description(),
            "ParentBased{root=TraceIdRatioBased{0.500000}}");
  EXPECT_FALSE(make_sampler("sometimes", std::nullopt, error));
  EXPECT_NE(error.find("OTEL_TRACES_SAMPLER"), std::string::npos);
  EXPECT_FALSE(make_sampler("traceidratio", "1.5", error));
  EXPECT_FALSE(make_sampler("traceidratio", "half", error));
}

TEST(IdGenerator, IdsAreNonZeroAndDistinct) {
  RandomIdGenerator a;
  RandomIdGenerator b;
  EXPECT_NE(a.new_trace_id(), b.new_trace_id());
  std::vector<SpanId> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(a.new_span_id());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  for (const auto& id : ids) EXPECT_FALSE(core::is_zero(id));
}

}  // namespace
}  // namespace clt::tracing
