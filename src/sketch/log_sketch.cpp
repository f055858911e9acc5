#include "sketch/log_sketch.h"

#include <algorithm>
#include <cmath>

namespace clt::sketch {

namespace {

constexpr double kGamma = (1 + LogSketch::kRelativeAccuracy) / (1 - LogSketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);

std::uint32_t saturating_add(std::uint32_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(sum);
}

}  // namespace

std::int16_t LogSketch::key_of(std::int64_t value) {
  if (value == 0) return 0;
  const double magnitude = value > 0 ? static_cast<double>(value) : -static_cast<double>(value);
  const auto index = static_cast<std::int16_t>(std::ceil(std::log(magnitude) / kLogGamma));
  return static_cast<std::int16_t>(value > 0 ? index + 1 : -index - 1);
}

double LogSketch::value_of(std::int16_t key) {
  if (key == 0) return 0;
  const int index = key > 0 ? key - 1 : -key - 1;
  // The bucket (gamma^(i-1), gamma^i]'s point of least relative error.
  const double v = 2 * std::pow(kGamma, index) / (kGamma + 1);
  return key > 0 ? v : -v;
}

void LogSketch::clear() {
  count_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = std::numeric_limits<std::int64_t>::min();
  collapsed_ = false;
  bins_.clear();
}

void LogSketch::collapse_to_fit() {
  if (bins_.size() <= kMaxBins) return;
  const std::size_t excess = bins_.size() - kMaxBins;
  std::uint64_t folded = 0;
  for (std::size_t i = 0; i < excess; ++i) folded += bins_[i].weight;
  bins_[excess].weight = saturating_add(bins_[excess].weight, folded);
  bins_.erase(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(excess));
  collapsed_ = true;
}

void LogSketch::add(std::int64_t value, std::uint32_t count) {
  if (count == 0) return;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const std::int16_t key = key_of(value);
  const auto it = std::lower_bound(bins_.begin(), bins_.end(), key,
                                   [](const Bin& b, std::int16_t k) { return b.key < k; });
  if (it != bins_.end() && it->key == key) {
    it->weight = saturating_add(it->weight, count);
    return;
  }
  if (bins_.size() == kMaxBins && it == bins_.begin()) {
    // Below everything kept: it joins the lowest bucket.
    it->weight = saturating_add(it->weight, count);
    collapsed_ = true;
    return;
  }
  bins_.insert(it, Bin{key, count});
  collapse_to_fit();
}

void LogSketch::merge(const LogSketch& other) {
  if (other.empty()) return;
  if (empty()) {
    *this = other;
    return;
  }
  std::vector<Bin> merged;
  merged.reserve(bins_.size() + other.bins_.size());
  std::size_t i = 0, j = 0;
  while (i < bins_.size() || j < other.bins_.size()) {
    if (j == other.bins_.size() || (i < bins_.size() && bins_[i].key < other.bins_[j].key)) {
      merged.push_back(bins_[i++]);
    } else if (i == bins_.size() || other.bins_[j].key < bins_[i].key) {
      merged.push_back(other.bins_[j++]);
    } else {
      merged.push_back({bins_[i].key, saturating_add(bins_[i].weight, other.bins_[j].weight)});
      ++i, ++j;
    }
  }
  bins_ = std::move(merged);
  collapsed_ = collapsed_ || other.collapsed_;
  collapse_to_fit();
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::int64_t LogSketch::quantile(double q) const {
  if (empty()) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1));
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 1 < bins_.size(); ++i) {
    seen += bins_[i].weight;
    if (seen > rank) break;
  }
  const double v = std::round(value_of(bins_[i].key));
  return std::clamp(static_cast<std::int64_t>(v), min_, max_);
}

bool LogSketch::assign(const std::int16_t* keys, const std::uint32_t* weights, std::size_t bins,
                       std::int64_t min, std::int64_t max, bool collapsed) {
  clear();
  if (bins > kMaxBins || (bins > 0 && min > max)) return false;
  for (std::size_t i = 0; i < bins; ++i) {
    if (keys[i] > kMaxKey || keys[i] < -kMaxKey || (i > 0 && keys[i] <= keys[i - 1]) ||
        weights[i] == 0)
      return false;
  }
  if (bins == 0) return true;
  // The extremes fall in the first and last buckets (or below the first, when collapsed).
  if (key_of(max) != keys[bins - 1] || (!collapsed && key_of(min) != keys[0]) ||
      (collapsed && key_of(min) > keys[0]))
    return false;
  bins_.resize(bins);
  for (std::size_t i = 0; i < bins; ++i) {
    bins_[i] = {keys[i], weights[i]};
    count_ += weights[i];
  }
  min_ = min;
  max_ = max;
  collapsed_ = collapsed;
  return true;
}

}  // namespace clt::sketch
