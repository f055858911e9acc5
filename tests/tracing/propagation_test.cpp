#include "tracing/propagation.h"

#include <gtest/gtest.h>

namespace clt::tracing {
namespace {

constexpr const char* kValid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(Traceparent, ParsesTheW3cExample) {
  auto context = parse_traceparent(kValid, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(context);
  EXPECT_EQ(core::to_hex(context->trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(core::to_hex(context->span_id), "b7ad6b7169203331");
  EXPECT_TRUE(context->is_sampled());
  EXPECT_TRUE(context->is_remote);
  EXPECT_EQ(context->trace_state, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(format_traceparent(*context), kValid);
}

TEST(Traceparent, RejectsInvalidValues) {
  for (const char* bad : {
           "",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",     // short
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // version 00 with extra
           "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // forbidden version
           "00-00000000000000000000000000000000-b7ad6b7169203331-01",    // zero trace id
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",    // zero span id
           "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",    // upper case
           "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // separator
           "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // version not hex
           "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",   // future version, no dash
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(Traceparent, AcceptsFutureVersionsWithExtraFields) {
  auto context =
      parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future");
  ASSERT_TRUE(context);
  EXPECT_TRUE(context->is_sampled());
}

TEST(Tracestate, DropsInvalidAndKeepsValid) {
  EXPECT_TRUE(is_valid_tracestate("a=1,b@c=2, ,d=3"));
  EXPECT_FALSE(is_valid_tracestate("A=1"));
  EXPECT_FALSE(is_valid_tracestate("a"));
  EXPECT_FALSE(is_valid_tracestate("a=b=c"));
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_FALSE(is_valid_tracestate(many));
  auto context = parse_traceparent(kValid, "Bad Key=1");
  ASSERT_TRUE(context);
  EXPECT_TRUE(context->trace_state.empty());
}

TEST(Propagation, InjectThenExtractRoundTrips) {
  SpanContext context = *parse_traceparent(kValid, "x=y");
  context.trace_flags = 0;
  HeaderMap headers;
  inject(context, headers);
  EXPECT_EQ(headers["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_EQ(headers["tracestate"], "x=y");
  auto back = extract(headers);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->trace_id, context.trace_id);
  EXPECT_FALSE(back->is_sampled());
}

TEST(Propagation, ExtractFindsMixedCaseHeaderNames) {
  HeaderMap headers{{"TraceParent", kValid}};
  EXPECT_TRUE(extract(headers));
  EXPECT_FALSE(extract(HeaderMap{{"other", "x"}}));
  HeaderMap none;
  inject(SpanContext{}, none);  // invalid context: nothing injected
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace clt::tracing
