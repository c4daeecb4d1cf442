// The gossipinfo view: nodetool gossipinfo's layout over an agent's gossip document
// (GET /v1/gossip "endpoints": address, generation, heartbeat, status, states[{name,
// version, value}]).
//
// Endpoints print sorted by address (nodetool: hash-map order); states in Cassandra's enum
// order whatever order they came in, TOKENS skipped and printed last as "<hidden>"; unknown
// state names after the known ones, by name. The text ends with an empty line, as nodetool's
// println of the whole string does.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

void print_gossipinfo(const nlohmann::json& endpoints, std::ostream& out);

// The -o json|yaml document (docs/json-output.md): endpoints and states in the printed order,
// TOKENS included with its value.
Document gossipinfo_document(const nlohmann::json& endpoints);

}  // namespace ringctl
