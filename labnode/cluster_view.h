// ClusterView: an immutable picture of the cluster built from one moment of gossip: the
// snapshot nodes (gossip_view.h), the token ring over them and who is up. Requests share one
// view through a shared_ptr; gossip builds a new one when membership, tokens or liveness change.
//
// While nodes join or leave (removing counts as leaving) the view also holds the ring as it
// will be once they are done (joining nodes normal, leaving nodes gone): the replicas a token
// has there but not now are its pending replicas, which writes must reach too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/movement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"

namespace ringnode {

struct ClusterView {
  explicit ClusterView(std::vector<ringcore::Node> nodes)
      : snapshot(make_snapshot(std::move(nodes))), ring(snapshot), future_snapshot(make_future(snapshot)) {
    if (future_snapshot) future_ring.emplace(*future_snapshot);
  }

  ringcore::ClusterSnapshot snapshot;  // nodes only; cluster name and keyspaces are filled by callers
  ringcore::TokenRing ring;
  // Set only while nodes are joining or leaving: the snapshot and ring after those changes.
  std::optional<ringcore::ClusterSnapshot> future_snapshot;
  std::optional<ringcore::TokenRing> future_ring;

  bool changing() const { return future_ring.has_value(); }

  const std::string& address(ringcore::NodeIndex node) const { return snapshot.nodes[node].address; }
  bool is_up(ringcore::NodeIndex node) const { return snapshot.nodes[node].status == ringcore::NodeStatus::kUp; }
  std::optional<ringcore::NodeIndex> find(std::string_view address) const {
    for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
      if (snapshot.nodes[i].address == address) return static_cast<ringcore::NodeIndex>(i);
    }
    return std::nullopt;
  }

 private:
  static std::optional<ringcore::ClusterSnapshot> make_future(const ringcore::ClusterSnapshot& now) {
    ringcore::TopologyChange change;
    for (const ringcore::Node& node : now.nodes) {
      if (node.state == ringcore::NodeState::kJoining && !node.tokens.empty()) change.added.push_back(node);
      if (node.state == ringcore::NodeState::kLeaving) change.removed.push_back(node.address);
    }
    if (change.added.empty() && change.removed.empty()) return std::nullopt;
    auto after = ringcore::apply_topology_change(now, change);
    if (!after) return std::nullopt;  // inconsistent gossip (e.g. a token claimed twice): no pending replicas
    return std::move(after).value();
  }

  static ringcore::ClusterSnapshot make_snapshot(std::vector<ringcore::Node> nodes) {
    ringcore::ClusterSnapshot snapshot;
    snapshot.partitioner = "org.apache.cassandra.dht.Murmur3Partitioner";
    snapshot.nodes = std::move(nodes);
    return snapshot;
  }
};

}  // namespace ringnode
