// The client and admin API, served on native_port: docs/ringnode-api.md is its contract.
//
//   GET  /v1/health                      GET /v1/node        GET /v1/cluster
//   GET  /v1/gossip                      GET /v1/compaction
//   GET  /v1/keyspaces                   POST /v1/keyspaces  PUT /v1/keyspaces/{ks}
//   PUT|GET|DELETE /v1/keyspaces/{ks}/rows/{key}?cl=QUORUM
//   GET  /v1/keyspaces/{ks}/rows/{key}/replicas
#pragma once

#include "ringnet/http_server.h"

namespace ringnode {

class Node;

void add_client_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
