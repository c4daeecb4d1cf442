// Reading one endpoint of a node's gossip document (GET /v1/gossip: {"address", "status",
// "states": [{"name", "version", "value"}]}), as /v1/checks and /metrics both need it. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ringd {

// The value of application state `name` (STATUS, DC, RACK, SCHEMA, ...), or "" when absent.
std::string gossip_state(const nlohmann::json& endpoint, const std::string& name);

// Whether the endpoint has left the ring (decommissioned: STATUS LEFT; removed by removenode:
// STATUS removed/REMOVED). Such an endpoint stays in gossip for a while but is no member:
// it is neither a peer to check nor one to watch.
bool has_left(const nlohmann::json& endpoint);

}  // namespace ringd
