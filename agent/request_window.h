// RequestWindow: the client requests a node finished and the ones it dropped over the last few
// minutes, from its counters since it started.
//
// The node's counters (and nodetool tpstats) count from the node's start, so one burst of drops
// a week ago would keep `ringctl health` warning for as long as the node runs. An operator judges
// drops over a recent window, as rate(ringd_dropped_messages_total[5m]) does (docs/metrics.md).
//
// The collector adds a sample after each collection. The window's figures are the difference
// between the newest sample and the newest one at least `span` older, or the oldest one kept
// while the agent has run for less than `span` (the figures say how many seconds they cover).
// Counters that go back (the node restarted) start the window again.
//
// Not thread-safe: one collecting thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace ringd {

class RequestWindow {
 public:
  using Clock = std::chrono::steady_clock;

  struct Counts {
    std::int64_t requests = 0;
    std::int64_t dropped = 0;
    double seconds = 0;  // the time between the two samples compared
  };

  explicit RequestWindow(Clock::duration span);

  // Adds the counters read at `at` (not before the previous sample's time) and returns the
  // window's figures; nullopt until two samples some time apart are kept.
  std::optional<Counts> add(Clock::time_point at, std::int64_t requests_total, std::int64_t dropped_total);

 private:
  struct Sample {
    Clock::time_point at;
    std::int64_t requests;
    std::int64_t dropped;
  };

  Clock::duration span_;
  std::deque<Sample> samples_;  // oldest first; the front is the window's start
};

}  // namespace ringd
