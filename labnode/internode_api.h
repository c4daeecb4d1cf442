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

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/token.h"
#include "ringnet/http_server.h"
#include "row_stream.h"
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
// The most one write_batch request carries, as its senders (the coordinator's write queue, the
// hint replay) fill it: rows, and bytes of keys and values, well under a node's request limit
// (twice max_value_bytes plus 1 MiB) with base64 included. A single larger row still goes alone.
inline constexpr std::size_t kMostWritesPerBatch = 64;
inline constexpr std::size_t kMostBytesPerBatch = 256 << 10;

// The other bodies the handlers decode, each as a function of its own so that the fuzz target
// (tests/fuzz/labnode_request_fuzz.cpp) decodes exactly what the route does. Errors
// (kInvalidInput) name the field that is missing or wrong.
// POST /internal/rows/read: {"keyspace", "key" (base64)}.
struct RowRead {
  std::string keyspace;
  std::string key;
};
ringcore::Result<RowRead> decode_row_read(std::string_view body);
// POST /internal/stream/size: {"keyspace", "range" ("(start,end]")}.
struct RangeRequest {
  std::string keyspace;
  ringcore::TokenRange range;
};
ringcore::Result<RangeRequest> decode_range_request(std::string_view body);
// POST /internal/stream/page: a range request with "max_bytes" and, after the first page,
// "after_token" and "after_key" (base64).
struct PageRequest {
  std::string keyspace;
  ringcore::TokenRange range;
  std::optional<RowCursor> after = {};
  std::uint64_t max_bytes = 0;
};
ringcore::Result<PageRequest> decode_page_request(std::string_view body);
// POST /internal/stream/flush: {"keyspace"}.
ringcore::Result<std::string> decode_flush_request(std::string_view body);
// POST /internal/repair/tree: a range request with an integer "depth".
struct TreeRequest {
  std::string keyspace;
  ringcore::TokenRange range;
  int depth = 0;
};
ringcore::Result<TreeRequest> decode_tree_request(std::string_view body);
// POST /internal/repair/digests: {"keyspace", "ranges": ["(start,end]", ...]}.
struct DigestsRequest {
  std::string keyspace;
  std::vector<ringcore::TokenRange> ranges = {};
};
ringcore::Result<DigestsRequest> decode_digests_request(std::string_view body);

// Whether a request with Host header `host_header` ("addr:port", "[v6addr]:port", or a host
// alone, which means port 80) was meant for the node listening on `address`:`port`. A request
// without the header (HTTP/1.0) passes.
bool addressed_to(std::string_view host_header, std::string_view address, int port);

// Every route above; each refuses a request its Host header addressed to another node (see
// addressed_to) with 421 and an "unavailable" JSON error naming both, and logs it.
void add_internode_routes(ringnet::HttpServer& server, Node& node);

}  // namespace ringnode
