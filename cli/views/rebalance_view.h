// The rebalance view: per DC the ownership and load spread, then each finding with its
// evidence and fix; the document {"datacenters": [...], "findings": [{"kind", "dc", "nodes",
// "value", "threshold", "message", "fix", "cleanup"}]} (docs/json-output.md).
#pragma once

#include <ostream>

#include "output.h"
#include "ringcore/rebalance.h"

namespace ringctl {

void print_rebalance_table(const ringcore::RebalanceReport& report, std::ostream& out);
Document rebalance_document(const ringcore::RebalanceReport& report);

}  // namespace ringctl
