// ringd's local health checks (GET /v1/checks), computed from the cached facts: each is ok,
// warn or fail with a message saying what was seen. Pure.
//   backend_reachable  fail: the last collection failed or the facts are stale
//   node_state         ok NORMAL; warn STARTING/JOINING/LEAVING/MOVING; fail otherwise
//   peers_up           fail: an endpoint in this node's gossip is not up (nodes that left are skipped)
//   schema_agreement   fail: live endpoints gossip different SCHEMA versions
//   disk_space         warn below 10% free, fail below 5% (of the data directory's file system)
#pragma once

#include <string>
#include <vector>

#include "collected_facts.h"
#include "freshness.h"

namespace ringd {

struct Check {
  std::string name;
  std::string status;  // ok | warn | fail
  std::string message;
};

constexpr double kDiskFreeWarnRatio = 0.10;
constexpr double kDiskFreeFailRatio = 0.05;

std::vector<Check> run_checks(const CollectedFacts& facts, const Freshness& freshness);

}  // namespace ringd
