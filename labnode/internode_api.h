// The internode API, served on storage_port (node to node; not for clients):
//
//   POST /internal/gossip?from=ADDR   body: a gossip message (message_json.h); answers the
//                                     JSON array of reply messages to ADDR
//   GET  /internal/gossip/states      every endpoint state this node knows, as an ack2
//                                     message (a starting node's shadow round)
//   POST /internal/rows/write         {"keyspace", "key" (base64), "timestamp_us", "tombstone",
//                                     "value" (base64)} -> {"applied": bool} (false: older
//                                     than the stored cell, which wins)
//   POST /internal/rows/write_batch  {"writes": [row writes as above]} -> {"results": [one per
//                                     write, in order: {"applied": bool} or {"error": "why"}]}
//   POST /internal/rows/read          {"keyspace", "key"} -> {"found": false} or {"found": true,
//                                     "timestamp_us", "tombstone", "value" (base64)}
//   GET  /internal/schema             this node's schema (schema.h's JSON)
//   POST /internal/schema             a peer's schema, merged into ours -> {"schema_version"}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringnet/http_server.h"
#include "storage.h"

namespace ringnode {

class Node;

// A POST /internal/rows/write body, decoded: the keyspace, the raw key and the cell.
// Errors (kInvalidInput) name the field that is missing or wrong.
struct RowWrite {
  std::string keyspace;
  std::string key;
  Cell cell;
};
ringcore::Result<RowWrite> decode_row_write(std::string_view body);
// A POST /internal/rows/write_batch body; errors name the write ("writes[2]: ...").
ringcore::Result<std::vector<RowWrite>> decode_row_writes(std::string_view body);

void add_internode_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
