#include "ringcore/movement.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <set>

#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringcore {

namespace {

// ---- applying the change ---------------------------------------------------------------------

Status check_added(const ClusterSnapshot& before, const TopologyChange& change) {
  std::map<std::string, const Node*> existing;
  for (const Node& node : before.nodes) existing.emplace(node.address, &node);
  const std::set<std::string> removed(change.removed.begin(), change.removed.end());

  // Tokens are checked against every node except the joining entry an added node replaces.
  std::map<Token, std::string> owners;
  for (const Node& node : before.nodes) {
    for (Token t : node.tokens) owners.emplace(t, node.address);
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < change.added.size(); ++i) {
    const Node& node = change.added[i];
    const std::string where = "added[" + std::to_string(i) + "] (" + node.address + ")";
    if (node.address.empty()) return Error::invalid_input("added[" + std::to_string(i) + "]: address is empty");
    if (node.dc.empty()) return Error::invalid_input(where + ": dc is empty");
    if (node.tokens.empty()) return Error::invalid_input(where + ": no tokens");
    if (!seen.insert(node.address).second) return Error::invalid_input(where + ": address given twice");
    if (removed.count(node.address) != 0) return Error::invalid_input(where + ": address is also removed");
    auto found = existing.find(node.address);
    if (found != existing.end() && found->second->state != NodeState::kJoining) {
      return Error::invalid_input(where + ": a node with this address exists and is " +
                                  node_state_name(found->second->state));
    }
    for (Token t : node.tokens) {
      auto [owner, inserted] = owners.emplace(t, node.address);
      if (inserted) continue;
      const bool own_joining_entry = owner->second == node.address && found != existing.end() &&
                                     std::count(found->second->tokens.begin(), found->second->tokens.end(), t) != 0;
      if (own_joining_entry) continue;
      return Error::invalid_input(where + ": token " + format_token(t) + " is already owned by " +
                                  (owner->second == node.address ? "this node (given twice)" : owner->second));
    }
  }
  return Ok{};
}

Status check_removed(const ClusterSnapshot& before, const TopologyChange& change) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < change.removed.size(); ++i) {
    const std::string& address = change.removed[i];
    const std::string where = "removed[" + std::to_string(i) + "] (" + address + ")";
    auto node =
        std::find_if(before.nodes.begin(), before.nodes.end(), [&](const Node& n) { return n.address == address; });
    if (node == before.nodes.end()) return Error::not_found(where + ": no node with this address");
    if (!seen.insert(address).second) return Error::invalid_input(where + ": address given twice");
    if (node->state == NodeState::kJoining) {
      return Error::invalid_input(where + ": node is joining, not a member of the token ring");
    }
  }
  return Ok{};
}

// ---- replicas by node id ---------------------------------------------------------------------

// Node ids are positions in MovementPlan::nodes: the snapshot's nodes, then new addresses.
using NodeId = std::uint32_t;
using Replicas = std::vector<NodeId>;

// For one ring and keyspace, the replicas of the range ending at each ring index, as ids.
// nullopt for LocalStrategy.
Result<std::optional<std::vector<Replicas>>> replica_table(const TokenRing& ring, const Replication& replication,
                                                           const std::vector<NodeId>& id_of) {
  if (replication.kind == StrategyKind::kLocal) return std::optional<std::vector<Replicas>>{};
  auto placement = ReplicaPlacement::create(ring, replication);
  if (!placement.ok()) return placement.error();
  std::vector<Replicas> table(ring.size());
  placement->for_each_range([&](std::size_t i, const std::vector<NodeIndex>& replicas) {
    for (NodeIndex node : replicas) table[i].push_back(id_of[node]);
  });
  return std::optional<std::vector<Replicas>>{std::move(table)};
}

long double ring_fraction(const TokenRange& range) {
  return range.is_full_ring() ? 1.0L : static_cast<long double>(range.width()) / 18446744073709551616.0L;
}

