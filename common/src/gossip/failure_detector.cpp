#include "ringcore/gossip/failure_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace ringcore::gossip {
namespace {

std::uint32_t to_sample(GossipTime interval) {
  const auto ms = std::max<std::int64_t>(interval.count(), 0);  // a clock step backwards counts as 0
  return static_cast<std::uint32_t>(std::min<std::int64_t>(ms, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

void FailureDetector::ArrivalWindow::add(std::uint32_t interval, std::size_t window_size) {
  if (intervals.size() < window_size) {
    intervals.push_back(interval);
  } else {
    sum -= intervals[oldest];
    intervals[oldest] = interval;
    oldest = (oldest + 1) % window_size;
  }
  sum += interval;
}

void FailureDetector::report(const std::string& endpoint, GossipTime now) {
  ArrivalWindow* window = windows_.find(endpoint, cursor_);
  if (window == nullptr) {
    window = windows_.try_emplace(endpoint).first;
    // Start high: a too-large mean delays a conviction, a too-small one makes nodes flap.
    window->add(to_sample(config_.initial_interval), config_.window_size);
  } else if (now - window->last_arrival <= config_.max_interval) {
    window->add(to_sample(now - window->last_arrival), config_.window_size);
  }
  window->last_arrival = now;
}

bool FailureDetector::interpret(const std::string& endpoint, GossipTime now) {
  const ArrivalWindow* window = windows_.find(endpoint, cursor_);
  if (window == nullptr) return false;
  const std::optional<GossipTime> previous = last_interpret_;
  last_interpret_ = now;
  if (previous && now - *previous > config_.max_local_pause) {
    last_pause_ = now;
    return false;
  }
  if (last_pause_ && now - *last_pause_ < config_.max_local_pause) return false;
  return window->phi(now) > config_.phi_convict_threshold;
}

double FailureDetector::ArrivalWindow::phi(GossipTime now) const {
  const double silence = static_cast<double>((now - last_arrival).count());
  if (sum <= 0) return silence > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return silence / mean() / std::numbers::ln10;
}

std::optional<double> FailureDetector::phi(const std::string& endpoint, GossipTime now) const {
  const ArrivalWindow* window = windows_.find(endpoint);
  if (window == nullptr) return std::nullopt;
  return window->phi(now);
}

std::optional<double> FailureDetector::mean_interval(const std::string& endpoint) const {
  const ArrivalWindow* window = windows_.find(endpoint);
  if (window == nullptr) return std::nullopt;
  return window->mean();
}

std::optional<GossipTime> FailureDetector::last_arrival(const std::string& endpoint) const {
  const ArrivalWindow* window = windows_.find(endpoint);
  if (window == nullptr) return std::nullopt;
  return window->last_arrival;
}

void FailureDetector::remove(const std::string& endpoint) { windows_.erase(endpoint); }

}  // namespace ringcore::gossip
