// The wait steps (step_catalog.h): a named condition asked of every agent (cluster_survey.h),
// polled with back-off until it holds or the step's timeout passes (kTimedOut: the run stops
// resumable, exit 3), sending "progress" events as it moves.
//
// node_normal_everywhere also watches the seeds' alerts during scaling: a joining node's
// bootstrap stream without progress for with.stall_warn seconds warns and for
// with.stall_critical stops the run (kTimedOut); the health thresholds for pending
// compactions, dropped messages and disk warn at their warn level and stop the run at their
// critical level. A joining node that every other view shows down for with.down_after seconds
// (default 30: killed, or cut off) fails the step (kFailed), saying to restart it and resume.
#pragma once

#include <string>

#include "playbook/step_context.h"
#include "ringruntime/wait.h"

namespace ringctl::playbook {

// `clock`: time for the polls and the stall alert (tests pass a fake one).
StepOutcome wait_for_condition(const std::string& name, StepContext& context,
                               const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Whether `address` is in no other node's view, every other agent answering: what shows a
// decommission ended when its own agent no longer answers.
bool has_left_every_view(const StepContext& context, const std::string& address);

}  // namespace ringctl::playbook
