// The health thresholds a check or wait step uses: the seeds' defaults, the cluster config's
// `thresholds:` over them (configured_thresholds.h, as the health command), and the step's
// with.<threshold name> (disk_warn, pending_compactions_critical, ...:
// ringcore::threshold_names()) over those.
#pragma once

#include "playbook/templates.h"
#include "ringcore/health_checks.h"
#include "snapshot_source.h"

namespace ringctl::playbook {

// Throws ringcore::Error (kInvalidInput) for a value that is not a number, naming it, and as
// configured_health_thresholds for a malformed config.
ringcore::HealthThresholds step_thresholds(const SnapshotSource& source, const Values& params);

}  // namespace ringctl::playbook
