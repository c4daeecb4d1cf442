// Backend: what ringd knows of the node it sits beside, as the JSON documents of docs/api.md.
// The lab backend asks a ringnode's /v1 API; a Cassandra backend (JMX through Jolokia) will
// produce the same shapes, so the cache, the API and /metrics do not change with the node.
//
// Every call may block for up to the backend's timeout (seconds); callers that must not block
// (API reads, /metrics) read the collector's cache instead. Errors are ringcore::Errors whose
// code says what happened: kUnavailable the node could not be reached or timed out, kNotFound an
// unknown job, operation or host id, kConflict a refused operation, kInvalidInput a bad body.
// Thread-safety: implementations are safe to call from several threads at once.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"

namespace ringd {

// The node's answer to an operation request: 202 started, 200 the same operation already runs.
struct OperationStarted {
  int status = 202;
  nlohmann::json job;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // ringnode GET /v1/node: host_id, address, dc, rack, state, mode, load, tokens, disk, memory...
  virtual ringcore::Result<nlohmann::json> node() = 0;
  // The cluster snapshot as this node sees it (docs/snapshot-format.md).
  virtual ringcore::Result<nlohmann::json> cluster() = 0;
  // {"endpoints": [...]} as ringnode GET /v1/gossip.
  virtual ringcore::Result<nlohmann::json> gossip() = 0;
  // ringnode GET /v1/streams: mode, throughput, plans with sessions, read repair counters.
  virtual ringcore::Result<nlohmann::json> streams() = 0;
  // The node's jobs, newest first (a JSON array).
  virtual ringcore::Result<nlohmann::json> jobs() = 0;
  // One job by id.
  virtual ringcore::Result<nlohmann::json> job(const std::string& id) = 0;
  // Starts `operation` (decommission, removenode, cleanup, repair) with its JSON `body`.
  virtual ringcore::Result<OperationStarted> start_operation(const std::string& operation,
                                                             const nlohmann::json& body) = 0;
  // Sets the streaming throughput ({"mib_per_second": N}); the streams document after it.
  virtual ringcore::Result<nlohmann::json> set_throughput(const nlohmann::json& body) = 0;
};

}  // namespace ringd
