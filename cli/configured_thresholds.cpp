#include "configured_thresholds.h"

#include "cluster_config.h"

namespace ringctl {

ringcore::HealthThresholds configured_health_thresholds(const SnapshotSource& source) {
  ringcore::HealthThresholds thresholds;
  const auto config = load_cluster_config(cluster_config_path());
  if (!config) return thresholds;
  const bool default_cluster_read = source.cluster.empty() && source.ring_file.empty() && source.host.empty();
  const std::string cluster = default_cluster_read ? config->default_cluster : source.cluster;
  for (const auto& [name, value] : configured_thresholds(*config, cluster)) {
    ringcore::set_threshold(thresholds, name, value).value_or_throw();  // the config's names were checked
  }
  return thresholds;
}

ringcore::RebalanceThresholds shared_rebalance_thresholds(const ringcore::HealthThresholds& health) {
  ringcore::RebalanceThresholds thresholds;
  if (health.ownership_balance.warn) thresholds.ownership_spread = *health.ownership_balance.warn;
  thresholds.density_margin = health.density_margin;
  return thresholds;
}

}  // namespace ringctl
