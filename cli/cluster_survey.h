// Every node's view: the analysis commands (health, plan, rebalance) ask EVERY agent of the
// cluster, concurrently, instead of the first that answers. Each agent gives its view of the
// cluster (/v1/cluster: statuses as its node sees them), its node's facts (/v1/node "capacity"),
// and what runs there (/v1/jobs, /v1/streams). An agent that cannot be reached or fails is
// recorded as a view that did not answer: a finding for the checks, never a hang (each agent
// has its own timeout, and at most `parallelism` are asked at once).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "ringcore/cluster_observations.h"
#include "ringcore/snapshot.h"
#include "snapshot_source.h"

namespace ringctl {

struct SurveyOptions {
  std::size_t parallelism = 32;
  std::chrono::milliseconds timeout = std::chrono::seconds(3);  // per request to one agent
};

struct ClusterSurvey {
  // The freshest answering agent's snapshot (the smallest freshness age), asked of it once more
  // and parsed whole (an agent whose snapshot does not parse counts as not answering, and the
  // next freshest is taken), each node's capacity and load filled from its own agent's /v1/node
  // where that agent answered. The load is the node's own figure: the gossiped one lags a change
  // (a cleanup's end) by gossip rounds, and checks run right after an operation read it.
  ringcore::ClusterSnapshot snapshot;
  std::string snapshot_from;  // the agent it came from; "" for a ring file
  // Absent for a ring file; live: one view per agent asked, activity per agent that answered.
  // A view's snapshot holds what the checks read from every view, and only that: each node's
  // address, status and state, and the schema version (no tokens, keyspaces or loads: parsing
  // every view whole grows as agents x nodes x tokens).
  ringcore::ClusterObservations observations;
};

// --ring FILE: the file's snapshot and no observations. Otherwise every agent of -h or the
// cluster config, as above. Throws ringcore::Error: kUnavailable when no agent answered (the
// message lists each agent's error), and the errors of load_snapshot/agent_options.
ClusterSurvey survey_cluster(const SnapshotSource& source, const SurveyOptions& options = {});

}  // namespace ringctl
