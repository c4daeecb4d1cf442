// Movement planning: which ranges move, from where, to where, and roughly how many bytes, when
// nodes join (bootstrap) or leave (decommission, removenode) the normal ring.
//
// The plan compares two normal rings: the snapshot's and the one after the change. Ranges are
// cut at the tokens of both rings, so each piece has one replica list before and one after; a
// node in `after` but not in `before` gains the piece (it must receive it: a RangeMove), a node
// in `before` but not in `after` loses it (it may drop it: cleanup). Replicas before + move
// targets - losses - removed nodes = replicas after, for every token. The lab node streams
// what plan_movement lists; the CLI uses the totals to predict movement and headroom.
//
// Byte model (documented estimate; load is per node over all keyspaces): each node's load is
// spread evenly over everything it replicates, in proportion to range width, over all non-local
// keyspaces of the snapshot. A node's "density" is load_bytes / (sum over keyspaces of the
// fraction of the ring it replicates), so the bytes a node holds for (keyspace, range) are
// density × width / 2^64 and add up to its load. A move is costed at its source's density (what
// the source sends); a move without a source at the mean density of the range's replicas
// before; a loss at the losing node's density. Nodes without a known load get the mean density
// of those with one (0 when none has one). With balanced data this reproduces the capacity rule
// "data to stream = data × RF × k / (N + k)" for adding k nodes to N.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringcore {

// How the removed nodes leave: decommission (alive, they stream their own ranges away) or
// removenode (dead, surviving replicas restore the replica count).
enum class Removal { kDecommission, kRemoveNode };

struct TopologyChange {
  // Nodes joining with their tokens. An address may name a node the snapshot shows as joining
  // (its pending bootstrap is what is planned); any other existing address is an error.
  std::vector<Node> added;
  std::vector<std::string> removed;  // addresses of ring members
  Removal removal = Removal::kDecommission;
};

// `target` gains a replica of `range` for `keyspace` and receives it from `source`.
// Source choice, as Cassandra's streamers choose it: a current replica that loses the range
// (bootstrap's strict-consistency source, and the leaving node itself on decommission); else
// any current replica. Among several, the nearest the target (same DC, then same rack) wins,
// ties going to the first in placement order (the server's replica order).
// Dead removed nodes (Removal::kRemoveNode) are never sources. `source` is empty when no
// current replica can send the range: the data is lost (removenode at RF 1) or never existed
// (an empty ring).
struct RangeMove {
  std::string keyspace;
  TokenRange range;
  std::string source;
  std::string target;
  std::uint64_t estimated_bytes = 0;
};

// `node` stays in the ring but no longer replicates `range` for `keyspace` (cleanup drops it).
// Removed nodes lose everything and are not listed.
struct RangeLoss {
  std::string keyspace;
  TokenRange range;
  std::string node;
  std::uint64_t estimated_bytes = 0;
};

// Per node, over all keyspaces. load_after = load_before + bytes_in - bytes_dropped for nodes
// that stay (after cleanup), 0 for removed nodes; load_before is 0 for added nodes and the
// estimate's load (see the byte model) when the snapshot's load is unknown.
struct NodeMovement {
  std::string address;
  std::uint64_t bytes_in = 0;       // as a target
  std::uint64_t bytes_out = 0;      // as a source
  std::uint64_t bytes_dropped = 0;  // lost ranges, stays only
  std::uint64_t load_before = 0;
  std::uint64_t load_after = 0;
};

// A removal that leaves fewer ring members than a keyspace's rf (in the removed node's DC for
// NetworkTopologyStrategy, in the ring otherwise). Cassandra's decommission refuses it unless
// forced; the plan is still computed.
struct ReplicationRefusal {
  std::string keyspace;
  std::string dc;  // empty for SimpleStrategy
  int rf = 0;
  int nodes_before = 0;  // ring members counted, as Cassandra counts them (N)
  int nodes_after = 0;
  std::string message;  // Cassandra's wording
};

struct MovementPlan {
  ClusterSnapshot after;  // the snapshot with the change applied (added nodes normal)
  // Ordered by keyspace (snapshot order), then range (ascending end token), then target in
  // the order of the replicas after. Adjacent pieces with the same replicas before and after
  // are merged.
  std::vector<RangeMove> moves;
  std::vector<RangeLoss> losses;    // same order, by node instead of target
  std::vector<NodeMovement> nodes;  // snapshot nodes in order, then added nodes
  std::vector<ReplicationRefusal> refusals;
  std::uint64_t total_bytes = 0;      // sum over moves
  std::uint64_t unsourced_bytes = 0;  // part of total_bytes on moves without a source
};

// The snapshot after `change`: removed nodes dropped, added nodes appended (or replacing the
// joining entry of the same address) with state normal and sorted tokens.
// Errors (kInvalidInput unless said): an added node without address, dc or tokens; an added
// address that exists and is not joining, or is given twice, or is also removed; an added
// token already owned by another node or given twice; a removed address that is unknown
// (kNotFound), given twice, or not a ring member (joining).
Result<ClusterSnapshot> apply_topology_change(const ClusterSnapshot& before, const TopologyChange& change);

// The movement plan for `change` on `before`'s normal ring, over every keyspace except
// LocalStrategy ones. Errors: those of apply_topology_change. Pure and deterministic.
Result<MovementPlan> plan_movement(const ClusterSnapshot& before, const TopologyChange& change);

}  // namespace ringcore
