// The latency histogram and its sliding window: bucket bounds (relative error at most 1/32,
// never understating), quantiles by rank, and slices leaving the window as time passes.
#include "latency_window.h"

#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ringnode::LatencyHistogram;
using ringnode::LatencyWindow;

TEST_CASE("values below 32 microseconds have a bucket each, above that 32 buckets per power of two") {
  for (std::uint64_t v = 0; v < 32; ++v) CHECK(LatencyHistogram::upper_bound_of(LatencyHistogram::bucket_of(v)) == v);
  CHECK(LatencyHistogram::bucket_of(32) == 32);
  CHECK(LatencyHistogram::bucket_of(63) == 63);
  CHECK(LatencyHistogram::bucket_of(64) == 64);
  CHECK(LatencyHistogram::bucket_of(65) == 64);  // 64 and 65 share a bucket of width 2
  CHECK(LatencyHistogram::upper_bound_of(64) == 65);
}

TEST_CASE("every value lies in its bucket, whose upper bound is at most 1/32 above it") {
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = random() >> (random() % 40 + 24);  // spread over many magnitudes
    const std::size_t bucket = LatencyHistogram::bucket_of(v);
    const std::uint64_t upper = LatencyHistogram::upper_bound_of(bucket);
    REQUIRE(upper >= v);
    REQUIRE(static_cast<double>(upper - v) <= static_cast<double>(v) / 32.0);
    if (bucket > 0) REQUIRE(LatencyHistogram::upper_bound_of(bucket - 1) < v);
  }
}

TEST_CASE("huge values land in the last bucket rather than out of range") {
  CHECK(LatencyHistogram::bucket_of(UINT64_MAX) == LatencyHistogram::kBucketCount - 1);
  CHECK(LatencyHistogram::bucket_of(std::uint64_t{1} << 41) == LatencyHistogram::kBucketCount - 1);
  CHECK(LatencyHistogram::bucket_of((std::uint64_t{1} << 41) - 1) == LatencyHistogram::kBucketCount - 1);
}

TEST_CASE("quantiles are the value at the rank ceil(q * n), reported as its bucket's upper bound") {
  LatencyHistogram histogram;
  CHECK_FALSE(histogram.quantile(0.5).has_value());
  for (int ms = 1; ms <= 100; ++ms) histogram.record(std::chrono::milliseconds(ms));
  CHECK(histogram.count() == 100);
  // The 50th value is 50 ms = 50000 µs, in the bucket [49152, 50175] of 1024-wide buckets.
  CHECK(histogram.quantile(0.5)->count() == 50175);
  CHECK(histogram.quantile(0.99)->count() >= 99000);
  CHECK(histogram.quantile(0.99)->count() <= 99000 + 99000 / 32);
  CHECK(histogram.quantile(1.0)->count() >= 100000);
  CHECK(histogram.quantile(0.0)->count() >= 1000);  // the smallest value's bucket
  CHECK(histogram.quantile(0.0)->count() <= 1000 + 1000 / 32);
}

TEST_CASE("a slow tail shows at p99 and not at p50: not an average") {
  LatencyHistogram histogram;
  for (int i = 0; i < 980; ++i) histogram.record(1ms);
  for (int i = 0; i < 20; ++i) histogram.record(500ms);
  CHECK(histogram.quantile(0.5)->count() <= 1000 + 1000 / 32);
  CHECK(histogram.quantile(0.99)->count() >= 500000);
}

TEST_CASE("the window forgets slices older than the window as time passes") {
  LatencyWindow window(60s, 6);  // slices of 10 s
  window.record(900ms, 5s);      // slice [0, 10)
  window.record(1ms, 15s);       // slice [10, 20)
  CHECK(window.count(15s) == 2);
  CHECK(window.quantile(1.0, 15s)->count() >= 900000);
  // At 65 s the window is the slices [10, 70): the first slice left.
  CHECK(window.count(65s) == 1);
  CHECK(window.quantile(1.0, 65s)->count() <= 1000 + 1000 / 32);
  // At 75 s both are gone.
  CHECK(window.count(75s) == 0);
  CHECK_FALSE(window.quantile(0.5, 75s).has_value());
}

TEST_CASE("a slot reused for a later slice starts empty") {
  LatencyWindow window(60s, 6);
  window.record(700ms, 1s);  // slot 0, slice 0
  window.record(2ms, 61s);   // slot 0 again, slice 6: the old values are cleared
  CHECK(window.count(61s) == 1);
  CHECK(window.quantile(1.0, 61s)->count() <= 2000 + 2000 / 32);
}

}  // namespace
