// The analysis thresholds a command uses: the seeds' defaults, with the cluster config's
// `thresholds:` (cluster_config.h) over them. health takes them all (and its --threshold flags
// over these); rebalance the two limits it shares with health.
#pragma once

#include "ringcore/health_checks.h"
#include "ringcore/rebalance.h"
#include "snapshot_source.h"

namespace ringctl {

// The defaults with the config's top-level thresholds over them, then those of the cluster the
// command reads: the one --cluster names, else the default one when its agents are asked
// (neither --ring nor -h). No config file: the defaults. Throws ringcore::Error for a config
// that cannot be read or is malformed (naming the file, the key and its line).
ringcore::HealthThresholds configured_health_thresholds(const SnapshotSource& source);

// What rebalance shares with health: ownership_balance_warn as its ownership spread (both
// "max / mean effective ownership per DC, over"), and density_margin (cleanup debt, hotspots).
ringcore::RebalanceThresholds shared_rebalance_thresholds(const ringcore::HealthThresholds& health);

}  // namespace ringctl
