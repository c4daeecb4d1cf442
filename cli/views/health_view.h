// The health view: one row per check and the overall status, or the JSON/YAML document
// {"status", "fail_on", "checks": [{"name", "status", "value", "threshold", "message", "nodes"}]}
// (docs/json-output.md).
#pragma once

#include <ostream>

#include "output.h"
#include "ringcore/health_checks.h"

namespace ringctl {

struct HealthView {
  ringcore::HealthReport report;
  ringcore::CheckStatus fail_on = ringcore::CheckStatus::kCritical;
  std::string snapshot_from;  // the agent whose snapshot was judged; "" offline
};

void print_health_table(const HealthView& view, std::ostream& out);
Document health_document(const HealthView& view);

}  // namespace ringctl
