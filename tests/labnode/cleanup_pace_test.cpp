// Cleanup's pacing (cleanup_pace.h) on a clock that moves only when it sleeps: it waits as long
// as the bytes take at the limit, looking every 50 ms whether the node stops, and not at all
// without a limit.
#include "cleanup_pace.h"

#include <doctest/doctest.h>

#include <vector>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using Pauses = std::vector<std::chrono::milliseconds>;

constexpr double kMiB = 1024 * 1024;

}  // namespace

TEST_CASE("cleanup waits as long as the bytes it removed take at the limit") {
  test_support::FakeClock time;
  ringcore::ThroughputLimiter limiter(1 * kMiB, 0);
  int looks = 0;
  ringnode::pace_cleanup(
      limiter, 512 * 1024, [&] { return ++looks < 0; }, time.clock());
  CHECK(time.pauses == Pauses(10, 50ms));  // 0.5 s at 1 MiB/s
  CHECK(looks == 11);
}

TEST_CASE("cleanup's wait ends at the first look after the node stops") {
  test_support::FakeClock time;
  ringcore::ThroughputLimiter limiter(1 * kMiB, 0);
  int looks = 0;
  ringnode::pace_cleanup(
      limiter, 10 * 1024 * 1024, [&] { return ++looks == 3; }, time.clock());
  CHECK(time.pauses == Pauses{50ms, 50ms});
}

TEST_CASE("cleanup without a limit does not wait") {
  test_support::FakeClock time;
  ringcore::ThroughputLimiter limiter(0, 0);
  int looks = 0;
  ringnode::pace_cleanup(
      limiter, 10 * 1024 * 1024, [&] { return ++looks > 0; }, time.clock());
  CHECK(time.pauses.empty());
  CHECK(looks == 0);
}
