#include "internode_api.h"

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "base64.h"
#include "node.h"
#include "ringcore/gossip/message_json.h"

namespace ringnode {
namespace {

using ringcore::Error;
using ringnet::ServerRequest;
using ringnet::ServerResponse;
using Json = nlohmann::json;


std::string string_field(const Json& body, const char* name) {
  if (!body.contains(name) || !body[name].is_string()) throw Error::invalid_input(std::string("'") + name + "' must be a string");
  return body[name].get<std::string>();
}


ServerResponse gossip_message(Node& node, const ServerRequest& request) {
  const std::string from = request.query_value("from");
  if (from.empty()) throw Error::invalid_input("'from' (the sender's address) is required");
  auto message = ringcore::gossip::parse_message(request.body).value_or_throw();
  std::string replies = "[";
  for (const auto& reply : node.gossip().receive(from, message)) {
    replies += (replies.size() > 1 ? "," : "") + ringcore::gossip::serialize_message(reply);
  }
  return {200, replies + "]", "application/json"};
}

ServerResponse write_row(Node& node, const ServerRequest& request) {
  const Json body = json_body(request);
  const std::string keyspace = string_field(body, "keyspace");
  const std::string key = base64_decode(string_field(body, "key")).value_or_throw();
  if (!body.contains("timestamp_us") || !body["timestamp_us"].is_number_integer()) {
    throw Error::invalid_input("'timestamp_us' must be an integer");
  }
  Cell cell{body["timestamp_us"].get<std::int64_t>(), body.value("tombstone", false),
            base64_decode(body.value("value", "")).value_or_throw()};
  const bool applied = node.storage().apply(keyspace, key, cell).value_or_throw();
  return json_response({{"applied", applied}});
}

ServerResponse read_row(Node& node, const ServerRequest& request) {
  const Json body = json_body(request);
  const std::string keyspace = string_field(body, "keyspace");
  const std::string key = base64_decode(string_field(body, "key")).value_or_throw();
  const std::optional<Cell> cell = node.storage().get(keyspace, key).value_or_throw();
  if (!cell) return json_response({{"found", false}});
  return json_response({{"found", true},
               {"timestamp_us", cell->timestamp_us},
               {"tombstone", cell->tombstone},
               {"value", base64_encode(cell->value)}});
}

ServerResponse merge_schema(Node& node, const ServerRequest& request) {
  const Schema incoming = Schema::from_json(request.body).value_or_throw();
  node.schema().merge(incoming).value_or_throw();
  return json_response({{"schema_version", node.schema().version()}});
}

}  // namespace

void add_internode_routes(ringnet::HttpServer& server, Node& node) {
  server.route("POST", "/internal/gossip", [&node](const ServerRequest& r) { return gossip_message(node, r); });
  server.route("GET", "/internal/gossip/states", [&node](const ServerRequest&) {
    return ServerResponse{200, ringcore::gossip::serialize_message(node.gossip().all_states()), "application/json"};
  });
  server.route("POST", "/internal/rows/write", [&node](const ServerRequest& r) { return write_row(node, r); });
  server.route("POST", "/internal/rows/read", [&node](const ServerRequest& r) { return read_row(node, r); });
  server.route("GET", "/internal/schema", [&node](const ServerRequest&) {
    return ServerResponse{200, node.schema().current().to_json(), "application/json"};
  });
  server.route("POST", "/internal/schema", [&node](const ServerRequest& r) { return merge_schema(node, r); });
}

}  // namespace ringnode
