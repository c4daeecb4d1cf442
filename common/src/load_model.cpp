#include "ringcore/load_model.h"

#include <algorithm>
#include <set>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringcore {

namespace {

// Each keyspace's weight in what a node should hold: its data's share of the cluster's bytes,
// scaled so that the weights add up to the number of keyspaces (all 1 when they hold the same).
// A keyspace's bytes are its copies summed over the nodes that report them, divided by the
// copies its replication keeps (the sum of its effective ownership). Equal weights when no node
// reports keyspace_loads or none holds any bytes.
std::vector<double> keyspace_weights(const ClusterSnapshot& snapshot, const std::vector<const Keyspace*>& keyspaces,
                                     const std::vector<NodeOwnership>& ownership) {
  std::vector<double> weights(keyspaces.size(), 1.0);
  std::vector<double> data(keyspaces.size(), 0.0);
  double total = 0;
  for (std::size_t k = 0; k < keyspaces.size(); ++k) {
    double copies = 0, replicas = 0;
    for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
      const auto& loads = snapshot.nodes[i].keyspace_loads;
      if (auto it = loads.find(keyspaces[k]->name); it != loads.end()) copies += static_cast<double>(it->second);
      replicas += ownership[k][i].value_or(0);
    }
    data[k] = replicas > 0 ? copies / replicas : 0;
    total += data[k];
  }
  if (total <= 0) return weights;
  for (std::size_t k = 0; k < keyspaces.size(); ++k)
    weights[k] = data[k] / total * static_cast<double>(keyspaces.size());
  return weights;
}

}  // namespace

std::vector<std::optional<double>> replicated_fractions(const ClusterSnapshot& snapshot) {
  const TokenRing ring(snapshot);
  std::vector<const Keyspace*> keyspaces;
  std::vector<NodeOwnership> ownership;
  for (const Keyspace& keyspace : snapshot.keyspaces) {
    if (keyspace.replication.kind == StrategyKind::kLocal) continue;
    auto placement = ReplicaPlacement::create(ring, keyspace.replication);
    if (!placement) continue;
    keyspaces.push_back(&keyspace);
    ownership.push_back(effective_ownership(*placement));
  }
  if (keyspaces.empty()) return raw_ownership(ring);
  const std::vector<double> weights = keyspace_weights(snapshot, keyspaces, ownership);
  std::vector<std::optional<double>> total(snapshot.nodes.size());
  for (std::size_t k = 0; k < keyspaces.size(); ++k) {
    for (std::size_t i = 0; i < ownership[k].size(); ++i) {
      if (ownership[k][i]) total[i] = total[i].value_or(0) + weights[k] * *ownership[k][i];
    }
  }
  return total;
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
