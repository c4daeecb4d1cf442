// Throughput limiting and measuring for streaming. Time comes in as arguments: an Instant is a
// std::chrono::steady_clock time point the caller read; nothing here reads a clock.
//
// Thread-safety: none; callers that share a limiter or meter serialise access to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace ringcore {

using Instant = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

// A token bucket. The bucket holds up to `burst_bytes` of credit and earns `bytes_per_second`;
// it starts full. delay_for(bytes) spends `bytes` of credit, going into debt if there is not
// enough, and returns how long the caller must wait before sending them: the time the debt
// takes to be earned back. A caller that waits as told sends at most
// burst_bytes + rate × elapsed over any stretch of time, and exactly the rate in the long run.
// A rate of 0 means unlimited: no delay, and the bucket stays full.
// Instants earlier than one already seen count as that one (time does not run back).
class ThroughputLimiter {
 public:
  // REQUIRES: bytes_per_second >= 0, burst_bytes >= 0 (both finite).
  ThroughputLimiter(double bytes_per_second, double burst_bytes);

  // Changes the rate from `now` on: credit (or debt) earned at the old rate up to `now` is
  // kept; the delay of later calls follows the new rate. Going unlimited forgives any debt.
  // REQUIRES: bytes_per_second >= 0 and finite.
  void set_rate(double bytes_per_second, Instant now);

  // Records `bytes` as sent and returns how long to wait, from `now`, before sending them
  // (zero when the credit covers them).
  Duration delay_for(std::uint64_t bytes, Instant now);

  double rate() const { return rate_; }
  double burst() const { return burst_; }
  bool unlimited() const { return rate_ == 0; }

 private:
  void earn_until(Instant now);

  double rate_;
  double burst_;
  double credit_;  // bytes; negative is debt
  Instant last_{};
  bool started_ = false;  // whether last_ has been set by a call
};

// Bytes per second over a sliding window of the last N seconds, fed (bytes, now) as data is
// sent. Bytes are kept in one-second buckets (whole seconds of the steady clock's epoch); the
// window is the N buckets up to now's, so it spans from the start of the oldest (or from the
// first record, if later) to now.
class RateMeter {
 public:
  // REQUIRES: window_seconds >= 1.
  explicit RateMeter(int window_seconds = 10);

  // Records bytes sent at `now`. Bytes from a second that has left the window (N or more
  // seconds before the latest recorded) count in total_bytes() only.
  void record(std::uint64_t bytes, Instant now);

  // Bytes per second over the window ending at `now`; 0 before anything was recorded or when
  // the window spans no time.
  double bytes_per_second(Instant now) const;

  std::uint64_t total_bytes() const { return total_; }

 private:
  std::int64_t second_of(Instant t) const;

  std::vector<std::uint64_t> bytes_;   // per bucket; slot = second mod N
  std::vector<std::int64_t> seconds_;  // the second each slot holds
  std::uint64_t total_ = 0;
  std::int64_t newest_ = 0;  // the latest second recorded
  Instant first_{};          // the earliest record kept
  bool started_ = false;
};

}  // namespace ringcore
