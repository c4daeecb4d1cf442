// The seed lists after a topology change: the seeds' "Update seed list if node was a seed" item
// (Step 6 of removing a node) and, after adding nodes, where the seeds are. Pure: the seed lists
// come from the agents (each node's configured list, ClusterObservations::seeds).
#pragma once

#include "ringcore/cluster_observations.h"
#include "ringcore/health_checks.h"
#include "ringcore/snapshot.h"

namespace ringcore {

// "seed_lists": warn for a seed that is no longer a ring member (still in some node's list: its
// configuration must drop it) and for a datacenter with members but no seed among them (a node
// restarting there needs a seed to rejoin through); ok otherwise, naming the seeds by DC;
// unknown when no agent reports a seed list. Seeds are read at start: the message says so.
HealthCheck check_seed_lists(const ClusterSnapshot& snapshot, const ClusterObservations& observations);

}  // namespace ringcore
