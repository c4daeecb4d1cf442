// What a node's load should be, given what it replicates: the figures the analysis rules
// (health, plan, rebalance) compare nodes with. The same byte model as movement.h: a node's load
// is spread over everything it replicates, so load / replicated fraction is its "density", and
// nodes of one DC holding data of the same keyspaces should have about the same density.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ringcore/snapshot.h"

namespace ringcore {

// Per snapshot node: the fraction of the ring it holds a replica of, summed over every keyspace
// except LocalStrategy ones (2.0 = two keyspaces' worth of full copies); its raw ownership when
// the snapshot has no such keyspace. When nodes report their keyspace_loads, each keyspace
// counts by its share of the data (a keyspace holding nothing, as Cassandra's system_auth or
// system_traces often do, counts for nothing; the weights still add up to the number of
// keyspaces); otherwise all count alike. nullopt for nodes outside the ring (joining).
std::vector<std::optional<double>> replicated_fractions(const ClusterSnapshot& snapshot);

// The datacenters that have ring members, sorted by name.
std::vector<std::string> datacenter_names(const ClusterSnapshot& snapshot);

// The replication factor a DC is balanced for: the keyspace's rf in `dc` when one is given,
// else the largest rf any keyspace gives the DC (SimpleStrategy's rf counts for every DC);
// at least 1.
int datacenter_rf(const ClusterSnapshot& snapshot, const std::string& dc, const Keyspace* keyspace = nullptr);

// Effective ownership of each ring member of `dc` under NetworkTopologyStrategy {dc: rf}, as
// (snapshot node index, fraction of the ring) in snapshot order: how even the DC's tokens are
// for that rf, whatever the keyspaces. Empty when the DC has no ring member.
std::vector<std::pair<std::size_t, double>> datacenter_ownership(const ClusterSnapshot& snapshot, const std::string& dc,
                                                                 int rf);

// A node's density: load_bytes / replicated fraction; nullopt when either is unknown or the
// fraction is 0.
std::optional<double> node_density(const Node& node, const std::optional<double>& fraction);

}  // namespace ringcore
