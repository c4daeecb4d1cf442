// Health checks over a cluster: one verdict per check and one overall, with the thresholds of
// the seeds' capacity table and alert thresholds (the operators' "Scaling Operations" checklist) as
// defaults. Pure: the caller brings the snapshot and, live, what every agent said.
//
// Checks (names as printed; `value` is the worst figure, `threshold` the level it is held to):
//   nodes_up_normal       every node up and normal in every view; down anywhere is critical,
//                         not normal (joining, leaving, moving) or status unknown is warn
//   agents_reachable      live only: an agent that did not answer (warn; its node is judged
//                         by the others' views)
//   partitions            live only: the nodes whose agents answer with current views split
//                         into groups that do not see each other up (critical), e.g. a node cut
//                         off from its peers while it runs; a dead node is no group (its agent's
//                         view is stale or missing)
//   one_way_partitions    live only: a node holding hints for peers that every current view
//                         sees up (warn): its writes do not reach them though gossip does, a
//                         one-way cut or a firewall; unknown when no agent reports hints by
//                         endpoint (Cassandra's agents do not)
//   streaming_operations  no stream and no running operation on any node (warn)
//   schema_agreement      one schema version across the views that report one (warn)
//   disk_usage            used / total per node: warn from 70%, critical from 80%; 50-60-70%
//                         add a note (target < 50%, add nodes before 60%)
//   pending_compactions   warn over 50, critical over 100
//   dropped_messages      dropped / requests: warn over 0.1%, critical over 1%
//   cpu_utilization       warn from 60%
//   memory_usage          used / limit: warn from 80%
//   read_latency_p99      warn from 50 ms;  write_latency_p99: warn from 25 ms
//   ownership_balance     per DC, max / mean effective ownership: warn over 1.2
//   load_skew             per DC, max / mean load: warn over 1.25
//   cleanup_debt          nodes holding more than their ranges (rebalance.h), warn
//   replica_availability  per keyspace and DC, the fewest live replicas of any range: warn
//                         under rf, critical under a quorum (rf / 2 + 1); a DC with fewer
//                         nodes than its rf (none, once its last node left) counts as such
// A check whose figures are unknown for every node is `unknown`; with some nodes unknown it
// judges the others and names the unknown ones in its message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/cluster_observations.h"
#include "ringcore/error.h"
#include "ringcore/snapshot.h"
#include "ringcore/verdict.h"

namespace ringcore {

struct HealthThresholds {
  double disk_note = 0.50;       // "target < 50%"
  double disk_add_nodes = 0.60;  // "add nodes before 60%"
  Limit disk{0.70, 0.80, false};
  Limit pending_compactions{50, 100, true};
  Limit dropped_messages{0.001, 0.01, true};
  Limit cpu{0.60, std::nullopt, false};
  Limit memory{0.80, std::nullopt, false};
  Limit read_latency_p99{0.050, std::nullopt, false};
  Limit write_latency_p99{0.025, std::nullopt, false};
  Limit ownership_balance{1.20, std::nullopt, true};
  Limit load_skew{1.25, std::nullopt, true};
  double density_margin = 0.15;  // cleanup debt / hotspot: bytes per owned range this far above
};

// The names --threshold NAME=VALUE takes: disk_warn, disk_critical, pending_compactions_warn,
// ..., each check's levels as "<check>_warn" / "<check>_critical", plus density_margin.
std::vector<std::string> threshold_names();
// Sets one threshold by name. Errors (kInvalidInput): an unknown name (listing the names) or a
// negative value.
Status set_threshold(HealthThresholds& thresholds, std::string_view name, double value);

struct HealthCheck {
  std::string name;
  CheckStatus status = CheckStatus::kUnknown;
  std::optional<double> value;      // the worst figure, when one is known
  std::optional<double> threshold;  // the level crossed, else the warn level
  std::string message;
  std::vector<std::string> nodes;  // addresses concerned
};

struct HealthReport {
  CheckStatus status = CheckStatus::kOk;  // over the checks; unknown ones never count
  std::vector<HealthCheck> checks;
};

// All the checks, in the order above. `keyspace` limits ownership_balance and
// replica_availability to one keyspace. Errors: an unknown keyspace (kNotFound).
Result<HealthReport> check_health(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                  const HealthThresholds& thresholds, const std::optional<std::string>& keyspace);

// The checks plan remove shares with health. `not_normal` is the status a node that is not
// normal gets (warn for health, critical for a removal, which must wait for it).
HealthCheck check_nodes_up_normal(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                  CheckStatus not_normal);
HealthCheck check_streaming_operations(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                       CheckStatus running);
HealthCheck check_schema_agreement(const ClusterObservations& observations);

// The partitions check: two nodes are together when each sees the other up (a node missing from
// a view counts as not seen down); the groups are what that joins. Among fewer than two current
// views, unknown.
HealthCheck check_partitions(const ClusterObservations& observations);

// Hints held for other nodes (what a node that was down still has to receive), from the
// activity of the nodes whose agents report them: warn while any node holds some, naming it and
// how many; unknown when no agent reports hints (Cassandra's agents do not yet). The readiness
// gate of a rolling restart waits for this before the next node goes down.
HealthCheck check_hints_pending(const ClusterObservations& observations);

}  // namespace ringcore
