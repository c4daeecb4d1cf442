// The client and admin API, served on native_port: docs/ringnode-api.md is its contract.
//
//   GET  /v1/health                      GET /v1/node        GET /v1/cluster
//   GET  /v1/gossip                      GET /v1/compaction
//   GET  /v1/keyspaces                   POST /v1/keyspaces  PUT /v1/keyspaces/{ks}
//   PUT|GET|DELETE /v1/keyspaces/{ks}/rows/{key}?cl=QUORUM
//   GET  /v1/keyspaces/{ks}/rows/{key}/replicas
#pragma once

#include <string>
#include <string_view>

#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringnet/http_server.h"

namespace ringnode {

class Node;

// A POST /v1/keyspaces body: {"name", "replication": {"class", ...}}. PUT /v1/keyspaces/{ks}
// takes the same body without "name" (decode_keyspace_replication). Errors are
// kInvalidInput naming the field, or kUnsupported for a replication class ringnode lacks.
struct KeyspaceRequest {
  std::string name;
  ringcore::Replication replication;
};
ringcore::Result<KeyspaceRequest> decode_keyspace_create(std::string_view body);
ringcore::Result<ringcore::Replication> decode_keyspace_replication(std::string_view body);

void add_client_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
