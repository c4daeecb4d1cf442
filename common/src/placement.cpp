#include "ringcore/placement.h"

#include <algorithm>

namespace ringcore {

Result<ReplicaPlacement> ReplicaPlacement::create(const TokenRing& ring, const Replication& replication) {
  if (replication.kind == StrategyKind::kLocal) {
    return Error::unsupported("LocalStrategy keyspaces have no ring");
  }
  return ReplicaPlacement(ring, replication);
}

ReplicaPlacement::ReplicaPlacement(const TokenRing& ring, const Replication& replication)
    : ring_(&ring), kind_(replication.kind), simple_rf_(replication.replication_factor) {
  dc_rf_.assign(ring.dc_count(), 0);
  for (std::uint32_t dc = 0; dc < ring.dc_count(); ++dc) dc_rf_[dc] = replication.replicas_in(ring.dc_name(dc));
  node_stamp_.assign(ring.node_count(), 0);
  rack_stamp_.assign(ring.rack_count(), 0);
}

void ReplicaPlacement::replicas_at(std::size_t ring_index, std::vector<NodeIndex>& out) const {
  std::vector<std::size_t> cursors;
  if (kind_ == StrategyKind::kNetworkTopology) {
    for (std::uint32_t dc = 0; dc < dc_rf_.size(); ++dc) {
      const auto& positions = ring_->positions_in_dc(dc);
      cursors.push_back(static_cast<std::size_t>(std::lower_bound(positions.begin(), positions.end(), ring_index) -
                                                 positions.begin()));
    }
  }
  walk(ring_index, cursors, out);
}

void ReplicaPlacement::walk(std::size_t start, const std::vector<std::size_t>& dc_cursors,
                            std::vector<NodeIndex>& out) const {
  out.clear();
  if (ring_->empty()) return;
  if (++stamp_ == 0) {  // wrapped after 2^32 calls: clear once and go on
    std::fill(node_stamp_.begin(), node_stamp_.end(), 0);
    std::fill(rack_stamp_.begin(), rack_stamp_.end(), 0);
    stamp_ = 1;
  }
  if (kind_ == StrategyKind::kSimple) {
    simple_walk(start, out);
  } else {
    network_topology_walk(start, dc_cursors, out);
  }
}

std::vector<NodeIndex> ReplicaPlacement::replicas_for_token(Token token) const {
  std::vector<NodeIndex> out;
  if (!ring_->empty()) replicas_at(ring_->index_for(token), out);
  return out;
}

void ReplicaPlacement::simple_walk(std::size_t start, std::vector<NodeIndex>& out) const {
  const std::size_t n = ring_->size();
  const std::size_t wanted = static_cast<std::size_t>(simple_rf_);
  for (std::size_t step = 0; step < n && out.size() < wanted; ++step) {
    std::size_t i = start + step;
    if (i >= n) i -= n;
    const NodeIndex node = ring_->owner_at(i);
    if (node_stamp_[node] == stamp_) continue;
    node_stamp_[node] = stamp_;
    out.push_back(node);
  }
}

void ReplicaPlacement::network_topology_walk(std::size_t start, const std::vector<std::size_t>& dc_cursors,
                                             std::vector<NodeIndex>& out) const {
  const std::size_t n = ring_->size();
  picks_.clear();
  for (std::uint32_t dc = 0; dc < dc_rf_.size(); ++dc) {
    const int rf = dc_rf_[dc];
    const int members = static_cast<int>(ring_->members_in_dc(dc));
    if (rf <= 0 || members == 0) continue;
    int rf_left = std::min(rf, members);
    // With fewer racks than rf, each rack still gets a replica and the first nodes met in
    // used racks fill the difference.
    int repeats_left = rf - static_cast<int>(ring_->racks_in_dc(dc));

    const std::vector<std::uint32_t>& positions = ring_->positions_in_dc(dc);
    std::size_t k = dc_cursors[dc];
    for (std::size_t step = 0; step < positions.size() && rf_left > 0; ++step, ++k) {
      if (k == positions.size()) k = 0;
      const std::size_t position = positions[k];
      const NodeIndex node = ring_->owner_at(position);
      if (!take_nts_replica(node, ring_->rack_of(node), stamp_, node_stamp_, rack_stamp_, repeats_left)) continue;
      picks_.push_back({position >= start ? position - start : position + n - start, node});
      --rf_left;
    }
  }
  // Insertion sort: a handful of picks, each DC's already in order.
  for (std::size_t i = 1; i < picks_.size(); ++i) {
    for (std::size_t j = i; j > 0 && picks_[j].distance < picks_[j - 1].distance; --j)
      std::swap(picks_[j], picks_[j - 1]);
  }
  for (const Pick& pick : picks_) out.push_back(pick.node);
}

}  // namespace ringcore
