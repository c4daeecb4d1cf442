#include "ringcore/scale_plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis_text.h"
#include "ringcore/health_checks.h"
#include "ringcore/load_model.h"
#include "ringcore/random.h"
#include "ringcore/token_allocator.h"

namespace ringcore {
namespace {

using namespace analysis_text;

PlanCheck named_check(const std::string& name) {
  PlanCheck check;
  check.name = name;
  return check;
}

PlanCheck plan_check(const HealthCheck& check) { return {check.name, check.status, check.message, check.nodes}; }

bool is_member(const Node& node) { return node.state != NodeState::kJoining; }

// Ring members of `dc` per rack.
std::map<std::string, int> rack_members(const ClusterSnapshot& snapshot, const std::string& dc) {
  std::map<std::string, int> racks;
  for (const Node& node : snapshot.nodes) {
    if (node.dc == dc && is_member(node)) ++racks[node.rack];
  }
  return racks;
}

Result<std::string> resolve_dc(const ClusterSnapshot& snapshot, const std::string& asked) {
  const std::vector<std::string> dcs = datacenter_names(snapshot);
  if (asked.empty()) {
    if (dcs.size() == 1) return dcs.front();
    return Error::invalid_input("the cluster has several datacenters (" + joined(dcs) + "): name one with --dc");
  }
  if (std::find(dcs.begin(), dcs.end(), asked) == dcs.end()) {
    return Error::not_found("datacenter '" + asked + "' does not exist (datacenters: " + joined(dcs) + ")");
  }
  return asked;
}

// The token count most of the DC's members have (the smallest of equally common ones).
int usual_token_count(const ClusterSnapshot& snapshot, const std::string& dc) {
  std::map<std::size_t, int> counts;
  for (const Node& node : snapshot.nodes) {
    if (node.dc == dc && is_member(node)) ++counts[node.tokens.size()];
  }
  std::size_t best = 0;
  int seen = 0;
  for (const auto& [tokens, nodes] : counts) {
    if (nodes > seen) {
      best = tokens;
      seen = nodes;
    }
  }
  return static_cast<int>(best);
}

// The rf the allocator balances a DC for, capped as the lab caps it (cli/lab/lab_layout.cpp).
int allocation_rf(const ClusterSnapshot& view, const std::string& dc, const std::string& rack) {
  int rf = datacenter_rf(view, dc);
  std::map<std::string, int> racks = rack_members(view, dc);
  int members = 1;  // the new node
  for (const auto& [name, n] : racks) members += n;
  racks.try_emplace(rack, 0);
  rf = std::min(rf, members);
  const int rack_count = static_cast<int>(racks.size());
  if (rack_count > 1 && rack_count < rf) rf = rack_count;
  return std::max(rf, 1);
}

std::string least_populated_rack(const ClusterSnapshot& view, const std::string& dc) {
  const std::map<std::string, int> racks = rack_members(view, dc);
  std::string best;
  int fewest = 0;
  for (const auto& [rack, n] : racks) {
    if (best.empty() || n < fewest) {
      best = rack;
      fewest = n;
    }
  }
  return best;
}

std::optional<double> disk_after(const Node& node, std::uint64_t load_before, std::uint64_t load_after) {
  if (!node.capacity.disk_total_bytes || *node.capacity.disk_total_bytes <= 0) return std::nullopt;
  const double used = static_cast<double>(node.capacity.disk_used_bytes.value_or(node.load_bytes.value_or(0)));
  const double after = std::max(0.0, used + static_cast<double>(load_after) - static_cast<double>(load_before));
  return after / static_cast<double>(*node.capacity.disk_total_bytes);
}

std::vector<NodeForecast> forecasts(const ClusterSnapshot& snapshot, const MovementPlan& movement,
                                    const std::vector<Node>& added, const std::vector<std::string>& removed) {
  std::vector<NodeForecast> out;
  for (const NodeMovement& m : movement.nodes) {
    NodeForecast f;
    f.address = m.address;
    f.load_before_bytes = m.load_before;
    f.receive_bytes = m.bytes_in;
    f.send_bytes = m.bytes_out;
    f.cleanup_bytes = m.bytes_dropped;
    f.load_after_bytes = m.load_after;
    const bool is_removed = std::find(removed.begin(), removed.end(), m.address) != removed.end();
    f.role = is_removed ? "removed" : "stays";
    const Node* node = nullptr;
    for (const Node& n : snapshot.nodes) {
      if (n.address == m.address) node = &n;
    }
    for (const Node& n : added) {
      if (n.address == m.address) {
        node = &n;
        f.role = "added";
      }
    }
    if (node != nullptr) {
      f.dc = node->dc;
      f.rack = node->rack;
      if (!is_removed) f.disk_used_after_ratio = disk_after(*node, m.load_before, m.load_after);
    }
    out.push_back(std::move(f));
  }
  return out;
}

StreamFormula formula_for(const ClusterSnapshot& snapshot, const std::string& dc, int added) {
  StreamFormula f;
  f.dc = dc;
  f.nodes_added = added;
  for (const Node& node : snapshot.nodes) {
    if (node.dc != dc || !is_member(node)) continue;
    ++f.nodes_before;
    f.dc_load_bytes += static_cast<std::uint64_t>(node.load_bytes.value_or(0));
  }
  const long double n = f.nodes_before, k = added, load = f.dc_load_bytes;
  if (f.nodes_before > 0) {
    f.load_per_node_before_bytes = static_cast<std::uint64_t>(std::llround(load / n));
    f.load_per_node_after_bytes = static_cast<std::uint64_t>(std::llround(load / n * n / (n + k)));
  }
  if (f.nodes_before + added > 0) f.stream_bytes = static_cast<std::uint64_t>(std::llround(load * k / (n + k)));
  return f;
}

PlanCheck rack_balance(const ClusterSnapshot& after, const std::string& dc) {
  PlanCheck check = named_check("rack_balance");
  const std::map<std::string, int> racks = rack_members(after, dc);
  int fewest = INT32_MAX, most = 0;
  std::string counts;
  for (const auto& [rack, n] : racks) {
    fewest = std::min(fewest, n);
    most = std::max(most, n);
    counts += (counts.empty() ? "" : ", ") + rack + ": " + std::to_string(n);
  }
  check.status = fewest == most ? CheckStatus::kOk : CheckStatus::kWarn;
  check.message = "racks of " + dc + " after the add: " + counts +
                  (fewest == most ? "" : "; uneven racks load their nodes unevenly: add a multiple of rf per rack");
  return check;
}

// The member with this address, else with this host id.
const Node* find_member(const ClusterSnapshot& snapshot, const std::string& name) {
  for (const Node& node : snapshot.nodes) {
    if (node.address == name) return &node;
  }
  for (const Node& node : snapshot.nodes) {
    if (node.host_id == name) return &node;
  }
  return nullptr;
}

PlanCheck disk_headroom(const ScalePlan& plan) {
  PlanCheck check = named_check("disk_headroom");
  const Limit limit{0.70, 0.80, true};
  std::vector<std::string> unknown, described;
  CheckStatus status = CheckStatus::kUnknown;
  int receivers = 0;
  for (const NodeForecast& f : plan.nodes) {
    if (f.role == "removed" || f.receive_bytes == 0) continue;
    ++receivers;
    if (!f.disk_used_after_ratio) {
      unknown.push_back(f.address);
      continue;
    }
    const CheckStatus graded = grade(*f.disk_used_after_ratio, limit);
    status = combine(status, graded);
    if (graded != CheckStatus::kOk) {
      check.nodes.push_back(f.address);
      described.push_back(f.address + " at " + whole_percent(*f.disk_used_after_ratio));
    }
  }
  check.status = receivers == 0 ? CheckStatus::kOk : status;
  if (receivers == 0) {
    check.message = "no node receives data";
  } else if (status == CheckStatus::kUnknown) {
    check.message = "disk totals are not known for the receiving nodes (" + joined(unknown) + ")";
  } else {
    check.message = described.empty()
                        ? "every receiving node stays at or under 70% disk use after the move"
                        : "disk use after the move: " + joined(described) + " (blocked over 80%, warn over 70%)";
    if (!unknown.empty()) check.message += "; not known for " + joined(unknown);
  }
  return check;
}

}  // namespace

std::string placeholder_address(int i) { return "new-node-" + std::to_string(i); }

const char* plan_verdict_name(PlanVerdict verdict) {
  switch (verdict) {
    case PlanVerdict::kGo:
      return "go";
    case PlanVerdict::kWarn:
      return "warn";
    case PlanVerdict::kBlocked:
      return "blocked";
  }
  return "blocked";
}

PlanVerdict plan_verdict(const std::vector<PlanCheck>& checks) {
  CheckStatus overall = CheckStatus::kOk;
  for (const PlanCheck& check : checks) overall = combine(overall, check.status);
  if (overall == CheckStatus::kCritical) return PlanVerdict::kBlocked;
  return overall == CheckStatus::kWarn ? PlanVerdict::kWarn : PlanVerdict::kGo;
}

Result<ScalePlan> plan_add(const ClusterSnapshot& snapshot, const AddRequest& request,
                           const ClusterObservations& observations) {
  if (request.count < 1)
    return Error::invalid_input("the count of nodes to add must be at least 1, not " + std::to_string(request.count));
  if (!request.tokens.empty() && request.count != 1) {
    return Error::invalid_input("tokens can be given for one node only, not " + std::to_string(request.count));
  }
  if (request.addresses.size() > static_cast<std::size_t>(request.count)) {
    return Error::invalid_input(std::to_string(request.addresses.size()) + " addresses given for " +
                                std::to_string(request.count) + " nodes");
  }
  auto dc = resolve_dc(snapshot, request.dc);
  if (!dc) return dc.error();
  const int num_tokens = request.num_tokens > 0 ? request.num_tokens : usual_token_count(snapshot, *dc);
  if (request.num_tokens < 0 || num_tokens > kMaxTokensPerNode) {
    return Error::invalid_input("num_tokens must be within 1.." + std::to_string(kMaxTokensPerNode) + ", not " +
                                std::to_string(request.num_tokens));
  }

  for (const std::string& address : request.addresses) {
    if (find_member(snapshot, address) != nullptr) {
      return Error::invalid_input("a node with the address " + address + " is already in the cluster");
    }
  }
  ScalePlan plan;
  plan.operation = "add";
  ClusterSnapshot view = snapshot;  // the ring as the allocator sees it while the nodes join
  for (int i = 0; i < request.count; ++i) {
    Node node;
    node.address = i < static_cast<int>(request.addresses.size()) ? request.addresses[i] : placeholder_address(i + 1);
    node.host_id = "(new)";
    node.dc = *dc;
    node.rack = request.rack.empty() ? least_populated_rack(view, *dc) : request.rack;
    if (!request.tokens.empty()) {
      node.tokens = request.tokens;
      std::sort(node.tokens.begin(), node.tokens.end());
    } else {
      SplitMix64 random(static_cast<std::uint64_t>(view.nodes.size() + 1));
      auto tokens = allocate_balanced_tokens(view, {node.address, node.dc, node.rack}, num_tokens,
                                             allocation_rf(view, node.dc, node.rack), random);
      if (!tokens) return tokens.error().with_context("choosing tokens for " + node.address);
      node.tokens = std::move(tokens).value();
    }
    node.load_bytes = 0;
    plan.added.push_back(node);
    view.nodes.push_back(std::move(node));
  }

  TopologyChange change;
  change.added = plan.added;
  auto movement = plan_movement(snapshot, change);
  if (!movement) return movement.error();
  plan.movement = std::move(movement).value();
  plan.nodes = forecasts(snapshot, plan.movement, plan.added, {});
  plan.formulas.push_back(formula_for(snapshot, *dc, request.count));
  plan.doubling.push_back(formula_for(snapshot, *dc, plan.formulas.back().nodes_before));

  if (request.count > 1)
    plan.notes.push_back("add the nodes one at a time, each reaching NORMAL before the next starts");
  plan.notes.push_back("doubling " + *dc + " (adding " + std::to_string(plan.doubling.back().nodes_added) +
                       " nodes) would move half its data and halve each node's load: the most even rebalance");
  plan.checks.push_back(plan_check(check_nodes_up_normal(snapshot, observations, CheckStatus::kWarn)));
  plan.checks.push_back(plan_check(check_streaming_operations(snapshot, observations, CheckStatus::kWarn)));
  plan.checks.push_back(rack_balance(plan.movement.after, *dc));
  plan.verdict = plan_verdict(plan.checks);
  return plan;
}

Result<ScalePlan> plan_remove(const ClusterSnapshot& snapshot, const std::string& name,
                              const ClusterObservations& observations) {
  const Node* target = find_member(snapshot, name);
  if (target == nullptr) return Error::not_found("no node has the address or host id '" + name + "'");
  if (!is_member(*target)) {
    return Error::invalid_input(target->address + " is joining: it is not a member of the token ring yet");
  }
  ScalePlan plan;
  plan.operation = "remove";
  plan.removed.push_back(*target);
  TopologyChange change;
  change.removed = {target->address};
  auto movement = plan_movement(snapshot, change);
  if (!movement) return movement.error();
  plan.movement = std::move(movement).value();
  plan.nodes = forecasts(snapshot, plan.movement, {}, {target->address});

  PlanCheck rf = named_check("replication_factor");
  for (const ReplicationRefusal& refusal : plan.movement.refusals) {
    rf.message += (rf.message.empty() ? "" : " ") + refusal.message;
  }
  rf.status = plan.movement.refusals.empty() ? CheckStatus::kOk : CheckStatus::kCritical;
  if (rf.status == CheckStatus::kOk) rf.message = "every keyspace keeps its replication factor in every datacenter";
  plan.checks.push_back(rf);
  plan.checks.push_back(disk_headroom(plan));
  // The target itself may be the one node not normal: a removal must wait for any other.
  plan.checks.push_back(plan_check(check_nodes_up_normal(snapshot, observations, CheckStatus::kCritical)));
  plan.checks.push_back(plan_check(check_streaming_operations(snapshot, observations, CheckStatus::kCritical)));
  plan.checks.push_back(
      {"host_id",
       CheckStatus::kOk,
       "removing " + target->address + " with host id " + target->host_id + ": confirm it is the node you mean",
       {target->address}});
  PlanCheck seed = named_check("seed");
  seed.nodes = {target->address};
  if (!observations.seeds) {
    seed.message = "the seed list is not known: check whether " + target->address + " is a seed";
  } else if (std::find(observations.seeds->begin(), observations.seeds->end(), target->address) !=
             observations.seeds->end()) {
    seed.status = CheckStatus::kWarn;
    seed.message = target->address + " is a seed: remove it from the seed list of every node (then a rolling restart)";
  } else {
    seed.status = CheckStatus::kOk;
    seed.message = target->address + " is not a seed";
  }
  plan.checks.push_back(seed);
  plan.notes.push_back("decommission streams all of the node's data away and cannot be cancelled");
  plan.verdict = plan_verdict(plan.checks);
  return plan;
}

Result<std::vector<CapacityNeed>> plan_capacity(const ClusterSnapshot& snapshot, double target) {
  if (!(target > 0 && target <= 1)) {
    return Error::invalid_input("the target disk use must be within 0..100%, not " + whole_percent(target));
  }
  std::vector<CapacityNeed> needs;
  for (const std::string& dc : datacenter_names(snapshot)) {
    CapacityNeed need;
    need.dc = dc;
    need.racks = static_cast<int>(rack_members(snapshot, dc).size());
    double sum = 0;
    int known = 0;
    for (const Node& node : snapshot.nodes) {
      if (node.dc != dc || !is_member(node)) continue;
      ++need.nodes;
      const std::optional<double> ratio = disk_after(node, 0, 0);
      if (!ratio) {
        need.unknown.push_back(node.address);
        continue;
      }
      ++known;
      sum += *ratio;
      need.max_disk_ratio = std::max(need.max_disk_ratio.value_or(0), *ratio);
    }
    if (known > 0) {
      need.mean_disk_ratio = sum / known;
      const int n = need.nodes;
      const int k = std::max(0, static_cast<int>(std::ceil(n * *need.max_disk_ratio / target - 1e-9)) - n);
      need.nodes_to_add = k;
      const int racks = std::max(need.racks, 1);
      need.nodes_to_add_rack_balanced = (k + racks - 1) / racks * racks;
      need.max_disk_ratio_after = *need.max_disk_ratio * n / (n + k);
    }
    needs.push_back(std::move(need));
  }
  return needs;
}

}  // namespace ringcore
