// The status view: nodetool status's table, and its JSON/YAML document.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "output.h"
#include "ringcore/ownership.h"
#include "ringcore/snapshot.h"

namespace ringctl {

struct StatusRow {
  const ringcore::Node* node;
  std::size_t token_count;
  std::optional<double> owns;  // fraction; effective, or raw when !ownership.effective
};

struct StatusDatacenter {
  std::string name;
  std::vector<StatusRow> rows;  // sorted by address
};

struct StatusReport {
  std::string cluster;
  std::optional<std::string> keyspace;  // as asked for
  ringcore::OwnershipView ownership;
  std::vector<StatusDatacenter> datacenters;  // sorted by name
  // nodetool's layout switch: a Token column instead of Tokens when there are no more tokens
  // than datacenters (a 4.1/5.0 quirk, kept for compatibility).
  bool token_per_node = false;
};

// Builds the report. Throws ringcore::Error (unknown keyspace).
// The report points into `snapshot`, which must outlive it.
StatusReport build_status(const ringcore::ClusterSnapshot& snapshot, const std::optional<std::string>& keyspace);

void print_status_table(const StatusReport& report, std::ostream& out);
Document status_document(const StatusReport& report);

}  // namespace ringctl
