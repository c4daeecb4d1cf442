#include "internode_api.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "base64.h"
#include "node.h"
#include "ringcore/gossip/message_json.h"
#include "ringruntime/log.h"
#include "row_stream.h"

namespace ringnode {
namespace {

using ringcore::Error;
using ringnet::ServerRequest;
using ringnet::ServerResponse;
using Json = nlohmann::json;

ServerResponse gossip_message(Node& node, const ServerRequest& request) {
  const std::string from = request.query_value("from");
  if (from.empty()) throw Error::invalid_input("'from' (the sender's address) is required");
  auto message = ringcore::gossip::parse_message(request.body).value_or_throw();
  std::string replies = "[";
  for (const auto& reply : node.gossip().receive(from, message)) {
    replies += (replies.size() > 1 ? "," : "") + ringcore::gossip::serialize_message(reply);
  }
  return {.status = 200, .body = replies + "]", .content_type = "application/json"};
}

ServerResponse write_row(Node& node, const ServerRequest& request) {
  const RowWrite write = decode_row_write(request.body).value_or_throw();
  const bool applied = node.storage().apply(write.keyspace, write.key, write.cell).value_or_throw();
  return json_response({{"applied", applied}});
}

// Each write applied on its own, as /internal/rows/write applies one: a write that fails does
// not undo or stop the others, and its entry says why.
ServerResponse write_rows(Node& node, const ServerRequest& request) {
  const std::vector<RowWrite> writes = decode_row_writes(request.body).value_or_throw();
  Json results = Json::array();
  for (const RowWrite& write : writes) {
    auto applied = node.storage().apply(write.keyspace, write.key, write.cell);
    results.push_back(applied ? Json{{"applied", *applied}} : Json{{"error", applied.error().message()}});
  }
  return json_response({{"results", results}});
}

ServerResponse read_row(Node& node, const ServerRequest& request) {
  const RowRead read = decode_row_read(request.body).value_or_throw();
  const std::optional<Cell> cell = node.storage().get(read.keyspace, read.key).value_or_throw();
  if (!cell) return json_response({{"found", false}});
  return json_response({{"found", true},
                        {"timestamp_us", cell->timestamp_us},
                        {"tombstone", cell->tombstone},
                        {"value", base64_encode(cell->value)}});
}

ServerResponse stream_size(Node& node, const ServerRequest& request) {
  const RangeRequest asked = decode_range_request(request.body).value_or_throw();
  const RangeSize size = range_size(node.storage(), asked.keyspace, asked.range).value_or_throw();
  return json_response({{"rows", size.rows}, {"bytes", size.bytes}});
}

ServerResponse stream_page(Node& node, const ServerRequest& request) {
  const PageRequest asked = decode_page_request(request.body).value_or_throw();
  EncodedPage page =
      read_encoded_page(node.storage(), asked.keyspace, asked.range, asked.after, asked.max_bytes).value_or_throw();
  // The body carries rows only: the caller takes a page shorter than max_bytes for the last.
  return {.status = 200, .body = std::move(page.body), .content_type = "application/octet-stream"};
}

ServerResponse stream_apply(Node& node, const ServerRequest& request) {
  const std::string keyspace = request.query_value("keyspace");
  if (keyspace.empty()) throw Error::invalid_input("'keyspace' query parameter is required");
  const std::vector<StoredRow> rows = decode_rows(request.body).value_or_throw();
  return json_response({{"applied", apply_rows(node.storage(), keyspace, rows).value_or_throw()}});
}

ServerResponse stream_ingest(Node& node, const ServerRequest& request) {
  const std::string keyspace = request.query_value("keyspace");
  if (keyspace.empty()) throw Error::invalid_input("'keyspace' query parameter is required");
  const std::vector<RowView> rows = decode_row_views(request.body).value_or_throw();
  const IngestedRows ingested = node.storage().ingest(keyspace, rows).value_or_throw();
  return json_response({{"rows", ingested.rows},
                        {"stored", ingested.stored},
                        {"file_bytes", ingested.file_bytes},
                        {"instance", ingested.instance}});
}

// The end of a stream into a keyspace: what was ingested becomes durable (Storage::flush_streamed).
ServerResponse stream_flush(Node& node, const ServerRequest& request) {
  const std::string keyspace = decode_flush_request(request.body).value_or_throw();
  return json_response({{"instance", node.storage().flush_streamed(keyspace).value_or_throw()}});
}

ServerResponse repair_tree(Node& node, const ServerRequest& request) {
  const TreeRequest asked = decode_tree_request(request.body).value_or_throw();
  const ringcore::MerkleTree tree =
      build_tree(node.storage(), asked.keyspace, asked.range, asked.depth).value_or_throw();
  return {.status = 200, .body = tree.to_json(), .content_type = "application/json"};
}

// The digests of each range's segments (Storage::range_digests), one range after another:
// repair's first comparison, for all the ranges a replica shares with the repairing node at once.
ServerResponse repair_digests(Node& node, const ServerRequest& request) {
  const DigestsRequest asked = decode_digests_request(request.body).value_or_throw();
  std::string answer;
  for (const ringcore::TokenRange& range : asked.ranges) {
    answer += encode_digests(node.storage().range_digests(asked.keyspace, range).value_or_throw());
  }
  return {.status = 200, .body = std::move(answer), .content_type = "application/octet-stream"};
}

ServerResponse pending_hints(Node& node) {
  Json pending = Json::object();
  for (const auto& [endpoint, count] : node.hints().pending_by_endpoint()) pending[endpoint] = count;
  return json_response({{"pending", pending}});
}

ServerResponse merge_schema(Node& node, const ServerRequest& request) {
  const Schema incoming = Schema::from_json(request.body).value_or_throw();
  node.schema().merge(incoming).value_or_throw();
  return json_response({{"schema_version", node.schema().version()}});
}

}  // namespace

namespace {

// The integer `body[name]` if it lies in [min, max] (REQUIRES: 0 <= max): a JSON number
// past int64 must be refused, not wrapped into range by get<std::int64_t>().
std::optional<std::int64_t> integer_field(const Json& body, const char* name, std::int64_t min, std::int64_t max) {
  if (!body.contains(name)) return std::nullopt;
  const Json& value = body[name];
  if (!value.is_number_integer()) return std::nullopt;
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) return std::nullopt;
  const auto number = value.get<std::int64_t>();
  if (number < min || number > max) return std::nullopt;
  return number;
}

// One row write's object (decode_row_write); throws Error naming the field.
RowWrite row_write_from(const Json& body) {
  if (!body.is_object()) throw Error::invalid_input("a row write must be a JSON object");
  RowWrite write;
  write.keyspace = string_field(body, "keyspace");
  write.key = base64_decode(string_field(body, "key")).value_or_throw();
  const auto timestamp_us = integer_field(body, "timestamp_us", INT64_MIN, INT64_MAX);
  if (!timestamp_us) throw Error::invalid_input("'timestamp_us' must be an integer");
  write.cell.timestamp_us = *timestamp_us;
  write.cell.tombstone = optional_bool(body, "tombstone");
  write.cell.value = base64_decode(optional_string(body, "value").value_or("")).value_or_throw();
  return write;
}

ringcore::TokenRange range_field(const Json& body) {
  return ringcore::parse_range(string_field(body, "range")).value_or_throw();
}

}  // namespace

