// The check steps (step_catalog.h): health, preflight, plan_add, plan_remove, balance. Each
// surveys every agent (cluster_survey.h), judges with ringcore's rules, sends one "check"
// event per finding, and blocks the run (RunHalt kBlocked) when its verdict is at or above
// the step's block_on (default critical; "never" only reports).
#pragma once

#include <string>

#include "playbook/step_context.h"

namespace ringctl::playbook {

StepOutcome run_check(const std::string& name, StepContext& context);

}  // namespace ringctl::playbook