bool contains(const Replicas& replicas, NodeId id) {
  return std::find(replicas.begin(), replicas.end(), id) != replicas.end();
}

// ---- the plan --------------------------------------------------------------------------------

struct NodeFacts {
  std::string dc;
  std::string rack;
  bool removed = false;
  long double replicated = 0;  // sum over keyspaces of the ring fraction replicated before
  long double density = 0;     // bytes per unit of ring fraction, see the byte model
};

class Planner {
 public:
  Planner(const ClusterSnapshot& before, const TopologyChange& change, MovementPlan& plan)
      : before_(before), change_(change), plan_(plan), ring_before_(before), ring_after_(plan.after) {}

  Status run() {
    assign_ids();
    std::vector<std::optional<std::vector<Replicas>>> tables_before;
    for (const Keyspace& keyspace : before_.keyspaces) {
      auto table = replica_table(ring_before_, keyspace.replication, id_before_);
      if (!table.ok()) return table.error().with_context("keyspace " + keyspace.name);
      tables_before.push_back(std::move(table).value());
    }
    estimate_densities(tables_before);
    for (std::size_t k = 0; k < before_.keyspaces.size(); ++k) {
      if (!tables_before[k]) continue;
      const Keyspace& keyspace = before_.keyspaces[k];
      auto table_after = replica_table(ring_after_, keyspace.replication, id_after_);
      if (!table_after.ok()) return table_after.error().with_context("keyspace " + keyspace.name);
      plan_keyspace(keyspace.name, *tables_before[k], **table_after);
      add_refusals(keyspace);
    }
    finish_totals();
    return Ok{};
  }

 private:
  void assign_ids() {
    std::map<std::string, NodeId> ids;
    for (const Node& node : before_.nodes) {
      ids.emplace(node.address, static_cast<NodeId>(facts_.size()));
      id_before_.push_back(static_cast<NodeId>(facts_.size()));
      facts_.push_back({node.dc, node.rack, false, 0, 0});
      plan_.nodes.push_back({node.address, 0, 0, 0, 0, 0});
    }
    for (const std::string& address : change_.removed) facts_[ids.at(address)].removed = true;
    for (const Node& node : plan_.after.nodes) {
      auto [it, added] = ids.emplace(node.address, static_cast<NodeId>(facts_.size()));
      if (added) {
        facts_.push_back({node.dc, node.rack, false, 0, 0});
        plan_.nodes.push_back({node.address, 0, 0, 0, 0, 0});
      } else {
        facts_[it->second].dc = node.dc;  // a joining entry replaced by its added form
        facts_[it->second].rack = node.rack;
      }
      id_after_.push_back(it->second);
    }
  }

  void estimate_densities(const std::vector<std::optional<std::vector<Replicas>>>& tables) {
    for (const auto& table : tables) {
      if (!table) continue;
      for (std::size_t i = 0; i < ring_before_.size(); ++i) {
        const long double fraction = ring_fraction(piece_range(ring_before_.tokens(), i));
        for (NodeId id : (*table)[i]) facts_[id].replicated += fraction;
      }
    }
    long double known_sum = 0;
    int known_count = 0;
    for (std::size_t i = 0; i < before_.nodes.size(); ++i) {
      const auto& load = before_.nodes[i].load_bytes;
      if (!load || facts_[i].replicated == 0) continue;
      facts_[i].density = static_cast<long double>(std::max<std::int64_t>(*load, 0)) / facts_[i].replicated;
      known_sum += facts_[i].density;
      ++known_count;
    }
    const long double fallback = known_count == 0 ? 0 : known_sum / known_count;
    for (std::size_t i = 0; i < before_.nodes.size(); ++i) {
      const auto& load = before_.nodes[i].load_bytes;
      if (!load && facts_[i].replicated > 0) facts_[i].density = fallback;
      plan_.nodes[i].load_before = load ? static_cast<std::uint64_t>(std::max<std::int64_t>(*load, 0))
                                        : bytes(facts_[i].density, facts_[i].replicated);
    }
  }

