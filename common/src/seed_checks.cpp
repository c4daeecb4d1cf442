#include "ringcore/seed_checks.h"

#include <map>
#include <set>

#include "analysis_text.h"

namespace ringcore {

using namespace analysis_text;

HealthCheck check_seed_lists(const ClusterSnapshot& snapshot, const ClusterObservations& observations) {
  HealthCheck check;
  check.name = "seed_lists";
  if (!observations.seeds) {
    check.message = "the seed lists are not known (no agent reports its node's seeds): check them by hand";
    return check;
  }
  std::map<std::string, const Node*> members;
  std::map<std::string, std::vector<std::string>> seeds_by_dc;
  for (const Node& node : snapshot.nodes) {
    members[node.address] = &node;
    seeds_by_dc.try_emplace(node.dc);
  }
  std::vector<std::string> departed;
  for (const std::string& seed : *observations.seeds) {
    const auto member = members.find(seed);
    if (member == members.end()) {
      departed.push_back(seed);
    } else {
      seeds_by_dc[member->second->dc].push_back(seed);
    }
  }
  std::vector<std::string> problems;
  if (!departed.empty()) {
    problems.push_back(joined(departed) + (departed.size() == 1 ? " is" : " are") +
                       " in a seed list but no longer in the ring: remove " + (departed.size() == 1 ? "it" : "them") +
                       " from the seeds of every node's configuration");
    check.nodes = departed;
  }
  std::string by_dc;  // "dc1: 10.0.0.1, 10.0.0.2; dc2: 10.0.1.1"
  for (const auto& [dc, seeds] : seeds_by_dc) {
    if (seeds.empty()) {
      problems.push_back(dc + " has no seed: name one or two of its nodes in every node's seed list");
    } else {
      by_dc += (by_dc.empty() ? "" : "; ") + dc + ": " + joined(seeds);
    }
  }
  if (problems.empty()) {
    check.status = CheckStatus::kOk;
    check.message = "seeds by datacenter " + by_dc + " (a node added is a seed only once named in the seed lists)";
  } else {
    check.status = CheckStatus::kWarn;
    check.message = joined(problems) + " (a node reads its seeds at start; Cassandra 4.0+: nodetool reloadseeds)";
  }
  return check;
}

}  // namespace ringcore
