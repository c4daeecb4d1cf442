// The phi accrual failure detector (nodetool-facts §6.2): convicts after a silence of
// phi_convict_threshold * ln 10 mean intervals, not before.
#include "ringcore/gossip/failure_detector.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

namespace gossip = ringcore::gossip;
using gossip::FailureDetector;
using gossip::GossipTime;
using std::chrono::milliseconds;

namespace {

// Reports `count` heartbeats of "peer" every `interval` ms from `start`; returns the last time.
GossipTime heartbeats(FailureDetector& detector, GossipTime start, int count, int interval) {
  GossipTime t = start;
  for (int i = 0; i < count; ++i) {
    t = start + milliseconds(i * interval);
    detector.report("peer", t);
  }
  return t;
}

// interpret() once a second from `from` up to (excluding) `until`, as gossip rounds do, so
// that the local-pause guard stays quiet; true when any call convicted.
bool convicted_between(FailureDetector& detector, GossipTime from, GossipTime until) {
  bool convicted = false;
  for (GossipTime t = from; t < until; t += milliseconds(1000)) convicted |= detector.interpret("peer", t);
  return convicted;
}

}  // namespace

TEST_CASE("an endpoint never heard of is neither judged nor convicted") {
  FailureDetector detector;
  CHECK_FALSE(detector.phi("peer", milliseconds(100000)).has_value());
  CHECK_FALSE(detector.interpret("peer", milliseconds(100000)));
}

TEST_CASE("a window opens with the initial value of 2 s, and longer gaps are dropped") {
  FailureDetector detector;
  detector.report("peer", milliseconds(0));
  CHECK(*detector.mean_interval("peer") == 2000.0);
  detector.report("peer", milliseconds(1000));
  CHECK(*detector.mean_interval("peer") == 1500.0);
  detector.report("peer", milliseconds(6000));  // 5 s > max_interval: not a sample
  CHECK(*detector.mean_interval("peer") == 1500.0);
  detector.report("peer", milliseconds(8000));  // 2 s is still a sample
  CHECK(*detector.mean_interval("peer") == doctest::Approx(5000.0 / 3));
}

TEST_CASE("phi is the silence over the mean interval over ln 10") {
  FailureDetector detector;
  detector.report("peer", milliseconds(0));  // mean 2000
  CHECK(*detector.phi("peer", milliseconds(0)) == 0.0);
  CHECK(*detector.phi("peer", milliseconds(4605)) == doctest::Approx(4605.0 / 2000.0 / std::numbers::ln10));
}

TEST_CASE("with 1 s heartbeats, a silence convicts after 8 * ln 10 = 18.42 intervals, not before") {
  FailureDetector detector;
  // 1001 reports: the initial 2000 ms sample is pushed out of the 1000-sample window.
  const GossipTime last = heartbeats(detector, milliseconds(0), 1001, 1000);
  REQUIRE(*detector.mean_interval("peer") == 1000.0);

  const double limit_ms = 8.0 * std::numbers::ln10 * 1000.0;  // 18420.68
  const GossipTime just_before = last + milliseconds(static_cast<int>(std::floor(limit_ms)));
  CHECK_FALSE(convicted_between(detector, last + milliseconds(1000), just_before));
  CHECK_FALSE(detector.interpret("peer", just_before));
  CHECK(detector.interpret("peer", just_before + milliseconds(1)));
}

TEST_CASE("a young window still carries the 2 s initial value, so conviction takes longer") {
  FailureDetector detector;
  const GossipTime last = heartbeats(detector, milliseconds(0), 4, 1000);  // samples 2000, 1000, 1000, 1000
  const double mean = 5000.0 / 4;
  const auto limit = milliseconds(static_cast<int>(std::floor(8.0 * std::numbers::ln10 * mean)));  // 23025 ms
  CHECK_FALSE(convicted_between(detector, last + milliseconds(1000), last + limit));
  CHECK_FALSE(detector.interpret("peer", last + limit));
  CHECK(detector.interpret("peer", last + limit + milliseconds(1)));
}

TEST_CASE("a new heartbeat after a conviction clears the suspicion") {
  FailureDetector detector;
  const GossipTime last = heartbeats(detector, milliseconds(0), 30, 1000);
  const GossipTime late = last + milliseconds(40000);
  CHECK(convicted_between(detector, last + milliseconds(1000), late));
  detector.report("peer", late);
  CHECK_FALSE(detector.interpret("peer", late + milliseconds(1000)));
  CHECK(*detector.phi("peer", late + milliseconds(1000)) < 1.0);
}

TEST_CASE("after a local pause of more than 5 s nobody is convicted for 5 s") {
  FailureDetector detector;
  const GossipTime last = heartbeats(detector, milliseconds(0), 30, 1000);
  CHECK_FALSE(detector.interpret("peer", last + milliseconds(1000)));
  // This process stalls for 59 s: the peer's silence is not the peer's fault.
  const GossipTime resumed = last + milliseconds(60000);
  CHECK_FALSE(detector.interpret("peer", resumed));
  CHECK_FALSE(detector.interpret("peer", resumed + milliseconds(1000)));
  CHECK_FALSE(detector.interpret("peer", resumed + milliseconds(4999)));
  CHECK(detector.interpret("peer", resumed + milliseconds(5000)));
}

TEST_CASE("removing an endpoint forgets its window, and the next report opens a fresh one") {
  FailureDetector detector;
  heartbeats(detector, milliseconds(0), 30, 100);
  CHECK(*detector.mean_interval("peer") < 200.0);
  detector.remove("peer");
  CHECK_FALSE(detector.phi("peer", milliseconds(5000)).has_value());
  detector.report("peer", milliseconds(9000));
  CHECK(*detector.mean_interval("peer") == 2000.0);
}
