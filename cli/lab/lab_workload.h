// `lab stress` and `lab verify`: write rows through the coordinators, remember what was
// acknowledged, and later prove every acknowledged row is still there.
//
// stress appends one line per acknowledged write to <lab>/workload/<keyspace>.tsv
// (key, value digest, timestamp); verify reads every recorded row back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {

struct WorkloadOptions {
  std::string keyspace = "stress";
  std::int64_t rows = 10000;
  std::string consistency = "QUORUM";
  int threads = 4;
  int value_size = 100;
};

struct LatencySummary {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

struct StressReport {
  std::string keyspace;
  std::string consistency;
  std::int64_t attempted = 0;
  std::int64_t acknowledged = 0;
  std::int64_t failed = 0;
  double seconds = 0;
  LatencySummary latency;
  std::vector<std::string> sample_errors;  // the first few failures, verbatim
  // Acknowledged writes by how many replicas their coordinator sent them to (its answer's
  // "replicas"): fewer than the keyspace's replication factor means a coordinator's ring was
  // short of nodes, and those rows will lack a copy without any hint for it.
  std::map<int, std::int64_t> replicas_written;
};

struct VerifyReport {
  std::string keyspace;
  std::string consistency;
  std::int64_t checked = 0;
  std::int64_t missing = 0;           // not found at the consistency level
  std::int64_t stale = 0;             // found with another value
  std::int64_t under_replicated = 0;  // fewer replicas hold it than the keyspace's replicas
  std::int64_t unreadable = 0;        // the read itself failed (not enough replicas answered)
  std::vector<std::string> examples;  // a few of each problem
  bool lost() const { return missing > 0 || stale > 0; }
};

// Creates the keyspace if it does not exist (rf min(3, nodes) per datacenter) and waits until
// every running node knows it; those nodes (a node started meanwhile, still joining, may not
// know it yet: it is no coordinator for the workload). Throws ringcore::Error.
std::vector<const LabNode*> ensure_keyspace(const Lab& lab, const std::string& keyspace);

// Waits (up to 30 s, asking every 100 ms on `clock`) until each of `nodes` (the running ones)
// knows the keyspace: schema moves with gossip. Throws ringcore::Error naming the node that
// does not.
void wait_for_keyspace_everywhere(const Lab& lab, const std::vector<const LabNode*>& nodes, const std::string& keyspace,
                                  const ringruntime::WaitClock& clock = ringruntime::real_clock());

// Both use the running members only (the caller has taken departed nodes out of `lab`).
// Throws ringcore::Error for bad options (consistency level, counts) or no running node.
StressReport run_stress(const Lab& lab, const WorkloadOptions& options);
VerifyReport run_verify(const Lab& lab, const WorkloadOptions& options);

}  // namespace ringctl::lab
