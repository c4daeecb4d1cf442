#include "request_stats.h"

#include <algorithm>

namespace ringnode {

RequestStats::RequestStats() = default;

void RequestStats::started(RequestKind kind) { of(kind).active.fetch_add(1); }

void RequestStats::finished(RequestKind kind, std::chrono::microseconds latency, bool dropped,
                            std::chrono::nanoseconds now) {
  PerKind& stats = of(kind);
  {
    std::lock_guard lock(mutex_);
    stats.latencies.record(latency, now);
  }
  stats.latency_sum_micros.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency.count())));
  stats.completed.fetch_add(1);
  if (dropped) stats.dropped.fetch_add(1);
  stats.active.fetch_sub(1);
}

RequestSummary RequestStats::summary(RequestKind kind, std::chrono::nanoseconds now) const {
  const PerKind& stats = of(kind);
  RequestSummary summary;
  summary.active = stats.active.load();
  summary.completed = stats.completed.load();
  summary.dropped = stats.dropped.load();
  summary.latency_sum_seconds = static_cast<double>(stats.latency_sum_micros.load()) / 1e6;
  const auto seconds = [](std::chrono::microseconds micros) { return std::chrono::duration<double>(micros).count(); };
  std::lock_guard lock(mutex_);
  if (auto p50 = stats.latencies.quantile(0.5, now)) summary.p50_seconds = seconds(*p50);
  if (auto p99 = stats.latencies.quantile(0.99, now)) summary.p99_seconds = seconds(*p99);
  return summary;
}

}  // namespace ringnode
