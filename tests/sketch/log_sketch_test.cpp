#include "sketch/log_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace clt::sketch {
namespace {

constexpr double kQuantiles[] = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

std::int64_t exact_quantile(std::vector<std::int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

// The sketch's answer is within the relative accuracy of the exact value
// (plus the half unit that rounding to an integer adds).
void expect_within_bound(const LogSketch& sketch, const std::vector<std::int64_t>& values) {
  for (double q : kQuantiles) {
    const std::int64_t exact = exact_quantile(values, q);
    const std::int64_t estimate = sketch.quantile(q);
    const double bound = LogSketch::kRelativeAccuracy * std::abs(static_cast<double>(exact)) + 0.5;
    EXPECT_LE(std::abs(static_cast<double>(estimate - exact)), bound)
        << "q=" << q << " exact=" << exact << " estimate=" << estimate;
  }
}

std::vector<std::int64_t> lognormal(std::mt19937_64& rng, std::size_t n, double mu, double sigma) {
  std::lognormal_distribution<double> d(mu, sigma);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = static_cast<std::int64_t>(d(rng));
  return out;
}

TEST(LogSketch, QuantilesWithinRelativeAccuracyOnRandomDelays) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 20; ++round) {
    // Delays around 50 us to 5 ms, as a link and a queue give them.
    const auto values = lognormal(rng, 20'000, 5 + round * 0.2, 0.5);
    LogSketch s;
    for (auto v : values) s.add(v);
    ASSERT_FALSE(s.collapsed());
    EXPECT_EQ(s.count(), values.size());
    EXPECT_EQ(s.min(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(s.max(), *std::max_element(values.begin(), values.end()));
    expect_within_bound(s, values);
  }
}

TEST(LogSketch, UniformValuesAndSmallIntegersAreWithinBound) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<std::int64_t> wide(1000, 10'000);
  std::vector<std::int64_t> values(50'000);
  for (auto& v : values) v = wide(rng);
  LogSketch s;
  for (auto v : values) s.add(v);
  expect_within_bound(s, values);

  // Small integers (queue depths, short delays) come back exactly.
  std::uniform_int_distribution<std::int64_t> small(0, 40);
  std::vector<std::int64_t> depths(10'000);
  for (auto& v : depths) v = small(rng);
  LogSketch d;
  for (auto v : depths) d.add(v);
  for (double q : kQuantiles) EXPECT_EQ(d.quantile(q), exact_quantile(depths, q)) << q;
}

TEST(LogSketch, NegativeDelaysFromClockSkewKeepTheirOrder) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> d(0, 300);
  std::vector<std::int64_t> values(20'000);
  for (auto& v : values) v = static_cast<std::int64_t>(d(rng));
  LogSketch s;
  for (auto v : values) s.add(v);
  expect_within_bound(s, values);
}

TEST(LogSketch, MergedPartsEqualTheWhole) {
  std::mt19937_64 rng(42);
  const auto a = lognormal(rng, 7'000, 6, 0.6);
  const auto b = lognormal(rng, 3'000, 7, 0.4);
  LogSketch sa, sb, whole;
  for (auto v : a) sa.add(v), whole.add(v);
  for (auto v : b) sb.add(v), whole.add(v);
  LogSketch merged = sa;
  merged.merge(sb);
  ASSERT_EQ(merged.count(), whole.count());
  ASSERT_EQ(merged.bin_count(), whole.bin_count());
  for (std::size_t i = 0; i < merged.bin_count(); ++i) {
    EXPECT_EQ(merged.bin_key(i), whole.bin_key(i));
    EXPECT_EQ(merged.bin_weight(i), whole.bin_weight(i));
  }
  std::vector<std::int64_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  expect_within_bound(merged, all);
  LogSketch empty;
  empty.merge(merged);
  EXPECT_EQ(empty.quantile(0.5), merged.quantile(0.5));
}

TEST(LogSketch, TooWideARangeCollapsesTheLowestAndKeepsTheUpperQuantiles) {
  // 100 us to three years, evenly in log space: more buckets than kept.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> exponent(2, 14);
  std::vector<std::int64_t> values(30'000);
  for (auto& v : values) v = static_cast<std::int64_t>(std::pow(10.0, exponent(rng)));
  LogSketch s;
  for (auto v : values) s.add(v);
  EXPECT_TRUE(s.collapsed());
  EXPECT_EQ(s.bin_count(), LogSketch::kMaxBins);
  EXPECT_EQ(s.count(), values.size());
  for (double q : {0.9, 0.95, 0.99, 0.999}) {
    const auto exact = exact_quantile(values, q);
    EXPECT_LE(std::abs(static_cast<double>(s.quantile(q) - exact)),
              LogSketch::kRelativeAccuracy * static_cast<double>(exact) + 0.5)
        << q;
  }
  EXPECT_EQ(s.quantile(0), s.min());
}

TEST(LogSketch, ClearKeepsTheRoomForBuckets) {
  LogSketch s;
  s.reserve(64);
  for (std::int64_t v = 1; v < 1000; v += 37) s.add(v);
  const std::size_t bins = s.bin_count();
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.bin_count(), 0u);
  for (std::int64_t v = 1; v < 1000; v += 37) s.add(v);
  EXPECT_EQ(s.bin_count(), bins);
  EXPECT_EQ(s.count(), 27u);
}

TEST(LogSketch, AssignRebuildsAndRefusesInconsistentParts) {
  LogSketch s;
  for (std::int64_t v : {5, 17, 17, 300, 4000}) s.add(v);
  std::vector<std::int16_t> keys;
  std::vector<std::uint32_t> weights;
  for (std::size_t i = 0; i < s.bin_count(); ++i) {
    keys.push_back(s.bin_key(i));
    weights.push_back(s.bin_weight(i));
  }
  LogSketch back;
  ASSERT_TRUE(back.assign(keys.data(), weights.data(), keys.size(), s.min(), s.max(), false));
  EXPECT_EQ(back.count(), 5u);
  EXPECT_EQ(back.quantile(0.5), s.quantile(0.5));
  std::swap(keys[0], keys[1]);
  EXPECT_FALSE(back.assign(keys.data(), weights.data(), keys.size(), s.min(), s.max(), false));
  EXPECT_TRUE(back.empty());
  std::swap(keys[0], keys[1]);
  EXPECT_FALSE(back.assign(keys.data(), weights.data(), keys.size(), 1'000'000, s.max(), false));
  weights[2] = 0;
  EXPECT_FALSE(back.assign(keys.data(), weights.data(), keys.size(), s.min(), s.max(), false));
}

}  // namespace
}  // namespace clt::sketch
