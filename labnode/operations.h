// The operations a node runs for an operator, each as a job (job_registry.h), each in a file
// of its own: bootstrap.cpp, decommission.cpp, removenode.cpp, cleanup.cpp, repair.cpp.
//
// Every start_* function checks at once what Cassandra checks before it changes anything and
// refuses with kConflict (a state that does not allow it: another job, nodes joining or
// leaving, too few nodes left for a keyspace's rf), kNotFound (an unknown host id or keyspace)
// or kInvalidInput; on success the job runs in the background. Asking again while the same
// operation runs returns the running job (StartedJob::created false).
//
// Data movement follows ringcore's movement plan (common/include/ringcore/movement.h): the
// node streams exactly the plan's moves, and records the plan's estimate next to the bytes it
// streamed (result "planned_bytes" and "bytes_streamed").
#pragma once

#include <optional>
#include <string>

#include "job_registry.h"
#include "ringcore/error.h"
#include "ringcore/token.h"

namespace ringnode {

class Node;

// Joins the ring: announces BOOT with the node's tokens, waits until every live peer has seen
// it (so their writes also reach this node), streams every range the node gains from the
// plan's source, then announces NORMAL. Resumed from the start after a restart.
ringcore::Result<StartedJob> start_bootstrap(Node& node);

// Leaves the ring: LEAVING, stream every range to the node that gains it, LEFT; the node then
// stops serving data. Refused below a keyspace's rf unless `force`. On failure the node
// announces NORMAL again (mode DECOMMISSION_FAILED) and may be decommissioned again.
ringcore::Result<StartedJob> start_decommission(Node& node, bool force);

// Removes a dead node: announces it "removing" on its behalf, restores each range's replica
// count from the surviving replicas (this node relays the rows), then announces it "removed".
ringcore::Result<StartedJob> start_removenode(Node& node, const std::string& host_id);

// Drops the rows of ranges this node no longer replicates (all keyspaces, or one).
ringcore::Result<StartedJob> start_cleanup(Node& node, const std::optional<std::string>& keyspace);

struct RepairRequest {
  std::optional<std::string> keyspace;        // all keyspaces with rf > 1 when absent
  bool primary_range = false;                 // only the ranges this node is the primary replica of
  std::optional<ringcore::TokenRange> range;  // only tokens in (start, end]
};

// Compares Merkle trees of every range this node replicates (or primary ranges) between its
// replicas, and streams the newest copy of the rows in the leaf ranges that differ to the
// replicas that lack it.
ringcore::Result<StartedJob> start_repair(Node& node, const RepairRequest& request);

}  // namespace ringnode
