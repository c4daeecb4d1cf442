// The ranges of a keyspace with their replicas, as a ClusterView's ring places them: what
// cleanup keeps and repair validates.
#pragma once

#include <string>
#include <vector>

#include "cluster_view.h"
#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringcore/token.h"

namespace ringnode {

struct ReplicatedRange {
  ringcore::TokenRange range;
  std::vector<std::string> replicas;  // addresses, primary replica first
};

// Every range of the ring, in ring order, with its replicas. Errors: kUnsupported for
// LocalStrategy. An empty ring gives no ranges.
ringcore::Result<std::vector<ReplicatedRange>> replicated_ranges(const ClusterView& view,
                                                                 const ringcore::Replication& replication);

// The parts of `a` that are also in `b` (either may wrap; (x, x] is the whole ring).
std::vector<ringcore::TokenRange> intersect(const ringcore::TokenRange& a, const ringcore::TokenRange& b);

}  // namespace ringnode
