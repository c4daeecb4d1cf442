#include "request_window.h"

namespace ringd {

RequestWindow::RequestWindow(Clock::duration span) : span_(span) {}

std::optional<RequestWindow::Counts> RequestWindow::add(Clock::time_point at, std::int64_t requests_total,
                                                        std::int64_t dropped_total) {
  if (!samples_.empty() && (requests_total < samples_.back().requests || dropped_total < samples_.back().dropped)) {
    samples_.clear();  // the node restarted: its counters count from zero again
  }
  samples_.push_back({at, requests_total, dropped_total});
  // Keep one sample at least `span` old as the start; drop the ones before it.
  while (samples_.size() > 1 && at - samples_[1].at >= span_) samples_.pop_front();

  const Sample& start = samples_.front();
  if (at <= start.at) return std::nullopt;
  return Counts{requests_total - start.requests, dropped_total - start.dropped,
                std::chrono::duration<double>(at - start.at).count()};
}

}  // namespace ringd