  static std::uint64_t bytes(long double density, long double fraction) {
    return static_cast<std::uint64_t>(std::llround(density * fraction));
  }

  // The range ending at tokens[i], wrapping at 0; the whole ring for a single token.
  static TokenRange piece_range(const std::vector<Token>& tokens, std::size_t i) {
    return {tokens[i == 0 ? tokens.size() - 1 : i - 1], tokens[i]};
  }

  // Walks the ranges cut at both rings' tokens, merging neighbours with the same replicas
  // before and after, and records what each piece moves.
  void plan_keyspace(const std::string& keyspace, const std::vector<Replicas>& before,
                     const std::vector<Replicas>& after) {
    std::vector<Token> cuts = ring_before_.tokens();
    cuts.insert(cuts.end(), ring_after_.tokens().begin(), ring_after_.tokens().end());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    static const Replicas kNone;
    const Replicas* open_before = nullptr;
    const Replicas* open_after = nullptr;
    TokenRange open{};
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      const Replicas& b = ring_before_.empty() ? kNone : before[ring_before_.index_for(cuts[i])];
      const Replicas& a = ring_after_.empty() ? kNone : after[ring_after_.index_for(cuts[i])];
      if (open_before != nullptr && *open_before == b && *open_after == a) {
        open.right = cuts[i];
        continue;
      }
      if (open_before != nullptr) record_piece(keyspace, open, *open_before, *open_after);
      open = piece_range(cuts, i);
      open_before = &b;
      open_after = &a;
    }
    if (open_before != nullptr) record_piece(keyspace, open, *open_before, *open_after);
  }

  void record_piece(const std::string& keyspace, const TokenRange& range, const Replicas& before,
                    const Replicas& after) {
    const long double fraction = ring_fraction(range);
    for (NodeId target : after) {
      if (contains(before, target)) continue;
      const std::optional<NodeId> source = choose_source(target, before, after);
      RangeMove move{keyspace, range, "", plan_.nodes[target].address, 0};
      if (source) {
        move.source = plan_.nodes[*source].address;
        move.estimated_bytes = bytes(facts_[*source].density, fraction);
        plan_.nodes[*source].bytes_out += move.estimated_bytes;
      } else {
        move.estimated_bytes = bytes(mean_density(before), fraction);
        plan_.unsourced_bytes += move.estimated_bytes;
      }
      plan_.nodes[target].bytes_in += move.estimated_bytes;
      plan_.total_bytes += move.estimated_bytes;
      plan_.moves.push_back(std::move(move));
    }
    for (NodeId node : before) {
      if (contains(after, node) || facts_[node].removed) continue;
      const std::uint64_t dropped = bytes(facts_[node].density, fraction);
      plan_.nodes[node].bytes_dropped += dropped;
      plan_.losses.push_back({keyspace, range, plan_.nodes[node].address, dropped});
    }
  }

  // Losing replicas first, then the same DC, then the same rack; placement order breaks ties.
  std::optional<NodeId> choose_source(NodeId target, const Replicas& before, const Replicas& after) const {
    std::optional<NodeId> best;
    int best_rank = 0;
    for (NodeId candidate : before) {
      if (facts_[candidate].removed && change_.removal == Removal::kRemoveNode) continue;
      const bool same_dc = facts_[candidate].dc == facts_[target].dc;
      const int rank = (contains(after, candidate) ? 4 : 0) + (same_dc ? 0 : 2) +
                       (same_dc && facts_[candidate].rack == facts_[target].rack ? 0 : 1);
      if (!best || rank < best_rank) {
        best = candidate;
        best_rank = rank;
      }
    }
    return best;
  }

  long double mean_density(const Replicas& replicas) const {
    if (replicas.empty()) return 0;
    long double sum = 0;
    for (NodeId id : replicas) sum += facts_[id].density;
    return sum / static_cast<long double>(replicas.size());
  }

  // Ring members of `dc` (all DCs when null) in a snapshot, as Cassandra counts N.
  static int ring_members(const ClusterSnapshot& snapshot, const std::string* dc) {
    return static_cast<int>(std::count_if(snapshot.nodes.begin(), snapshot.nodes.end(), [&](const Node& node) {
      return node.state != NodeState::kJoining && (dc == nullptr || node.dc == *dc);
    }));
  }

  void add_refusals(const Keyspace& keyspace) {
    const Replication& replication = keyspace.replication;
    if (change_.removed.empty()) return;
    std::set<std::string> dcs;
    if (replication.kind == StrategyKind::kNetworkTopology) {
      for (const std::string& address : change_.removed) {
        for (const Node& node : before_.nodes) {
          if (node.address == address) dcs.insert(node.dc);
        }
      }
    } else {
      dcs.insert("");
    }
    for (const std::string& dc : dcs) {
      const std::string* only = dc.empty() ? nullptr : &dc;
      const int rf = only == nullptr ? replication.total_replicas() : replication.replicas_in(dc);
      const int nodes_before = ring_members(before_, only);
      const int nodes_after = ring_members(plan_.after, only);
      if (rf == 0 || nodes_after >= rf) continue;
      plan_.refusals.push_back({keyspace.name, dc, rf, nodes_before, nodes_after,
                                "Not enough live nodes to maintain replication factor in keyspace " + keyspace.name +
                                    " (RF = " + std::to_string(rf) + ", N = " + std::to_string(nodes_before) +
                                    "). Perform a forceful decommission to ignore."});
    }
  }

  void finish_totals() {
    for (std::size_t id = 0; id < plan_.nodes.size(); ++id) {
      NodeMovement& node = plan_.nodes[id];
      if (facts_[id].removed) continue;  // load_after stays 0
      const std::uint64_t kept = node.load_before + node.bytes_in;
      node.load_after = kept > node.bytes_dropped ? kept - node.bytes_dropped : 0;
    }
  }

  const ClusterSnapshot& before_;
  const TopologyChange& change_;
  MovementPlan& plan_;
  const TokenRing ring_before_;
  const TokenRing ring_after_;
  std::vector<NodeFacts> facts_;   // by node id
  std::vector<NodeId> id_before_;  // by snapshot node index
  std::vector<NodeId> id_after_;   // by plan.after node index
};

}  // namespace

