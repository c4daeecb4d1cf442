#include "ringcore/throughput_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ringcore {
namespace {

double seconds_between(Instant from, Instant to) { return std::chrono::duration<double>(to - from).count(); }

}  // namespace

ThroughputLimiter::ThroughputLimiter(double bytes_per_second, double burst_bytes)
    : rate_(bytes_per_second), burst_(burst_bytes), credit_(burst_bytes) {
  assert(std::isfinite(bytes_per_second) && bytes_per_second >= 0);
  assert(std::isfinite(burst_bytes) && burst_bytes >= 0);
}

void ThroughputLimiter::earn_until(Instant now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  if (!unlimited()) credit_ = std::min(burst_, credit_ + rate_ * seconds_between(last_, now));
  last_ = now;
}

void ThroughputLimiter::set_rate(double bytes_per_second, Instant now) {
  assert(std::isfinite(bytes_per_second) && bytes_per_second >= 0);
  earn_until(now);
  rate_ = bytes_per_second;
  if (unlimited()) credit_ = burst_;
}

Duration ThroughputLimiter::delay_for(std::uint64_t bytes, Instant now) {
  earn_until(now);
  if (unlimited()) return Duration::zero();
  credit_ -= static_cast<double>(bytes);
  if (credit_ >= 0) return Duration::zero();
  // Rounded up, so that a caller waking exactly on time finds the debt paid.
  const std::chrono::duration<double> wait(-credit_ / rate_);
  return std::chrono::ceil<Duration>(wait);
}

RateMeter::RateMeter(int window_seconds)
    : bytes_(static_cast<std::size_t>(window_seconds), 0),
      seconds_(static_cast<std::size_t>(window_seconds), std::numeric_limits<std::int64_t>::min()) {
  assert(window_seconds >= 1);
}

std::int64_t RateMeter::second_of(Instant t) const {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

void RateMeter::record(std::uint64_t bytes, Instant now) {
  total_ += bytes;
  const std::int64_t second = second_of(now);
  const auto window = static_cast<std::int64_t>(bytes_.size());
  if (started_ && second <= newest_ - window) return;  // left the window already
  newest_ = started_ ? std::max(newest_, second) : second;
  const auto slot = static_cast<std::size_t>(((second % window) + window) % window);
  if (second > seconds_[slot]) {
    seconds_[slot] = second;
    bytes_[slot] = 0;
  }
  bytes_[slot] += bytes;
  first_ = started_ ? std::min(first_, now) : now;
  started_ = true;
}

double RateMeter::bytes_per_second(Instant now) const {
  if (!started_) return 0;
  const std::int64_t newest = second_of(now);
  const auto window = static_cast<std::int64_t>(bytes_.size());
  std::uint64_t bytes = 0;
  for (std::size_t slot = 0; slot < bytes_.size(); ++slot) {
    if (seconds_[slot] > newest - window && seconds_[slot] <= newest) bytes += bytes_[slot];
  }
  const Instant oldest_bucket_start{std::chrono::seconds(newest - window + 1)};
  const double span = seconds_between(std::max(first_, oldest_bucket_start), now);
  return span > 0 ? static_cast<double>(bytes) / span : 0;
}

}  // namespace ringcore
