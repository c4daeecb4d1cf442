#include "ringcore/throughput_limiter.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>

using ringcore::Duration;
using ringcore::Instant;
using ringcore::RateMeter;
using ringcore::ThroughputLimiter;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const Instant kStart = Instant{} + std::chrono::hours(1);

double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

struct Send {
  Instant at;
  std::uint64_t bytes;
};

// A sender that sends `chunk` bytes at a time as fast as the limiter lets it, from `now` until
// `until`, in simulated time. Returns what it sent and when; advances `now`.
std::vector<Send> stream(ThroughputLimiter& limiter, Instant& now, Instant until, std::uint64_t chunk) {
  std::vector<Send> sends;
  while (now < until) {
    now += limiter.delay_for(chunk, now);
    sends.push_back({now, chunk});
  }
  return sends;
}

std::uint64_t total(const std::vector<Send>& sends) {
  std::uint64_t bytes = 0;
  for (const Send& s : sends) bytes += s.bytes;
  return bytes;
}

}  // namespace

TEST_CASE("an unlimited limiter never delays") {
  ThroughputLimiter limiter(0, 1000);
  CHECK(limiter.unlimited());
  for (int i = 0; i < 100; ++i) CHECK(limiter.delay_for(std::uint64_t{1} << 40, kStart) == Duration::zero());
}

TEST_CASE("the burst goes out at once, the byte after it waits 1/rate") {
  ThroughputLimiter limiter(1000, 5000);
  CHECK(limiter.delay_for(3000, kStart) == Duration::zero());
  CHECK(limiter.delay_for(2000, kStart) == Duration::zero());
  CHECK(to_seconds(limiter.delay_for(1000, kStart)) == doctest::Approx(1.0));
  // Waiting as told, the next 500 bytes wait another half second.
  CHECK(to_seconds(limiter.delay_for(500, kStart + seconds(1))) == doctest::Approx(0.5));
}

TEST_CASE("credit earned while idle is capped at the burst") {
  ThroughputLimiter limiter(1000, 5000);
  CHECK(limiter.delay_for(5000, kStart) == Duration::zero());
  // An hour idle earns 3.6 MB at the rate, but the bucket holds 5000 bytes.
  const Instant later = kStart + std::chrono::hours(1);
  CHECK(limiter.delay_for(5000, later) == Duration::zero());
  CHECK(to_seconds(limiter.delay_for(1000, later)) == doctest::Approx(1.0));
}

TEST_CASE("the long-run rate equals the set rate within 1%") {
  for (double rate : {1e3, 1e6, 100e6}) {
    CAPTURE(rate);
    ThroughputLimiter limiter(rate, rate / 10);
    Instant now = kStart;
    const std::vector<Send> sends = stream(limiter, now, kStart + seconds(600), 65536);
    const double elapsed = to_seconds(sends.back().at - kStart);
    CHECK(static_cast<double>(total(sends)) / elapsed == doctest::Approx(rate).epsilon(0.01));
  }
}

TEST_CASE("a rate change mid-stream takes effect at once") {
  ThroughputLimiter limiter(1e6, 1e5);
  Instant now = kStart;
  stream(limiter, now, kStart + seconds(100), 10000);
  const Instant change = now;
  limiter.set_rate(4e6, change);
  CHECK(limiter.rate() == 4e6);
  const std::vector<Send> faster = stream(limiter, now, change + seconds(100), 10000);
  CHECK(static_cast<double>(total(faster)) / to_seconds(faster.back().at - change) ==
        doctest::Approx(4e6).epsilon(0.01));

  const Instant slow_down = now;
  limiter.set_rate(250e3, slow_down);
  const std::vector<Send> slower = stream(limiter, now, slow_down + seconds(100), 10000);
  CHECK(static_cast<double>(total(slower)) / to_seconds(slower.back().at - slow_down) ==
        doctest::Approx(250e3).epsilon(0.01));
}

TEST_CASE("set_rate keeps what was earned at the old rate") {
  ThroughputLimiter limiter(1000, 10000);
  CHECK(limiter.delay_for(10000, kStart) == Duration::zero());
  // Two seconds at 1000 B/s earned 2000 bytes; from now on it earns 2000 B/s.
  limiter.set_rate(2000, kStart + seconds(2));
  CHECK(limiter.delay_for(2000, kStart + seconds(2)) == Duration::zero());
  CHECK(to_seconds(limiter.delay_for(1000, kStart + seconds(2))) == doctest::Approx(0.5));
}