ringcore::Result<RowWrite> decode_row_write(std::string_view text) {
  return decoding([&] { return row_write_from(ringnet::object_body(text)); });
}

ringcore::Result<std::vector<RowWrite>> decode_row_writes(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    if (!body.contains("writes") || !body["writes"].is_array()) throw Error::invalid_input("'writes' must be an array");
    std::vector<RowWrite> writes;
    for (const Json& one : body["writes"]) {
      try {
        writes.push_back(row_write_from(one));
      } catch (const Error& error) {
        throw error.with_context("writes[" + std::to_string(writes.size()) + "]");
      }
    }
    return writes;
  });
}

ringcore::Result<RowRead> decode_row_read(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    return RowRead{string_field(body, "keyspace"), base64_decode(string_field(body, "key")).value_or_throw()};
  });
}

ringcore::Result<RangeRequest> decode_range_request(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    return RangeRequest{string_field(body, "keyspace"), range_field(body)};
  });
}

ringcore::Result<PageRequest> decode_page_request(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    PageRequest page{.keyspace = string_field(body, "keyspace"), .range = range_field(body)};
    if (body.contains("after_token")) {
      page.after = RowCursor{ringcore::parse_token(string_field(body, "after_token")).value_or_throw(),
                             base64_decode(string_field(body, "after_key")).value_or_throw()};
    }
    if (!body.contains("max_bytes") || !body["max_bytes"].is_number_unsigned()) {
      throw Error::invalid_input("'max_bytes' must be a non-negative integer");
    }
    page.max_bytes = body["max_bytes"].get<std::uint64_t>();
    return page;
  });
}

