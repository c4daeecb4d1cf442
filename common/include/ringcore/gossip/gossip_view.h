// A gossiper's view of the cluster as snapshot nodes (snapshot.h): what a node's admin API
// returns, and so what `ringctl status` shows for a lab cluster.
#pragma once

#include <vector>

#include "ringcore/gossip/gossiper.h"
#include "ringcore/snapshot.h"

namespace ringcore::gossip {

// One Node per known endpoint (this node included) whose STATUS parses and is not LEFT or
// removed, in address order:
//   address   the endpoint as gossiped (storage_port keeps its default)
//   host_id, dc, rack  from HOST_ID, DC, RACK ("" when not published)
//   status    up for this node while running and for live endpoints, down for unreachable
//             ones, unknown for endpoints still waiting for an echo
//   state     from STATUS (node_state_of)
//   load_bytes from LOAD, rounded; absent when not published or unparseable
//   tokens    from TOKENS, ascending; when TOKENS is missing or unparseable, STATUS's token
// Endpoints without a STATUS (still starting) are left out, as nodetool leaves out endpoints
// that are not in the token metadata.
std::vector<Node> snapshot_nodes(const Gossiper& gossiper);

}  // namespace ringcore::gossip
