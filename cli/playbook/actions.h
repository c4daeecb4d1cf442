// The act steps (step_catalog.h): start_node and stop_node through the run's launcher;
// repair, cleanup, decommission and removenode as agent jobs on the node's own agent (never
// another), followed to their end with progress events; setstreamthroughput as the node's
// agent's setting (PUT /v1/streams/throughput), as `ringctl setstreamthroughput` sets it.
//
// Never twice: the node a start_node plans, and the job an operation starts, are written to
// the step's journal record before anything waits on them. A resumed run starts the planned
// node (launchers are idempotent) and re-attaches to the recorded job; only when the agent
// no longer knows the job, or the job failed (what stopped the run), does it ask again, and the
// agent's one-operation rule answers with the running job instead of starting another.
//
// An agent job's step ends once the node's agent has collected after the job ended (or 10 s
// have passed: event facts_not_refreshed), so that the checks that follow, reading each node's
// own agent (cluster_survey.h), see the node as the operation left it.
#pragma once

#include <string>

#include "playbook/step_context.h"
#include "ringruntime/wait.h"

namespace ringctl::playbook {

// `clock`: time for following the job and for the collection wait (tests pass a fake one).
StepOutcome run_action(const std::string& name, StepContext& context,
                       const ringruntime::WaitClock& clock = ringruntime::real_clock());

// What the action would do, for --dry-run: nothing is changed.
std::string describe_action(const std::string& name, const StepContext& context);

// The agent address of the node at `address`: the cluster's agent on that host, else the host
// with the agents' port. Throws as agent_options.
std::string agent_for_node(const SnapshotSource& source, const std::string& address);

}  // namespace ringctl::playbook
