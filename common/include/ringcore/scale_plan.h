// Scale plans: what adding nodes to a DC, or decommissioning one node, would move, and whether
// the cluster is fit for it, from the real ring (movement.h) next to the seeds' capacity
// formulas ("Scaling Calculations", "Removal Constraints", "Scaling Strategies").
//
// Formulas, for k nodes added to the N ring members of a DC holding L bytes (L = data x RF):
//   data to stream       = data x RF x k / (N + k) = L x k / (N + k)
//   load per node after  = current x N / (N + k)   = (L / N) x N / (N + k)
// "Double the cluster": the same with k = N, which moves half the data and halves each node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/cluster_observations.h"
#include "ringcore/error.h"
#include "ringcore/movement.h"
#include "ringcore/snapshot.h"
#include "ringcore/verdict.h"

namespace ringcore {

struct AddRequest {
  std::string dc;    // "" = the snapshot's only DC (an error when it has several)
  std::string rack;  // "" = for each node in turn, the DC's rack with fewest members
  int count = 1;
  int num_tokens = 0;                  // 0 = the token count most of the DC's members have
  std::vector<Token> tokens;           // exactly these tokens, for one node (count 1)
  std::vector<std::string> addresses;  // given addresses, in order; others get placeholders
};

// The address a plan gives the i-th added node (from 1) when none is given: "new-node-<i>".
std::string placeholder_address(int i);

// Per node: load before (0 for added nodes), bytes received, sent, freed by cleanup, load after;
// disk use after (used + load_after - load_before, over disk_total_bytes) when the totals are
// known.
struct NodeForecast {
  std::string address;
  std::string dc;
  std::string rack;
  std::string role;  // "added", "removed" or "stays"
  std::uint64_t load_before_bytes = 0;
  std::uint64_t receive_bytes = 0;
  std::uint64_t send_bytes = 0;
  std::uint64_t cleanup_bytes = 0;
  std::uint64_t load_after_bytes = 0;
  std::optional<double> disk_used_after_ratio;
};

// The seeds' formulas for one DC of the change.
struct StreamFormula {
  std::string dc;
  int nodes_before = 0;             // N
  int nodes_added = 0;              // k
  std::uint64_t dc_load_bytes = 0;  // data x RF: the DC's known loads
  std::uint64_t stream_bytes = 0;   // L x k / (N + k)
  std::uint64_t load_per_node_before_bytes = 0;
  std::uint64_t load_per_node_after_bytes = 0;  // current x N / (N + k)
};

struct PlanCheck {
  std::string name;
  CheckStatus status = CheckStatus::kUnknown;  // critical blocks
  std::string message;
  std::vector<std::string> nodes;
};

enum class PlanVerdict { kGo, kWarn, kBlocked };
const char* plan_verdict_name(PlanVerdict verdict);  // "go", "warn", "blocked"
// go when the checks' overall is ok, warn, or blocked when critical; unknown ones never count.
PlanVerdict plan_verdict(const std::vector<PlanCheck>& checks);

struct ScalePlan {
  std::string operation;    // "add" or "remove"
  std::vector<Node> added;  // with their tokens
  std::vector<Node> removed;
  std::vector<NodeForecast> nodes;  // snapshot nodes in order, then added ones
  MovementPlan movement;
  std::vector<StreamFormula> formulas;  // add: one per DC that gains nodes
  std::vector<StreamFormula> doubling;  // add: what adding N (doubling the DC) would do instead
  std::vector<std::string> notes;       // the seeds' practices that apply
  std::vector<PlanCheck> checks;
  PlanVerdict verdict = PlanVerdict::kGo;
};

// Adding nodes: tokens from allocate_balanced_tokens (the lab node's allocator) for the DC's rf
// (load_model.h datacenter_rf, capped as the lab caps it: at the DC's members after the add,
// and at its racks when it has 2..rf-1), one node after another as if each joined before the
// next, each with SplitMix64 seeded by its position in the cluster: the same snapshot gives the
// same tokens. Checks: nodes_up_normal and streaming_operations (warn), rack_balance (warn when
// racks of the DC end up with different member counts).
// Errors (kInvalidInput unless said): count < 1; tokens with count > 1; num_tokens out of range;
// an unknown DC (kNotFound) or none given with several; a token already owned (naming it and its
// owner); an address already in the cluster; the allocator's own errors.
Result<ScalePlan> plan_add(const ClusterSnapshot& snapshot, const AddRequest& request,
                           const ClusterObservations& observations = {});

// Decommissioning `node` (an address or a host id). Checks, as the seeds' removal constraints:
// replication_factor (Cassandra's refusal, critical), disk_headroom (every receiving node's
// disk use after: critical over 80%, warn over 70%, unknown without totals), nodes_up_normal
// and streaming_operations (critical: a removal waits for them), host_id (the node's host id, to
// confirm), seed (warn when it is one: the seed lists to update; unknown when the seeds are not
// known). Errors: an unknown node (kNotFound, listing what was looked for); a node that is not a
// ring member (kInvalidInput).
Result<ScalePlan> plan_remove(const ClusterSnapshot& snapshot, const std::string& node,
                              const ClusterObservations& observations = {});

// Per DC, the nodes to add so that the fullest node's disk use falls under `target` (a ratio):
// k = ceil(N x max_ratio / target) - N, at least 0 (the seeds' current x N / (N + k)), and that
// rounded up to a multiple of the DC's racks so that racks stay even.
struct CapacityNeed {
  std::string dc;
  int nodes = 0;
  int racks = 0;
  std::optional<double> max_disk_ratio;  // nullopt: no node of the DC has disk totals
  std::optional<double> mean_disk_ratio;
  std::vector<std::string> unknown;  // nodes without disk totals
  std::optional<int> nodes_to_add;
  std::optional<int> nodes_to_add_rack_balanced;
  std::optional<double> max_disk_ratio_after;
};

// Errors: target outside (0, 1] (kInvalidInput).
Result<std::vector<CapacityNeed>> plan_capacity(const ClusterSnapshot& snapshot, double target);

}  // namespace ringcore
