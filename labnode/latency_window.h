// LatencyWindow: latency quantiles over a sliding window of time, from log-bucketed
// histograms (HDR-style): never averages.
//
// Buckets: values in microseconds; below 32 µs one bucket per microsecond, above that 32
// sub-buckets per power of two, so a quantile is reported at most 1/32 (about 3%) above the
// true value (the bucket's upper bound is reported: a p99 is never understated). Values above
// 2^40 µs (about 12.7 days) count in the last bucket.
//
// Window: `slices` histograms, each covering `window / slices` of time; a value goes into the
// slice of the time it was recorded, and a quantile merges the slices whose time is within the
// last `window` (the oldest slice may be partly older: the window slides by a slice at a time).
// Time comes in as an argument (any fixed origin, e.g. steady_clock's), so the class is pure.
//
// Not thread-safe: callers lock (RequestStats does).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace ringnode {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // 32
  static constexpr int kMaxExponent = 40;
  static constexpr std::size_t kBucketCount = kSubBuckets + (kMaxExponent - kSubBucketBits + 1) * kSubBuckets;

  LatencyHistogram() : counts_(kBucketCount, 0) {}

  void record(std::chrono::microseconds value);
  void add(const LatencyHistogram& other);
  void clear();
  std::uint64_t count() const { return total_; }

  // The smallest bucket upper bound below or at which at least a fraction `q` of the values
  // lie; nullopt when empty. REQUIRES: 0 <= q <= 1.
  std::optional<std::chrono::microseconds> quantile(double q) const;

  // The bucket a value falls in, and that bucket's largest value (exposed for tests).
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t upper_bound_of(std::size_t bucket);

 private:
  std::vector<std::uint32_t> counts_;
  std::uint64_t total_ = 0;
};

class LatencyWindow {
 public:
  // REQUIRES: slices >= 1, window >= slices nanoseconds.
  LatencyWindow(std::chrono::nanoseconds window, int slices);

  // Records a latency observed at time `now`.
  void record(std::chrono::microseconds latency, std::chrono::nanoseconds now);
  // The quantile over the slices within the window ending at `now`; nullopt when none.
  std::optional<std::chrono::microseconds> quantile(double q, std::chrono::nanoseconds now) const;
  // Values recorded within the window ending at `now`.
  std::uint64_t count(std::chrono::nanoseconds now) const;

 private:
  struct Slice {
    std::int64_t epoch = -1;  // now / slice length when it was (re)started; -1 unused
    LatencyHistogram histogram;
  };
  std::int64_t epoch_of(std::chrono::nanoseconds now) const { return now.count() / slice_length_.count(); }
  bool live(const Slice& slice, std::chrono::nanoseconds now) const;
  LatencyHistogram merged(std::chrono::nanoseconds now) const;

  std::chrono::nanoseconds slice_length_;
  std::vector<Slice> slices_;
};

}  // namespace ringnode
