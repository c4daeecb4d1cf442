#include "ringcore/rebalance.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis_text.h"
#include "ringcore/load_model.h"
#include "ringcore/scale_plan.h"

namespace ringcore {
namespace {

using namespace analysis_text;

Finding finding_of(FindingKind kind, const std::string& dc, double threshold) {
  Finding finding;
  finding.kind = kind;
  finding.dc = dc;
  finding.threshold = threshold;
  return finding;
}

bool is_member(const Node& node) { return node.state != NodeState::kJoining; }

struct Density {
  std::size_t node;
  double fraction;
  double density;
};

// The upper median: with an even count, the higher of the two middle values.
double upper_median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::vector<Finding> load_findings_in(const ClusterSnapshot& snapshot, const std::string& dc,
                                      const std::vector<Density>& densities, double margin) {
  std::vector<double> values;
  for (const Density& d : densities) values.push_back(d.density);
  if (values.size() < 2) return {};
  const double reference = upper_median(values);
  if (reference <= 0) return {};

  std::vector<const Density*> fresh;
  bool any_heavy = false;
  for (const Density& d : densities) {
    if (d.density * (1 + margin) <= reference) fresh.push_back(&d);
    if (d.density >= reference * (1 + margin)) any_heavy = true;
  }
  // Cleanup debt leaves two groups: the fresh nodes, and the others about alike. Nodes far above
  // the typical one mean something else holds their bytes (a hotspot, or just uneven data).
  if (!fresh.empty() && !any_heavy) {
    double fresh_load = 0, fresh_fraction = 0;
    std::vector<std::string> fresh_names;
    for (const Density* d : fresh) {
      fresh_load += d->density * d->fraction;
      fresh_fraction += d->fraction;
      fresh_names.push_back(snapshot.nodes[d->node].address);
    }
    const double fresh_density = fresh_load / fresh_fraction;
    Finding finding = finding_of(FindingKind::kCleanupDebt, dc, 1 + margin);
    double freed = 0;
    for (const Density& d : densities) {
      const double ratio = fresh_density > 0 ? d.density / fresh_density : 0;
      const bool is_fresh = std::find(fresh.begin(), fresh.end(), &d) != fresh.end();
      if (is_fresh || fresh_density <= 0 || d.density < fresh_density * (1 + margin)) continue;
      const double bytes = (d.density - fresh_density) * d.fraction;
      finding.nodes.push_back(snapshot.nodes[d.node].address);
      finding.cleanup.push_back({snapshot.nodes[d.node].address, static_cast<std::uint64_t>(std::llround(bytes))});
      finding.value = std::max(finding.value, ratio);
      freed += bytes;
    }
    if (!finding.nodes.empty()) {
      finding.message = listed(finding.nodes) + " in " + dc + " hold up to " + times(finding.value) +
                        " the bytes per owned range of " + listed(fresh_names) +
                        ", which hold only their own ranges (as freshly added nodes do)";
      finding.fix = "run cleanup on " + listed(finding.nodes) + ", one node at a time: it frees about " +
                    gibibytes(freed) + " in all";
      return {finding};
    }
  }
  Finding hotspot = finding_of(FindingKind::kHotspot, dc, 1 + margin);
  for (const Density& d : densities) {
    if (d.density < reference * (1 + margin)) continue;
    hotspot.nodes.push_back(snapshot.nodes[d.node].address);
    hotspot.value = std::max(hotspot.value, d.density / reference);
  }
  if (hotspot.nodes.empty()) return {};
  hotspot.message = listed(hotspot.nodes) + " in " + dc + " hold up to " + times(hotspot.value) +
                    " the bytes per owned range of the DC's typical node, while ownership does not explain it";
  hotspot.fix = "review the data model for large or hot partitions on " + listed(hotspot.nodes) +
                " (per-keyspace load is not in the snapshot: look at the tables' partition sizes on these nodes)";
  return {hotspot};
}

std::optional<Finding> token_distribution(const ClusterSnapshot& snapshot, const DatacenterBalance& balance,
                                          const std::vector<std::pair<std::size_t, double>>& owns,
                                          const RebalanceThresholds& thresholds) {
  if (balance.ownership_max_over_mean <= thresholds.ownership_spread) return std::nullopt;
  double mean = 0;
  for (const auto& [node, own] : owns) mean += own / static_cast<double>(owns.size());
  Finding finding = finding_of(FindingKind::kTokenDistribution, balance.dc, thresholds.ownership_spread);
  finding.value = balance.ownership_max_over_mean;
  for (const auto& [node, own] : owns) {
    if (own > mean * thresholds.ownership_spread) finding.nodes.push_back(snapshot.nodes[node].address);
  }
  finding.message = "effective ownership (rf " + std::to_string(balance.rf) + ") in " + balance.dc + ": max/mean " +
                    times(balance.ownership_max_over_mean) + ", highest on " + listed(finding.nodes);
  AddRequest request;
  request.dc = balance.dc;
  auto plan = plan_add(snapshot, request);
  if (!plan) {
    finding.fix =
        "add nodes to " + balance.dc + " with balanced tokens (plan add failed: " + plan.error().message() + ")";
    return finding;
  }
  const auto after = datacenter_ownership(plan->movement.after, balance.dc, balance.rf);
  double sum = 0, max = 0;
  for (const auto& [node, own] : after) {
    sum += own;
    max = std::max(max, own);
  }
  const double spread = after.empty() || sum <= 0 ? 0 : max / (sum / static_cast<double>(after.size()));
  finding.fix = "add a node to " + balance.dc + " (rack " + plan->added.front().rack +
                ") with balanced tokens: `ringctl plan add --dc " + balance.dc + "` predicts " +
                gibibytes(static_cast<double>(plan->movement.total_bytes)) + " streamed and an ownership max/mean of " +
                times(spread) + " after";
  return finding;
}

std::optional<Finding> uneven_hardware(const ClusterSnapshot& snapshot, const std::string& dc,
                                       const RebalanceThresholds& thresholds) {
  struct Figure {
    const char* name;
    std::optional<std::int64_t> NodeCapacity::*member;
  };
  static constexpr Figure kFigures[] = {{"cpus", &NodeCapacity::cpus},
                                        {"memory_total_bytes", &NodeCapacity::memory_total_bytes},
                                        {"disk_total_bytes", &NodeCapacity::disk_total_bytes}};
  Finding finding = finding_of(FindingKind::kUnevenHardware, dc, thresholds.hardware_spread);
  std::vector<std::string> evidence;
  for (const Figure& figure : kFigures) {
    std::int64_t low = 0, high = 0;
    std::string low_node, high_node;
    for (const Node& node : snapshot.nodes) {
      const auto& value = node.capacity.*figure.member;
      if (node.dc != dc || !is_member(node) || !value || *value <= 0) continue;
      if (low_node.empty() || *value < low) {
        low = *value;
        low_node = node.address;
      }
      if (high_node.empty() || *value > high) {
        high = *value;
        high_node = node.address;
      }
    }
    if (low_node.empty()) continue;
    const double spread = static_cast<double>(high) / static_cast<double>(low);
    if (spread <= thresholds.hardware_spread) continue;
    finding.value = std::max(finding.value, spread);
    evidence.push_back(std::string(figure.name) + " from " + std::to_string(low) + " (" + low_node + ") to " +
                       std::to_string(high) + " (" + high_node + ")");
    for (const std::string& address : {low_node, high_node}) {
      if (std::find(finding.nodes.begin(), finding.nodes.end(), address) == finding.nodes.end())
        finding.nodes.push_back(address);
    }
  }
  if (evidence.empty()) return std::nullopt;
  finding.message = "hardware differs in " + dc + ": " + joined(evidence) +
                    "; vnodes give every node the same share, so smaller nodes fill first";
  finding.fix = "standardise the hardware of " + dc + " (or give the larger nodes proportionally more tokens)";
  return finding;
}

std::optional<Finding> rack_imbalance(const ClusterSnapshot& snapshot, const std::string& dc) {
  const bool nts = std::any_of(snapshot.keyspaces.begin(), snapshot.keyspaces.end(), [&](const Keyspace& ks) {
    return ks.replication.kind == StrategyKind::kNetworkTopology && ks.replication.replicas_in(dc) > 0;
  });
  if (!nts) return std::nullopt;
  std::map<std::string, int> racks;
  for (const Node& node : snapshot.nodes) {
    if (node.dc == dc && is_member(node)) ++racks[node.rack];
  }
  if (racks.size() < 2) return std::nullopt;
  int fewest = INT32_MAX, most = 0;
  std::string counts, smallest;
  for (const auto& [rack, n] : racks) {
    if (n < fewest) smallest = rack;
    fewest = std::min(fewest, n);
    most = std::max(most, n);
    counts += (counts.empty() ? "" : ", ") + rack + ": " + std::to_string(n);
  }
  if (fewest == most) return std::nullopt;
  Finding finding = finding_of(FindingKind::kRackImbalance, dc, 1);
  finding.value = static_cast<double>(most) / fewest;
  for (const Node& node : snapshot.nodes) {
    if (node.dc == dc && is_member(node) && racks[node.rack] == fewest) finding.nodes.push_back(node.address);
  }
  finding.message = "racks of " + dc + " have different node counts (" + counts +
                    "): NetworkTopologyStrategy puts one replica per rack, so nodes of smaller racks hold more";
  finding.fix = "add nodes to the smaller racks (" + smallest + " first) so that every rack of " + dc +
                " has the same count: `ringctl plan add --dc " + dc + " --rack " + smallest + "`";
  return finding;
}

}  // namespace

const char* finding_kind_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::kTokenDistribution:
      return "token_distribution";
    case FindingKind::kHotspot:
      return "hotspot";
    case FindingKind::kUnevenHardware:
      return "uneven_hardware";
    case FindingKind::kCleanupDebt:
      return "cleanup_debt";
    case FindingKind::kRackImbalance:
      return "rack_imbalance";
  }
  return "token_distribution";
}

