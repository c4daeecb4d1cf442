// The plan views: plan add and plan remove (a ScalePlan: per-node forecast, transfers, the
// seeds' formulas, verdict), and plan capacity (nodes to add per DC). Tables on a terminal,
// documents with -o json|yaml in the shapes of docs/json-output.md.
#pragma once

#include <ostream>
#include <vector>

#include "output.h"
#include "ringcore/scale_plan.h"

namespace ringctl {

void print_plan_table(const ringcore::ScalePlan& plan, std::ostream& out);
Document plan_document(const ringcore::ScalePlan& plan);

struct CapacityView {
  double target = 0.5;  // disk use ratio
  std::vector<ringcore::CapacityNeed> needs;
};

void print_capacity_table(const CapacityView& view, std::ostream& out);
Document capacity_document(const CapacityView& view);

}  // namespace ringctl
