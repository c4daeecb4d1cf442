// What the analysis rules may know beyond one snapshot: how every node sees the cluster (the
// peer-view matrix), what runs on each node, and the seed list. Live, ringctl gathers these from
// every agent; offline (a snapshot file) they are absent and the rules fall back on the
// snapshot's own statuses and states, or say "unknown".
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/snapshot.h"

namespace ringcore {

// One node's view of the cluster, as its agent reports it.
struct PeerView {
  std::string observer;   // the node (its address) whose view this is
  bool answered = false;  // false: its agent could not be reached or failed; see `error`
  bool stale = false;     // answered with facts its agent itself calls stale (its node not answering)
  std::string error;
  ClusterSnapshot snapshot;  // statuses and states as the observer sees them (when answered)
  // How old the observer's facts were when it answered, in seconds (its agent's last
  // collection); infinity when it did not answer or did not say.
  double age_seconds = std::numeric_limits<double>::infinity();
};

// What runs on one node: operations (bootstrap, decommission, removenode, repair, cleanup, ...)
// and streams in flight.
struct NodeActivity {
  std::string address;
  std::vector<std::string> operations;
  int active_streams = 0;
  std::optional<std::int64_t> hints_pending;  // hints it holds for other nodes; absent: not reported
  // The same by the node they are for (address -> hints); absent: not reported (a Cassandra
  // agent, an older ringnode).
  std::optional<std::map<std::string, std::int64_t>> hints_by_peer;
};

struct ClusterObservations {
  std::optional<std::vector<PeerView>> views;         // live: one per agent asked
  std::optional<std::vector<NodeActivity>> activity;  // live: one per agent that answered
  std::optional<std::vector<std::string>> seeds;      // addresses, when known
};

}  // namespace ringcore
