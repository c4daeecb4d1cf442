#include "views/freshness_view.h"

#include <cmath>
#include <sstream>

namespace ringctl {

void print_freshness_line(const std::optional<ViewFreshness>& freshness, std::ostream& out) {
  if (!freshness || !freshness->stale) return;
  std::ostringstream line;
  line << "WARNING: stale view: no agent has a current view (" << freshness->agents_asked
       << " answered); this is agent " << freshness->agent << "'s";
  if (freshness->age_seconds) line << ", " << std::lround(*freshness->age_seconds) << " s old";
  if (!freshness->error.empty()) line << " (its node: " << freshness->error << ")";
  line << '.';
  if (!freshness->distrusted_nodes.empty()) {
    line << " Not trusted up, shown as ?:";
    for (const std::string& node : freshness->distrusted_nodes) line << ' ' << node;
    line << " (a node's cached opinion of itself is no evidence that it is up).";
  }
  out << line.str() << "\n\n";
}

Document freshness_document(const std::optional<ViewFreshness>& freshness) {
  if (!freshness) return nullptr;
  return {{"agent", freshness->agent},
          {"stale", freshness->stale},
          {"age_seconds", freshness->age_seconds ? Document(*freshness->age_seconds) : Document(nullptr)},
          {"error", freshness->error.empty() ? Document(nullptr) : Document(freshness->error)},
          {"agents_asked", freshness->agents_asked},
          {"distrusted_nodes", freshness->distrusted_nodes}};
}

}  // namespace ringctl
