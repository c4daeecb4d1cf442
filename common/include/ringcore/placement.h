// Replica placement: which nodes hold each range, in the order Cassandra's server lists them.
//
// SimpleStrategy walks the ring clockwise from the range's end token taking each new owner.
// NetworkTopologyStrategy makes one clockwise walk for all DCs: a node in a rack its DC has
// not used yet is always taken; a node in a used rack only while rf - racks(dc) repeats
// remain; a DC is full at min(rf, nodes in DC). See tests/vectors/README.md. Each DC's choices
// depend only on its own nodes, so this walks each DC's tokens separately (far fewer steps)
// and merges the picks back into ring order.
#pragma once

#include <cstddef>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringcore/ring.h"

namespace ringcore {

// NetworkTopologyStrategy's rule for one node met on one DC's clockwise walk: a node already
// chosen is skipped; a node in a rack the DC has not used yet is taken; a node in a used rack
// only while `repeats_left` (rf - racks in the DC) lasts. "Chosen" and "used" are marked by
// writing `stamp` into the per-node and per-rack arrays, so nothing needs clearing between
// walks. Returns whether the node is taken (and marks it). Shared by placement and the token
// allocator, which must agree on it.
inline bool take_nts_replica(std::uint32_t node, std::uint32_t rack, std::uint32_t stamp,
                             std::vector<std::uint32_t>& node_stamp, std::vector<std::uint32_t>& rack_stamp,
                             int& repeats_left) {
  if (node_stamp[node] == stamp) return false;
  if (rack_stamp[rack] != stamp) {
    rack_stamp[rack] = stamp;
  } else if (repeats_left > 0) {
    --repeats_left;
  } else {
    return false;
  }
  node_stamp[node] = stamp;
  return true;
}

class ReplicaPlacement {
 public:
  // Fails with kUnsupported for LocalStrategy, which has no ring.
  // REQUIRES: `ring` outlives the placement.
  static Result<ReplicaPlacement> create(const TokenRing& ring, const Replication& replication);

  // The replicas of the primary range ending at ring index i, written to `out` (cleared
  // first), primary replica first. Empty when the ring is empty.
  // Not thread-safe: it reuses scratch space. Use one placement per thread.
  void replicas_at(std::size_t ring_index, std::vector<NodeIndex>& out) const;

  // The replicas of the range holding `token`.
  std::vector<NodeIndex> replicas_for_token(Token token) const;

  // Calls fn(ring_index, replicas) for every range in ring order: the same replicas as
  // replicas_at(), faster for whole-ring passes (ownership, describering).
  template <class Fn>
  void for_each_range(Fn fn) const {
    std::vector<NodeIndex> replicas;
    std::vector<std::size_t> cursors(dc_rf_.size(), 0);
    for (std::size_t i = 0; i < ring_->size(); ++i) {
      for (std::size_t dc = 0; dc < cursors.size(); ++dc) {
        const auto& positions = ring_->positions_in_dc(static_cast<std::uint32_t>(dc));
        while (cursors[dc] < positions.size() && positions[cursors[dc]] < i) ++cursors[dc];
      }
      walk(i, cursors, replicas);
      fn(i, static_cast<const std::vector<NodeIndex>&>(replicas));
    }
  }

  const TokenRing& ring() const { return *ring_; }

 private:
  ReplicaPlacement(const TokenRing& ring, const Replication& replication);
  // The replicas of the range ending at ring index `start`; for NTS, dc_cursors[dc] is the
  // index in positions_in_dc(dc) of the first position at or after `start`.
  void walk(std::size_t start, const std::vector<std::size_t>& dc_cursors, std::vector<NodeIndex>& out) const;
  void simple_walk(std::size_t start, std::vector<NodeIndex>& out) const;
  void network_topology_walk(std::size_t start, const std::vector<std::size_t>& dc_cursors,
                             std::vector<NodeIndex>& out) const;

  const TokenRing* ring_;
  StrategyKind kind_;
  int simple_rf_ = 0;
  std::vector<int> dc_rf_;  // by DC number; 0 when the DC is not replicated

  // Scratch for the walks: an entry is "set" when it equals the current stamp, so nothing
  // needs clearing between calls.
  mutable std::uint32_t stamp_ = 0;
  mutable std::vector<std::uint32_t> node_stamp_;
  mutable std::vector<std::uint32_t> rack_stamp_;
  struct Pick {
    std::size_t distance;  // ring steps from the range's end token
    NodeIndex node;
  };
  mutable std::vector<Pick> picks_;
};

}  // namespace ringcore
