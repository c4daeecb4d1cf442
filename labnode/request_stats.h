// RequestStats: what the node's coordinator did with client requests, for the node facts
// (docs/ringnode-api.md: "capacity" and "requests") and nodetool tpstats.
//
// Per operation (read, write): requests in flight, requests finished, requests dropped, and
// latency quantiles over a sliding window (LatencyWindow: the last 60 s in 6 slices).
// A request is dropped when the coordinator could not serve it: too few replicas answered
// within the timeout, or were up to ask (Cassandra counts timeouts and unavailables apart;
// here both are requests the client did not get served), or the node refused it (shed: a
// decommissioned node). Dropped requests are also finished, and their latency counts.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "latency_window.h"

namespace ringnode {

enum class RequestKind { kRead, kWrite };

struct RequestSummary {
  std::uint64_t active = 0;     // in flight now
  std::uint64_t completed = 0;  // finished (served or dropped)
  std::uint64_t dropped = 0;
  double latency_sum_seconds = 0;     // of every finished request since the node started
  std::optional<double> p50_seconds;  // nullopt: nothing finished within the window
  std::optional<double> p99_seconds;
};

class RequestStats {
 public:
  static constexpr std::chrono::seconds kWindow{60};
  static constexpr int kSlices = 6;

  RequestStats();

  void started(RequestKind kind);
  // `now` is the time the request finished (steady clock, any fixed origin).
  void finished(RequestKind kind, std::chrono::microseconds latency, bool dropped, std::chrono::nanoseconds now);
  RequestSummary summary(RequestKind kind, std::chrono::nanoseconds now) const;

 private:
  struct PerKind {
    std::atomic<std::uint64_t> active{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> latency_sum_micros{0};
    LatencyWindow latencies{kWindow, kSlices};  // guarded by RequestStats::mutex_
  };
  PerKind& of(RequestKind kind) { return kinds_[kind == RequestKind::kRead ? 0 : 1]; }
  const PerKind& of(RequestKind kind) const { return kinds_[kind == RequestKind::kRead ? 0 : 1]; }

  mutable std::mutex mutex_;
  std::array<PerKind, 2> kinds_;
};

}  // namespace ringnode
