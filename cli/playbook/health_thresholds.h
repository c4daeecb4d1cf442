// The health thresholds a check or wait step sets as with.<threshold name> (disk_warn,
// pending_compactions_critical, ...: ringcore::threshold_names()), over the seeds' defaults.
#pragma once

#include "playbook/templates.h"
#include "ringcore/health_checks.h"

namespace ringctl::playbook {

// Throws ringcore::Error (kInvalidInput) for a value that is not a number, naming it.
ringcore::HealthThresholds thresholds_from_params(const Values& params);

}  // namespace ringctl::playbook
