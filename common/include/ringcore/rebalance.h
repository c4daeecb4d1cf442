// Imbalance and its likely cause, as the seeds' table lists them ("Addressing Imbalance"): a dry
// run that changes nothing. Per DC it measures effective ownership spread and load spread, then
// looks for each cause and reports it as a finding with the evidence that points to it and the
// fix.
//
// How load is judged: a node's "density" is its load over the fraction of the ring it
// replicates (load_model.h); in a DC whose nodes hold the same keyspaces, densities should
// agree. The reference density is the DC's upper median.
// - Nodes well below it (1 / (1 + margin)) are taken as freshly added: they hold only their new
//   ranges, so the others still hold ranges they lost. cleanup_debt names every node above the
//   fresh nodes' density by the margin, with the bytes cleanup would free (load - fresh density
//   x fraction).
// - Else nodes well above it (1 + margin) hold more than their ranges explain: a partition-key
//   hotspot.
// Without history the two can be confused when a hotspot covers half a DC or more; the finding
// shows its evidence so that the operator can tell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/snapshot.h"

namespace ringcore {

enum class FindingKind { kTokenDistribution, kHotspot, kUnevenHardware, kCleanupDebt, kRackImbalance };

// "token_distribution", "hotspot", "uneven_hardware", "cleanup_debt", "rack_imbalance".
const char* finding_kind_name(FindingKind kind);

struct RebalanceThresholds {
  double ownership_spread = 1.20;  // max / mean effective ownership in a DC
  double density_margin = 0.15;    // see above
  double hardware_spread = 1.10;   // max / min of a hardware figure in a DC
};

struct NodeBytes {
  std::string address;
  std::uint64_t bytes = 0;
};

struct Finding {
  FindingKind kind = FindingKind::kTokenDistribution;
  std::string dc;
  std::vector<std::string> nodes;  // addresses concerned
  double value = 0;                // the evidence's figure (a ratio)
  double threshold = 0;
  std::string message;  // the evidence, in words
  std::string fix;
  std::vector<NodeBytes> cleanup;  // cleanup_debt: bytes cleanup frees, per node
};

// cleanup_debt and hotspot findings, per DC in name order. Nodes without a known load or
// replicated fraction are left out.
std::vector<Finding> find_load_findings(const ClusterSnapshot& snapshot, double density_margin);

struct DatacenterBalance {
  std::string dc;
  int nodes = 0;  // ring members
  int rf = 1;     // the rf ownership is measured for (load_model.h datacenter_rf)
  double ownership_max_over_mean = 0;
  std::optional<double> load_max_over_mean;  // nullopt when no load is known
};

struct RebalanceReport {
  std::vector<DatacenterBalance> datacenters;  // by name
  std::vector<Finding> findings;               // by DC, then kind in the order of FindingKind
};

// The whole analysis. A token_distribution finding's fix comes from plan_add (one node in the
// DC): the bytes it moves and the ownership spread after.
Result<RebalanceReport> analyse_balance(const ClusterSnapshot& snapshot, const RebalanceThresholds& thresholds);

}  // namespace ringcore
