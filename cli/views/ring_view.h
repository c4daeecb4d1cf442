// The ring view: nodetool ring's per-token listing, and its JSON/YAML document.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "output.h"
#include "ringcore/ownership.h"
#include "ringcore/snapshot.h"

namespace ringctl {

struct RingEntry {
  ringcore::Token token;
  const ringcore::Node* node;
  std::optional<double> owns;  // the node's ownership, repeated on each of its tokens
};

struct RingDatacenter {
  std::string name;
  std::vector<RingEntry> entries;  // ascending token order
};

struct RingReport {
  std::string cluster;
  std::optional<std::string> keyspace;
  ringcore::OwnershipView ownership;
  std::vector<RingDatacenter> datacenters;  // sorted by name
  bool vnodes = false;                      // some node has more than one token
  std::size_t address_width = 0;            // longest "ip:port", as nodetool sizes the column
};

// Lists every token of every node, joining nodes' pending tokens included (as nodetool does).
// Throws ringcore::Error (unknown keyspace). Points into `snapshot`, which must outlive it.
RingReport build_ring(const ringcore::ClusterSnapshot& snapshot, const std::optional<std::string>& keyspace);

void print_ring_table(const RingReport& report, std::ostream& out);
Document ring_document(const RingReport& report);

}  // namespace ringctl
