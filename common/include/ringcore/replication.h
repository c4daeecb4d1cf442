// Replication settings of a keyspace, as CQL shows them, parsed into a strategy.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ringcore/error.h"

namespace ringcore {

enum class StrategyKind { kSimple, kNetworkTopology, kLocal };

struct Replication {
  StrategyKind kind = StrategyKind::kSimple;
  int replication_factor = 0;  // SimpleStrategy: all replicas (full + transient)
  // NetworkTopologyStrategy: {dc, all replicas}, in the order given. DCs set to 0 are kept.
  std::vector<std::pair<std::string, int>> datacenters;
  // The map exactly as CQL shows it ("class" first), kept for output.
  std::vector<std::pair<std::string, std::string>> options;

  int total_replicas() const;
  // The rf of `dc`: for SimpleStrategy the rf, for NTS the DC's rf or 0.
  int replicas_in(const std::string& dc) const;
  // Cassandra's hasSameSettings: same strategy class and equal replication factors.
  bool same_settings_as(const Replication& other) const;
};

// Builds a Replication from CQL's map, e.g. {"class": "NetworkTopologyStrategy", "dc1": "3"}.
// Accepts short and fully qualified class names and rf values such as "3" or "3/1"
// (transient replicas count towards placement). Unknown classes are kUnsupported.
Result<Replication> parse_replication(const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace ringcore
