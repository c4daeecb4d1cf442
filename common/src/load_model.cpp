#include "ringcore/load_model.h"

#include <algorithm>
#include <set>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringcore {

std::vector<std::optional<double>> replicated_fractions(const ClusterSnapshot& snapshot) {
  const TokenRing ring(snapshot);
  std::vector<std::optional<double>> total(snapshot.nodes.size());
  bool any_keyspace = false;
  for (const Keyspace& keyspace : snapshot.keyspaces) {
    if (keyspace.replication.kind == StrategyKind::kLocal) continue;
    auto placement = ReplicaPlacement::create(ring, keyspace.replication);
    if (!placement) continue;
    any_keyspace = true;
    const NodeOwnership owns = effective_ownership(*placement);
    for (std::size_t i = 0; i < owns.size(); ++i) {
      if (owns[i]) total[i] = total[i].value_or(0) + *owns[i];
    }
  }
  return any_keyspace ? total : raw_ownership(ring);
}

std::vector<std::string> datacenter_names(const ClusterSnapshot& snapshot) {
  std::set<std::string> names;
  for (const Node& node : snapshot.nodes) {
    if (node.state != NodeState::kJoining) names.insert(node.dc);
  }
  return {names.begin(), names.end()};
}

int datacenter_rf(const ClusterSnapshot& snapshot, const std::string& dc, const Keyspace* keyspace) {
  if (keyspace != nullptr) return std::max(1, keyspace->replication.replicas_in(dc));
  int rf = 1;
  for (const Keyspace& ks : snapshot.keyspaces) {
    if (ks.replication.kind != StrategyKind::kLocal) rf = std::max(rf, ks.replication.replicas_in(dc));
  }
  return rf;
}

std::vector<std::pair<std::size_t, double>> datacenter_ownership(const ClusterSnapshot& snapshot, const std::string& dc,
                                                                 int rf) {
  std::vector<std::pair<std::size_t, double>> owns;
  auto replication = parse_replication({{"class", "NetworkTopologyStrategy"}, {dc, std::to_string(std::max(rf, 1))}});
  if (!replication) return owns;
  const TokenRing ring(snapshot);
  auto placement = ReplicaPlacement::create(ring, *replication);
  if (!placement) return owns;
  const NodeOwnership ownership = effective_ownership(*placement);
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    if (snapshot.nodes[i].dc == dc && ownership[i]) owns.emplace_back(i, *ownership[i]);
  }
  return owns;
}

std::optional<double> node_density(const Node& node, const std::optional<double>& fraction) {
  if (!node.load_bytes || !fraction || *fraction <= 0) return std::nullopt;
  return static_cast<double>(*node.load_bytes) / *fraction;
}

}  // namespace ringcore
