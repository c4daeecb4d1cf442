// The lab's agents (one ringd per node) and the lab's entry in the cluster config, so that a
// bare `ringctl status` asks them.
#pragma once

#include <chrono>
#include <vector>

#include "lab/lab_layout.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {

// Whether any member's agent runs.
bool has_agents(const Lab& lab);

// Starts an agent for every running member without one, waits until each is ready (has
// collected from its node once), registers the lab's agents as the cluster named after the lab
// (the default one if there is none) in the cluster config and records that in lab.json.
// Without a ringd binary the lab runs without agents (a warning). Throws ringcore::Error at the
// deadline.
void start_agents(Lab& lab, std::chrono::seconds timeout);

// Waits until the agent of each of `nodes` is ready (GET /v1/health/ready: it has collected
// from its node once), asking every 100 ms on `clock`, all within `timeout`. Throws
// ringcore::Error (kFailed) at the deadline naming the first agent not ready, its last error
// and its log.
void wait_for_agents(const Lab& lab, const std::vector<const LabNode*>& nodes, std::chrono::seconds timeout,
                     const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Brings the lab's registration up to date after members left: its agents are the members'.
// Nothing when this lab did not register itself, or the entry under its name is another's.
void update_lab_cluster(const Lab& lab);

// Takes the lab out of the cluster config (and as its default) under the same conditions.
void unregister_lab_cluster(const Lab& lab);

}  // namespace ringctl::lab