TEST_CASE("going unlimited forgives debt, limiting again starts with a full bucket") {
  ThroughputLimiter limiter(1000, 2000);
  CHECK(to_seconds(limiter.delay_for(12000, kStart)) == doctest::Approx(10.0));
  limiter.set_rate(0, kStart);
  CHECK(limiter.delay_for(1 << 30, kStart) == Duration::zero());
  limiter.set_rate(1000, kStart);
  CHECK(limiter.delay_for(2000, kStart) == Duration::zero());
  CHECK(to_seconds(limiter.delay_for(1000, kStart)) == doctest::Approx(1.0));
}

TEST_CASE("a sender that waits as told never exceeds burst + rate x time over any stretch") {
  const double rate = 50000;
  const double burst = 20000;
  ThroughputLimiter limiter(rate, burst);
  std::mt19937_64 rng(7);
  std::vector<Send> sends;
  Instant now = kStart;
  for (int i = 0; i < 1500; ++i) {
    if (rng() % 4 == 0) now += milliseconds(rng() % 2000);  // sometimes idle, earning credit
    const std::uint64_t bytes = 1 + rng() % 8000;
    now += limiter.delay_for(bytes, now);
    sends.push_back({now, bytes});
  }
  double worst = 0;
  for (std::size_t i = 0; i < sends.size(); ++i) {
    double sent = 0;
    for (std::size_t j = i; j < sends.size(); ++j) {
      sent += static_cast<double>(sends[j].bytes);
      const double allowed = burst + rate * to_seconds(sends[j].at - sends[i].at);
      worst = std::max(worst, sent - allowed);
    }
  }
  CHECK(worst <= 1.0);  // a byte of slack for rounding the delays to nanoseconds
}

TEST_CASE("time running back earns nothing") {
  ThroughputLimiter limiter(1000, 1000);
  CHECK(limiter.delay_for(1000, kStart + seconds(10)) == Duration::zero());
  CHECK(to_seconds(limiter.delay_for(1000, kStart)) == doctest::Approx(1.0));
  CHECK(to_seconds(limiter.delay_for(1000, kStart + seconds(10))) == doctest::Approx(2.0));
}

TEST_CASE("a rate meter reads 0 before anything is recorded") {
  const RateMeter meter(10);
  CHECK(meter.bytes_per_second(kStart) == 0);
  CHECK(meter.total_bytes() == 0);
}

TEST_CASE("a rate meter fed steadily reads the feed rate, also before a full window") {
  RateMeter meter(10);
  const std::uint64_t chunk = 10000;  // every 10 ms: 1 MB/s
  Instant now = kStart;
  for (int i = 1; i <= 3000; ++i) {
    now = kStart + milliseconds(10 * i);
    meter.record(chunk, now);
    if (i == 250) CHECK(meter.bytes_per_second(now) == doctest::Approx(1e6).epsilon(0.01));  // 2.5 s in
  }
  CHECK(meter.bytes_per_second(now) == doctest::Approx(1e6).epsilon(0.01));
  CHECK(meter.total_bytes() == 3000 * chunk);
}

TEST_CASE("a rate meter follows a rate change and falls to 0 a window after the feed stops") {
  RateMeter meter(5);
  Instant now = kStart;
  for (int i = 1; i <= 1000; ++i) {  // 10 s at 1 MB/s
    now = kStart + milliseconds(10 * i);
    meter.record(10000, now);
  }
  const Instant change = now;
  for (int i = 1; i <= 1000; ++i) {  // 10 s at 3 MB/s
    now = change + milliseconds(10 * i);
    meter.record(30000, now);
  }
  CHECK(meter.bytes_per_second(now) == doctest::Approx(3e6).epsilon(0.01));
  CHECK(meter.bytes_per_second(now + seconds(3)) < 3e6);
  CHECK(meter.bytes_per_second(now + seconds(6)) == 0);
}

TEST_CASE("a rate meter drops records older than its window") {
  RateMeter meter(2);
  meter.record(1000, kStart + seconds(10));
  meter.record(999999, kStart + seconds(1));  // long gone from a 2-second window
  CHECK(meter.bytes_per_second(kStart + seconds(11)) == doctest::Approx(1000.0));
  CHECK(meter.total_bytes() == 1000 + 999999);
}