Result<ClusterSnapshot> apply_topology_change(const ClusterSnapshot& before, const TopologyChange& change) {
  if (Status status = check_removed(before, change); !status.ok()) return status.error();
  if (Status status = check_added(before, change); !status.ok()) return status.error();
  const std::set<std::string> removed(change.removed.begin(), change.removed.end());
  std::map<std::string, const Node*> added;
  for (const Node& node : change.added) added.emplace(node.address, &node);

  ClusterSnapshot after = before;
  after.nodes.clear();
  auto normal = [](Node node) {
    node.state = NodeState::kNormal;
    std::sort(node.tokens.begin(), node.tokens.end());
    return node;
  };
  for (const Node& node : before.nodes) {
    if (removed.count(node.address) != 0) continue;
    auto replacement = added.find(node.address);
    if (replacement == added.end()) {
      after.nodes.push_back(node);
    } else {
      after.nodes.push_back(normal(*replacement->second));
      added.erase(replacement);
    }
  }
  for (const Node& node : change.added) {
    if (added.count(node.address) != 0) after.nodes.push_back(normal(node));
  }
  return after;
}

Result<MovementPlan> plan_movement(const ClusterSnapshot& before, const TopologyChange& change) {
  auto after = apply_topology_change(before, change);
  if (!after.ok()) return after.error();
  MovementPlan plan;
  plan.after = std::move(after).value();
  Planner planner(before, change, plan);
  if (Status status = planner.run(); !status.ok()) return status.error();
  return plan;
}

}  // namespace ringcore
