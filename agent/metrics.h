// ringd's /metrics: the Prometheus text exposition of what the collector last learnt.
//
// Collect-on-scrape, like node_exporter: every call builds a fresh prometheus::Registry from a
// copy of the cached facts and serialises it, so a scrape never touches the backend and the
// series always match one collection. docs/metrics.md lists every metric.
#pragma once

#include <chrono>
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

}  // namespace ringd
