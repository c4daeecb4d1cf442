// The describering view: every primary range of the ring with its replicas.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "output.h"
#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringctl {

struct DescribedRange {
  ringcore::TokenRange range;
  std::vector<const ringcore::Node*> endpoints;  // in replica order
};

struct DescribeRingReport {
  std::string schema_version;
  std::vector<DescribedRange> ranges;  // ascending by end token
};

// Throws ringcore::Error: unknown keyspace, or a LocalStrategy keyspace (it has no ring).
DescribeRingReport build_describering(const ringcore::ClusterSnapshot& snapshot, const std::string& keyspace);

void print_describering_table(const DescribeRingReport& report, std::ostream& out);
Document describering_document(const DescribeRingReport& report);

}  // namespace ringctl
