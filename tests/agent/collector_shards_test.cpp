// Rendezvous hashing of trace ids over collectors: the same choice every
// time and in every agent, an even spread, and only a removed collector's
// traces moving.
#include "agent/collector_shards.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace clt::agent {
namespace {

std::vector<core::TraceId> random_traces(std::size_t n) {
  std::mt19937_64 rnd(7);
  std::vector<core::TraceId> out(n);
  for (auto& t : out)
    for (auto& b : t) b = static_cast<std::uint8_t>(rnd());
  return out;
}

const std::vector<std::string> kCollectors = {"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317",
                                              "unix:/run/clt/collector.sock"};

TEST(CollectorShards, TheSameTraceGoesToTheSameCollectorInEveryAgent) {
  const CollectorShards a(kCollectors);
  // Another agent given the same collectors in another order.
  const std::vector<std::string> reordered = {kCollectors[2], kCollectors[0], kCollectors[3],
                                              kCollectors[1]};
  const CollectorShards b(reordered);
  for (const auto& t : random_traces(2000)) {
    const std::size_t first = a.preferred(t);
    ASSERT_LT(first, kCollectors.size());
    EXPECT_EQ(a.preferred(t), first);
    EXPECT_EQ(reordered[b.preferred(t)], kCollectors[first]);
  }
}

TEST(CollectorShards, TracesSpreadEvenly) {
  const CollectorShards shards(kCollectors);
  constexpr std::size_t kTraces = 40'000;
  std::vector<std::size_t> per(kCollectors.size());
  for (const auto& t : random_traces(kTraces)) ++per[shards.preferred(t)];
  const double even = static_cast<double>(kTraces) / static_cast<double>(kCollectors.size());
  for (std::size_t i = 0; i < per.size(); ++i)
    EXPECT_NEAR(static_cast<double>(per[i]), even, even * 0.05) << kCollectors[i];
}

TEST(CollectorShards, ADownCollectorMovesOnlyItsTracesAndThoseEvenly) {
  const CollectorShards shards(kCollectors);
  constexpr std::size_t kDown = 1;
  std::vector<std::size_t> moved_to(kCollectors.size());
  std::size_t moved = 0;
  for (const auto& t : random_traces(40'000)) {
    const std::size_t before = shards.preferred(t);
    const std::size_t after = shards.pick(t, [](std::size_t i) { return i != kDown; });
    ASSERT_NE(after, kDown);
    if (before != kDown) {
      EXPECT_EQ(after, before);  // not on the down collector: stays
    } else {
      ++moved;
      ++moved_to[after];
    }
  }
  // The down collector's quarter is shared by the three others.
  EXPECT_NEAR(static_cast<double>(moved), 10'000, 500);
  const double share = static_cast<double>(moved) / 3.0;
  for (std::size_t i = 0; i < kCollectors.size(); ++i) {
    if (i != kDown) {
      EXPECT_NEAR(static_cast<double>(moved_to[i]), share, share * 0.15);
    }
  }
}

TEST(CollectorShards, NoneUpIsSaid) {
  const CollectorShards shards(kCollectors);
  EXPECT_EQ(shards.pick(core::TraceId{}, [](std::size_t) { return false; }), kCollectors.size());
  const CollectorShards one({"127.0.0.1:4317"});
  for (const auto& t : random_traces(100)) EXPECT_EQ(one.preferred(t), 0u);
}

}  // namespace
}  // namespace clt::agent
