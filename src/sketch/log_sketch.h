#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace clt::sketch {

// A quantile sketch of integer values (one-way delays in microseconds, which
// clock skew can make negative; queue depths) in DDSketch-style logarithmic
// buckets: a value v > 0 falls in bucket ceil(log_gamma(v)) with
// gamma = (1 + a) / (1 - a), a = kRelativeAccuracy, so any quantile is
// answered within a relative error a of the exact one.
//
// The bound holds while the sketch has no more than kMaxBins distinct buckets
// (values within a factor of 10^8 of each other). Beyond that the lowest
// buckets are merged ("collapsed", as DDSketch's collapsing store): quantiles
// whose rank falls above the collapsed buckets keep the bound, lower ones
// read high; collapsed() says that it happened.
//
// Only the buckets that hold values are kept, sorted. Adding a value costs a
// logarithm and a search; it allocates only when the sketch holds more
// buckets than ever before, and clear() keeps the room (reserve() makes it up
// front), so a reused sketch does not allocate. Sketches merge exactly
// (bucket counts add): a span's sketch is the same built at once or merged
// from parts.
class LogSketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr std::size_t kMaxBins = 1024;

  void add(std::int64_t value, std::uint32_t count = 1);
  void merge(const LogSketch& other);
  // Empties the sketch, keeping its room for buckets.
  void clear();
  void reserve(std::size_t bins) { bins_.reserve(bins); }

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::int64_t min() const { return min_; }
  std::int64_t max() const { return max_; }
  bool collapsed() const { return collapsed_; }
  // The value at rank floor(q * (count - 1)) within the relative accuracy,
  // clamped to [min, max], rounded to an integer; q in [0, 1]. 0 when empty.
  std::int64_t quantile(double q) const;

  // The buckets, for serialization: keys ascend with the values they hold
  // (0 holds zero, k > 0 the bucket k - 1 of positive values, k < 0 the
  // bucket -k - 1 of negative ones).
  std::size_t bin_count() const { return bins_.size(); }
  std::int16_t bin_key(std::size_t i) const { return bins_[i].key; }
  std::uint32_t bin_weight(std::size_t i) const { return bins_[i].weight; }
  // Rebuilds a sketch from its serialized parts; false (sketch left empty)
  // when they are inconsistent: keys not ascending or out of range, weights
  // not summing to count, min above max.
  bool assign(const std::int16_t* keys, const std::uint32_t* weights, std::size_t bins,
              std::int64_t min, std::int64_t max, bool collapsed);

  // The bucket key of a value and the value a key stands for.
  static std::int16_t key_of(std::int64_t value);
  static double value_of(std::int16_t key);
  static constexpr std::int16_t kMaxKey = 2300;  // beyond the key of INT64_MAX

 private:
  struct Bin {
    std::int16_t key;
    std::uint32_t weight;
  };
  void collapse_to_fit();

  std::uint64_t count_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = std::numeric_limits<std::int64_t>::min();
  bool collapsed_ = false;
  std::vector<Bin> bins_;
};

}  // namespace clt::sketch
