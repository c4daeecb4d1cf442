#include "latency_window.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ringnode {

std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  if (micros < kSubBuckets) return static_cast<std::size_t>(micros);
  const int exponent = std::min(static_cast<int>(std::bit_width(micros)) - 1, kMaxExponent);
  if (exponent == kMaxExponent && (micros >> kMaxExponent) > 1) return kBucketCount - 1;
  const std::uint64_t sub = (micros >> (exponent - kSubBucketBits)) - kSubBuckets;  // 0..31
  return kSubBuckets + static_cast<std::size_t>(exponent - kSubBucketBits) * kSubBuckets +
         static_cast<std::size_t>(sub);
}

std::uint64_t LatencyHistogram::upper_bound_of(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const std::size_t above = bucket - kSubBuckets;
  const int exponent = static_cast<int>(above / kSubBuckets) + kSubBucketBits;
  const std::uint64_t sub = above % kSubBuckets;
  const int shift = exponent - kSubBucketBits;
  return ((kSubBuckets + sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::chrono::microseconds value) {
  const std::uint64_t micros = value.count() < 0 ? 0 : static_cast<std::uint64_t>(value.count());
  ++counts_[bucket_of(micros)];
  ++total_;
}

void LatencyHistogram::add(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

void LatencyHistogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
}

std::optional<std::chrono::microseconds> LatencyHistogram::quantile(double q) const {
  if (total_ == 0) return std::nullopt;
  // The rank of the value asked for, 1-based: at least one value, at most all of them.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) return std::chrono::microseconds(static_cast<std::int64_t>(upper_bound_of(bucket)));
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(upper_bound_of(kBucketCount - 1)));
}

LatencyWindow::LatencyWindow(std::chrono::nanoseconds window, int slices)
    : slice_length_(window / slices), slices_(static_cast<std::size_t>(slices)) {}

bool LatencyWindow::live(const Slice& slice, std::chrono::nanoseconds now) const {
  return slice.epoch >= 0 && slice.epoch > epoch_of(now) - static_cast<std::int64_t>(slices_.size());
}

void LatencyWindow::record(std::chrono::microseconds latency, std::chrono::nanoseconds now) {
  const std::int64_t epoch = epoch_of(now);
  Slice& slice = slices_[static_cast<std::size_t>(epoch % static_cast<std::int64_t>(slices_.size()))];
  if (slice.epoch != epoch) {
    slice.histogram.clear();
    slice.epoch = epoch;
  }
  slice.histogram.record(latency);
}

LatencyHistogram LatencyWindow::merged(std::chrono::nanoseconds now) const {
  LatencyHistogram all;
  for (const Slice& slice : slices_) {
    if (live(slice, now)) all.add(slice.histogram);
  }
  return all;
}

std::optional<std::chrono::microseconds> LatencyWindow::quantile(double q, std::chrono::nanoseconds now) const {
  return merged(now).quantile(q);
}

std::uint64_t LatencyWindow::count(std::chrono::nanoseconds now) const {
  std::uint64_t total = 0;
  for (const Slice& slice : slices_) {
    if (live(slice, now)) total += slice.histogram.count();
  }
  return total;
}

}  // namespace ringnode
