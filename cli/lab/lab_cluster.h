// Watching a lab cluster through its nodes' admin APIs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringcore/snapshot.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {

// The cluster as `observer` sees it (GET /v1/cluster on its native port).
ringcore::Result<ringcore::ClusterSnapshot> observe(const Lab& lab, const LabNode& observer,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Waits until every node in `observers` sees every node in `expected` up and normal, and all
// observers report the same schema version (schema agreement). Shows
// progress on stderr when it is a terminal. Throws ringcore::Error (kFailed) at the deadline,
// saying which observer sees which node how. Looks every 250 ms on `clock` (tests pass a fake).
void wait_until_converged(const Lab& lab, const std::vector<const LabNode*>& observers,
                          const std::vector<const LabNode*>& expected, std::chrono::seconds timeout,
                          const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Waits until the agent (ringd) of every node in `agents` serves a view (GET /v1/cluster) in
// which every node in `expected` is up and normal: what a bare `ringctl status` shows then.
// Throws ringcore::Error (kFailed) at the deadline, saying which agent shows what. Looks every
// 250 ms on `clock`.
void wait_until_agents_see(const Lab& lab, const std::vector<const LabNode*>& agents,
                           const std::vector<const LabNode*>& expected, std::chrono::seconds timeout,
                           const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Waits until the agent of every node in `agents` serves a view that lists `keyspace`: what a
// command run next (status, health, a playbook's checks) reads. Looks every 250 ms on `clock`;
// throws ringcore::Error (kFailed) at the deadline naming the agents that do not list it.
void wait_until_agents_list(const Lab& lab, const std::vector<const LabNode*>& agents, const std::string& keyspace,
                            std::chrono::seconds timeout,
                            const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Follows the bootstrap job of `node` (just started by `lab add`) on its admin API until it
// ends, drawing its progress (bytes streamed, %, ETA) on stderr when that is a terminal.
// Returns at once when the node joined without a bootstrap job. Throws ringcore::Error when
// the job fails, the node exits, or `timeout` passes. Looks for the job every 200 ms on
// `clock`, then follows it as wait_for_job does.
void follow_bootstrap(const Lab& lab, const LabNode& node, std::chrono::seconds timeout,
                      const ringruntime::WaitClock& clock = ringruntime::real_clock());

// The tokens `node` owns (GET /v1/node), sorted, once it is normal; nullopt while it is
// starting or joining (its tokens may still change) or when it does not answer.
std::optional<std::vector<ringcore::Token>> owned_tokens(const Lab& lab, const LabNode& node);

// The nodes whose ringnode process runs.
std::vector<const LabNode*> running_nodes(const Lab& lab);

}  // namespace ringctl::lab
