// ringd's /metrics: the Prometheus text exposition of what the collector last learnt.
//
// Collect-on-scrape, like node_exporter: every call builds a fresh prometheus::Registry from a
// copy of the cached facts and serialises it, so a scrape never touches the backend and the
// series always match one collection. docs/metrics.md lists every metric.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "collected_facts.h"

namespace ringd {

// This agent's node, put on every series as the labels cluster, dc, rack and node (the node's
// address), so series from all agents of a cluster can be told apart and joined.
struct MetricsIdentity {
  std::string cluster;
  std::string dc;
  std::string rack;
  std::string node;

  bool operator==(const MetricsIdentity&) const = default;
};

// The Prometheus text format (version 0.0.4) of `facts` as seen at `now`.
//
// Always present: the agent's own health (ringd_node_up, ringd_collection_duration_seconds,
// ringd_collections_total, ringd_backend_errors_total, ringd_cache_stale and, once a
// collection succeeded, ringd_cache_age_seconds = now - collected_at). The data is stale when
// no collection succeeded within 3 × `interval` (the collector's interval), as the API's
// freshness says. Every other family comes from one document of `facts` and is left out while
// that document is null (before the first collection) or lacks the fields it needs. Effective
// ownership is ringcore's (ownership.h) over facts.cluster; a snapshot that does not parse
// gives no ownership series (the other families are unaffected).
//
// Never throws on odd documents: fields of the wrong type are skipped.
// Thread-safety: safe to call concurrently. The result depends only on the arguments; the
// ownership numbers of the last ring seen are kept inside (behind a lock) and reused while the
// tokens, nodes and keyspaces are unchanged, since parsing a large snapshot costs far more
// than the rest of a scrape.
std::string render_metrics(const CollectedFacts& facts, const MetricsIdentity& who,
                           std::chrono::system_clock::time_point now, std::chrono::duration<double> interval);

// render_metrics for the agent's scrapes: the text of every family that depends on the facts
// alone is kept for the last facts object (the collector publishes a new one per collection) and
// reused until another comes, so many scrapes of one collection build and serialise its
// registry once; the time-dependent families (ringd_cache_age_seconds, ringd_cache_stale,
// ringd_job_eta_seconds) are rendered afresh for each. The answer is render_metrics' for the
// same arguments, byte for byte. Under wrk, rendering every family per scrape held ringd's
// /metrics at a quarter of a bare server's rate (bench/ringd_load_bench.sh).
// While no job runs, the time-dependent families are the cache's age and staleness alone: their
// text is kept too, cut where their two values go, and a scrape writes only the two numbers.
// Building and serialising a registry for them was, under wrk, 14% of ringd's CPU (perf: most
// of what /metrics cost beyond sending it); with a job running (its ETA) they are rendered
// per scrape as before.
// Thread-safety: render() may be called concurrently.
class MetricsCache {
 public:
  std::string render(const std::shared_ptr<const CollectedFacts>& facts, const MetricsIdentity& who,
                     std::chrono::system_clock::time_point now, std::chrono::duration<double> interval);

 private:
  // The timed families' text with the places of their values (the age's only with a collection).
  struct TimedFrame {
    bool has_age = false;
    std::string before_age, before_stale, after;
  };
  struct Rendered {
    std::string collected;            // the families of the facts alone
    std::optional<TimedFrame> timed;  // none: render the timed families per scrape
  };
  static std::optional<TimedFrame> timed_frame(const CollectedFacts& facts, const MetricsIdentity& who);

  std::mutex mutex_;
  std::shared_ptr<const CollectedFacts> facts_;  // held, so its address is never another's
  MetricsIdentity who_;
  std::shared_ptr<const Rendered> rendered_;  // shared, so a scrape copies no text under the lock
};

}  // namespace ringd
