// Watching a lab cluster through its nodes' admin APIs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringcore/snapshot.h"

namespace ringctl::lab {

// The cluster as `observer` sees it (GET /v1/cluster on its native port).
ringcore::Result<ringcore::ClusterSnapshot> observe(const Lab& lab, const LabNode& observer,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Waits until every node in `observers` sees every node in `expected` up and normal, and all
// observers report the same schema version (schema agreement). Shows
// progress on stderr when it is a terminal. Throws ringcore::Error (kFailed) at the deadline,
// saying which observer sees which node how.
void wait_until_converged(const Lab& lab, const std::vector<const LabNode*>& observers,
                          const std::vector<const LabNode*>& expected, std::chrono::seconds timeout);

// The nodes whose ringnode process runs.
std::vector<const LabNode*> running_nodes(const Lab& lab);

}  // namespace ringctl::lab
