// The tpstats view: nodetool tpstats' layout over an agent's node document (GET /v1/node
// "node", its "requests" object: docs/api.md).
//
// ringnode has no thread pools: a client request runs on the HTTP server's thread, which
// coordinates it. Its request stages print as pools, in a fixed order:
//   Native-Transport-Requests  every client request (reads and writes)
//   ReadStage                  client reads          MutationStage  client writes
// Active is the requests in flight, Completed those finished (served or dropped); nothing
// queues or blocks before the coordinator, so Pending, Blocked and All time blocked are 0.
// Then nodetool's dropped-message table, READ_REQ and MUTATION_REQ with the requests the node
// could not serve, and N/A for the queue-wait percentiles (not measured).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

void print_tpstats(const nlohmann::json& node, std::ostream& out);

// The -o json|yaml document (docs/json-output.md).
Document tpstats_document(const nlohmann::json& node);

}  // namespace ringctl
