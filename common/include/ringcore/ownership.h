// Token ownership as Cassandra reports it: raw (each node's share of the ring by its own
// tokens) and effective (the share it holds a replica of, for one keyspace).
//
// Numbers follow Cassandra's arithmetic so that printed percentages agree with nodetool: each
// primary range's share is ((T_i - T_{i-1} + R) mod R) / R with R = 2^64 - 2, rounded to six
// decimals (half even) and held as a float; a node's ownership is the float sum of its shares
// in ascending token order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"

namespace ringcore {

// The share of each ring token's primary range, indexed like the ring. A one-token ring's
// only range has share 1.
std::vector<float> primary_range_shares(const TokenRing& ring);

// Per snapshot node, a fraction of the ring (1.0 = 100%); nullopt for nodes outside the ring
// (joining), which nodetool prints as '?'.
using NodeOwnership = std::vector<std::optional<double>>;

NodeOwnership raw_ownership(const TokenRing& ring);
NodeOwnership effective_ownership(const ReplicaPlacement& placement);

// What `status` and `ring` show in the Owns column, chosen as Cassandra chooses it.
struct OwnershipView {
  bool effective = false;  // false: effective ownership is not meaningful; see `note`
  std::string keyspace;    // the keyspace effective ownership was computed for, if any
  NodeOwnership owns;      // effective ownership, or raw ownership when !effective
  std::string note;        // nodetool's Note line, empty when there is none
};

// With a keyspace: its effective ownership; an unknown keyspace is kNotFound; LocalStrategy
// gives a note. Without one: the user keyspaces' effective ownership if they all have the
// same replication settings, else a note; with no user keyspace, system_traces' (as the server
// does), else a note.
Result<OwnershipView> ownership_view(const ClusterSnapshot& snapshot, const TokenRing& ring,
                                     const std::optional<std::string>& keyspace);

// System keyspaces, which `status` without a keyspace leaves out as Cassandra does.
bool is_system_keyspace(const std::string& name);

}  // namespace ringcore
