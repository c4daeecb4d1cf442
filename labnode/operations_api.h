// The operations part of the admin API, served on native_port with the client API
// (docs/ringnode-api.md):
//
//   GET  /v1/streams                     PUT /v1/streams/throughput
//   GET  /v1/jobs                        GET /v1/jobs/{id}
//   POST /v1/operations/{decommission|removenode|cleanup|repair}
#pragma once

#include "ringnet/http_server.h"

namespace ringnode {

class Node;

void add_operation_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