ringcore::Result<std::string> decode_flush_request(std::string_view text) {
  return decoding([&] { return string_field(ringnet::object_body(text), "keyspace"); });
}

ringcore::Result<TreeRequest> decode_tree_request(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    TreeRequest tree{.keyspace = string_field(body, "keyspace"), .range = range_field(body)};
    const auto depth = integer_field(body, "depth", 0, ringcore::kMaxMerkleDepth);
    if (!depth)
      throw Error::invalid_input("'depth' must be an integer in 0.." + std::to_string(ringcore::kMaxMerkleDepth));
    tree.depth = static_cast<int>(*depth);
    return tree;
  });
}

ringcore::Result<DigestsRequest> decode_digests_request(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    DigestsRequest digests{.keyspace = string_field(body, "keyspace")};
    if (!body.contains("ranges") || !body["ranges"].is_array())
      throw Error::invalid_input("'ranges' must be an array of ranges");
    for (const Json& range : body["ranges"]) {
      if (!range.is_string()) throw Error::invalid_input("'ranges' must be an array of ranges");
      digests.ranges.push_back(ringcore::parse_range(range.get<std::string>()).value_or_throw());
    }
    return digests;
  });
}

bool addressed_to(std::string_view host_header, std::string_view address, int port) {
  if (host_header.empty()) return true;  // HTTP/1.0 has none; every peer of ours sends one
  std::string_view host = host_header;
  std::string_view port_text = "80";  // HTTP's, which a Host without a port means
  const std::size_t bracket = host.rfind(']');
  const std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host == address && port_text == std::to_string(port);
}

void add_internode_routes(ringnet::HttpServer& server, Node& node) {
  // Every route answers only what was addressed to this node: a request that reached it
  // although its sender meant another (an address moved to another machine, a NAT rule gone
  // wrong) is refused with 421 Misdirected Request, not applied here; the sender then counts
  // the node it meant as not answering (a write to it gets a hint) instead of counting a copy
  // stored where none is. Logged for the first and then every 1,000th: a misrouted peer sends
  // every request of a busy connection here.
  auto refusals = std::make_shared<std::atomic<std::uint64_t>>(0);
  const auto route = [&server, &node, refusals](const std::string& method, const std::string& pattern,
                                                std::function<ServerResponse(Node&, const ServerRequest&)> handler) {
    server.route(method, pattern, [&node, refusals, handler = std::move(handler)](const ServerRequest& r) {
      const NodeConfig& self = node.config();
      if (addressed_to(r.header("host"), self.listen_address, self.storage_port)) return handler(node, r);
      const std::string why = "addressed to " + r.header("host") + ", this is " + self.listen_address + ":" +
                              std::to_string(self.storage_port);
      const std::uint64_t count = ++*refusals;
      if (count % 1000 == 1) {
        ringruntime::log_warn("internode: refused a misdirected request from " + r.remote_address + ": " + why + " (" +
                              std::to_string(count) + " refused so far)");
      }
      ServerResponse refused = ringnet::error_response(Error(ringcore::ErrorCode::kUnavailable, why));
      refused.status = 421;
      return refused;
    });
  };
  route("POST", "/internal/gossip", gossip_message);
  route("GET", "/internal/gossip/states", [](Node& n, const ServerRequest&) {
    return ServerResponse{.status = 200,
                          .body = ringcore::gossip::serialize_message(n.gossip().all_states()),
                          .content_type = "application/json"};
  });
  route("POST", "/internal/rows/write", write_row);
  route("POST", "/internal/rows/write_batch", write_rows);
  route("POST", "/internal/rows/read", read_row);
  route("POST", "/internal/stream/size", stream_size);
  route("POST", "/internal/stream/page", stream_page);
  route("POST", "/internal/stream/apply", stream_apply);
  route("POST", "/internal/stream/ingest", stream_ingest);
  route("POST", "/internal/stream/flush", stream_flush);
  route("GET", "/internal/hints", [](Node& n, const ServerRequest&) { return pending_hints(n); });
  route("POST", "/internal/repair/tree", repair_tree);
  route("POST", "/internal/repair/digests", repair_digests);
  route("GET", "/internal/schema", [](Node& n, const ServerRequest&) {
    return ServerResponse{.status = 200, .body = n.schema().current().to_json(), .content_type = "application/json"};
  });
  route("POST", "/internal/schema", merge_schema);
}

}  // namespace ringnode
