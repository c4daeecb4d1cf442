// ClusterView: an immutable picture of the cluster built from one moment of gossip: the
// snapshot nodes (gossip_view.h), the token ring over them and who is up. Requests share one
// view through a shared_ptr; gossip builds a new one when membership, tokens or liveness change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/ring.h"
#include "ringcore/snapshot.h"

namespace ringnode {

struct ClusterView {
  explicit ClusterView(std::vector<ringcore::Node> nodes) : snapshot(make_snapshot(std::move(nodes))), ring(snapshot) {}

  ringcore::ClusterSnapshot snapshot;  // nodes only; cluster name and keyspaces are filled by callers
  ringcore::TokenRing ring;

  const std::string& address(ringcore::NodeIndex node) const { return snapshot.nodes[node].address; }
  bool is_up(ringcore::NodeIndex node) const { return snapshot.nodes[node].status == ringcore::NodeStatus::kUp; }
  std::optional<ringcore::NodeIndex> find(std::string_view address) const {
    for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
      if (snapshot.nodes[i].address == address) return static_cast<ringcore::NodeIndex>(i);
    }
    return std::nullopt;
  }

 private:
  static ringcore::ClusterSnapshot make_snapshot(std::vector<ringcore::Node> nodes) {
    ringcore::ClusterSnapshot snapshot;
    snapshot.partitioner = "org.apache.cassandra.dht.Murmur3Partitioner";
    snapshot.nodes = std::move(nodes);
    return snapshot;
  }
};

}  // namespace ringnode
