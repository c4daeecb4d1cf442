// The operations part of the admin API, served on native_port with the client API
// (docs/ringnode-api.md):
//
//   GET  /v1/streams                     PUT /v1/streams/throughput
//   GET  /v1/jobs                        GET /v1/jobs/{id}
//   POST /v1/operations/{decommission|removenode|cleanup|repair}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "operations.h"
#include "ringcore/error.h"
#include "ringnet/http_server.h"

namespace ringnode {

class Node;

// A POST /v1/operations/{op} body, decoded for `operation`: every field is optional but
// removenode's host_id, and an empty body counts as {}. An unknown operation decodes to the
// defaults (the route answers it 404). Errors (kInvalidInput) name the field.
struct OperationRequest {
  bool force = false;                   // decommission
  std::string host_id;                  // removenode
  std::optional<std::string> keyspace;  // cleanup
  RepairRequest repair;                 // repair
};
ringcore::Result<OperationRequest> decode_operation_request(std::string_view operation, std::string_view body);

// A PUT /v1/streams/throughput body: {"mib_per_second": number >= 0} (0 = unlimited).
ringcore::Result<double> decode_throughput(std::string_view body);

void add_operation_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
