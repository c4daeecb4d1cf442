// How fresh a live view is: which agent's cache it came from and whether that agent has heard
// from its node lately (the agent's "freshness", docs/api.md). A stale view is marked, never
// passed off as the cluster's truth: a line above the table, and "freshness" in JSON/YAML.
// docs/live-reads.md has the rules.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "output.h"

namespace ringctl {

struct ViewFreshness {
  std::string agent;                  // the agent whose view is shown
  bool stale = false;                 // no agent asked had a current view
  std::optional<double> age_seconds;  // of the view shown
  std::string error;                  // the agent's last error from its node ("" none)
  int agents_asked = 0;               // agents that answered
  // Nodes shown with status unknown although the view says up: the stale agent's own node,
  // whose cached opinion of itself is no evidence that it is up.
  std::vector<std::string> distrusted_nodes;
};

// Nothing for a current view; for a stale one, one line starting "WARNING: stale view".
void print_freshness_line(const std::optional<ViewFreshness>& freshness, std::ostream& out);

// {"agent", "stale", "age_seconds", "error", "agents_asked", "distrusted_nodes"}; null for a
// view read from a file.
Document freshness_document(const std::optional<ViewFreshness>& freshness);

}  // namespace ringctl