std::vector<Finding> find_load_findings(const ClusterSnapshot& snapshot, double density_margin) {
  const std::vector<std::optional<double>> fractions = replicated_fractions(snapshot);
  std::vector<Finding> findings;
  for (const std::string& dc : datacenter_names(snapshot)) {
    std::vector<Density> densities;
    for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
      const Node& node = snapshot.nodes[i];
      if (node.dc != dc || !is_member(node)) continue;
      if (auto density = node_density(node, fractions[i])) densities.push_back({i, *fractions[i], *density});
    }
    for (Finding& finding : load_findings_in(snapshot, dc, densities, density_margin))
      findings.push_back(std::move(finding));
  }
  return findings;
}

Result<RebalanceReport> analyse_balance(const ClusterSnapshot& snapshot, const RebalanceThresholds& thresholds) {
  RebalanceReport report;
  const std::vector<Finding> load = find_load_findings(snapshot, thresholds.density_margin);
  for (const std::string& dc : datacenter_names(snapshot)) {
    DatacenterBalance balance;
    balance.dc = dc;
    balance.rf = datacenter_rf(snapshot, dc);
    const auto owns = datacenter_ownership(snapshot, dc, balance.rf);
    double own_sum = 0, own_max = 0, load_sum = 0, load_max = 0;
    int loads = 0;
    for (const auto& [node, own] : owns) {
      own_sum += own;
      own_max = std::max(own_max, own);
      if (const auto& bytes = snapshot.nodes[node].load_bytes) {
        load_sum += static_cast<double>(*bytes);
        load_max = std::max(load_max, static_cast<double>(*bytes));
        ++loads;
      }
    }
    balance.nodes = static_cast<int>(owns.size());
    balance.ownership_max_over_mean = own_sum > 0 ? own_max / (own_sum / static_cast<double>(owns.size())) : 1.0;
    if (loads > 0) balance.load_max_over_mean = load_sum > 0 ? load_max / (load_sum / loads) : 1.0;
    report.datacenters.push_back(balance);

    std::vector<Finding> found;
    if (auto finding = token_distribution(snapshot, balance, owns, thresholds)) found.push_back(std::move(*finding));
    for (const Finding& finding : load) {
      if (finding.dc == dc) found.push_back(finding);
    }
    if (auto finding = uneven_hardware(snapshot, dc, thresholds)) found.push_back(std::move(*finding));
    if (auto finding = rack_imbalance(snapshot, dc)) found.push_back(std::move(*finding));
    std::stable_sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) { return a.kind < b.kind; });
    for (Finding& finding : found) report.findings.push_back(std::move(finding));
  }
  return report;
}

}  // namespace ringcore
