// The phi accrual failure detector, as Cassandra's FailureDetector (nodetool-facts §6.2).
//
// For every endpoint it keeps the last `window_size` intervals between heartbeat arrivals
// (a window starts with one sample of `initial_interval`; intervals above `max_interval` are
// dropped). The suspicion level is
//     phi = (now - last arrival) / mean(window) / ln 10
// (the value Cassandra's PhiValues reports), and an endpoint is convicted when
// phi > phi_convict_threshold: with the default 8 after a silence longer than
// 8 * ln 10 = 18.42 mean intervals.
// If interpret() itself was not called for more than max_local_pause (this process was
// paused, not the peers), nothing is convicted in that call or for max_local_pause after it.
//
// Time is passed in: a monotonic clock in milliseconds whose origin does not matter.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/gossip/endpoint_map.h"

namespace ringcore::gossip {

using GossipTime = std::chrono::milliseconds;

struct FailureDetectorConfig {
  GossipTime initial_interval{2000};  // 2 x the gossip interval (cassandra.fd_initial_value_ms)
  GossipTime max_interval{2000};      // Cassandra 4.1's default: the initial value
  std::size_t window_size = 1000;     // REQUIRES: > 0
  double phi_convict_threshold = 8.0;
  GossipTime max_local_pause{5000};  // cassandra.max_local_pause_in_ms
};

class FailureDetector {
 public:
  explicit FailureDetector(FailureDetectorConfig config = {}) : config_(config) {}

  // A newer heartbeat of `endpoint` arrived at `now`. The first report of an endpoint opens
  // its window.
  void report(const std::string& endpoint, GossipTime now);

  // Whether `endpoint` should be convicted at `now` (see the pause rule above). False for
  // endpoints never reported. Call it for every endpoint once per gossip round.
  bool interpret(const std::string& endpoint, GossipTime now);

  // phi (already divided by ln 10) of `endpoint` at `now`; nullopt for endpoints never reported.
  std::optional<double> phi(const std::string& endpoint, GossipTime now) const;

  // The mean of the endpoint's window in milliseconds; nullopt for endpoints never reported.
  std::optional<double> mean_interval(const std::string& endpoint) const;

  // When the endpoint's last heartbeat arrived; nullopt for endpoints never reported.
  std::optional<GossipTime> last_arrival(const std::string& endpoint) const;

  // Forgets the endpoint's window, e.g. when it restarts: the next report opens a new one.
  void remove(const std::string& endpoint);

  const FailureDetectorConfig& config() const { return config_; }

 private:
  // A ring buffer that grows to window_size only as samples arrive, since a simulation holds
  // a million windows. Intervals are whole milliseconds, capped at 2^32 - 1 (49 days).
  struct ArrivalWindow {
    std::vector<std::uint32_t> intervals;
    std::size_t oldest = 0;  // next slot to overwrite once the window is full
    std::int64_t sum = 0;
    GossipTime last_arrival{0};

    void add(std::uint32_t interval, std::size_t window_size);
    double mean() const { return static_cast<double>(sum) / static_cast<double>(intervals.size()); }
    double phi(GossipTime now) const;
  };

  FailureDetectorConfig config_;
  EndpointMap<ArrivalWindow> windows_;
  std::size_t cursor_ = 0;  // the gossiper reports and judges endpoints in address order
  std::optional<GossipTime> last_interpret_;
  std::optional<GossipTime> last_pause_;
};

}  // namespace ringcore::gossip
