#include "operations_api.h"

#include "api_json.h"
#include "node.h"
#include "operations.h"

namespace ringnode {
namespace {

using ringcore::Error;
using ringnet::ServerRequest;
using ringnet::ServerResponse;
using Json = nlohmann::json;

RepairRequest repair_request(const Json& body) {
  RepairRequest request;
  request.keyspace = optional_string(body, "keyspace");
  request.primary_range = optional_bool(body, "primary_range");
  const auto start = optional_string(body, "start_token");
  const auto end = optional_string(body, "end_token");
  if (start.has_value() != end.has_value())
    throw Error::invalid_input("give both 'start_token' and 'end_token', or neither");
  if (start) {
    request.range = ringcore::TokenRange{ringcore::parse_token(*start).value_or_throw(),
                                         ringcore::parse_token(*end).value_or_throw()};
  }
  return request;
}

OperationRequest operation_request(std::string_view operation, std::string_view text) {
  const Json body = ringnet::object_body_or_empty(text);
  OperationRequest request;
  if (operation == "decommission") {
    request.force = optional_bool(body, "force");
  } else if (operation == "removenode") {
    const auto host_id = optional_string(body, "host_id");
    if (!host_id) throw Error::invalid_input("'host_id' is required");
    request.host_id = *host_id;
  } else if (operation == "cleanup") {
    request.keyspace = optional_string(body, "keyspace");
  } else if (operation == "repair") {
    request.repair = repair_request(body);
  }
  return request;
}

ServerResponse start_operation(Node& node, const ServerRequest& request) {
  const std::string operation = request.param("op");
  const OperationRequest asked = decode_operation_request(operation, request.body).value_or_throw();
  ringcore::Result<StartedJob> started =
      Error::not_found("unknown operation '" + operation + "' (operations: decommission, removenode, cleanup, repair)");
  if (operation == "decommission") {
    started = start_decommission(node, asked.force);
  } else if (operation == "removenode") {
    started = start_removenode(node, asked.host_id);
  } else if (operation == "cleanup") {
    started = start_cleanup(node, asked.keyspace);
  } else if (operation == "repair") {
    started = start_repair(node, asked.repair);
  }
  const StartedJob job = std::move(started).value_or_throw();
  return json_response(job.job.to_json(), job.created ? 202 : 200);
}

ServerResponse streams(Node& node) {
  Json answer = node.streams().to_json();
  answer["mode"] = node_mode_name(node.mode());
  const ReadRepairCounts counts = node.coordinator().read_repair_counts();
  answer["read_repair"] = {
      {"attempted", counts.attempted}, {"mismatch_blocking", 0}, {"mismatch_background", counts.mismatches}};
  return json_response(answer);
}

ServerResponse set_throughput(Node& node, const ServerRequest& request) {
  node.streams().set_throughput(decode_throughput(request.body).value_or_throw());
  return json_response({{"mib_per_second", node.streams().throughput()}});
}

ServerResponse jobs(Node& node) {
  Json list = Json::array();
  for (const Job& job : node.jobs().jobs()) list.push_back(job.to_json());
  return json_response({{"jobs", list}});
}

ServerResponse job(Node& node, const ServerRequest& request) {
  const auto found = node.jobs().job(request.param("id"));
  if (!found) throw Error::not_found("no job " + request.param("id") + " on this node");
  return json_response(found->to_json());
}

}  // namespace

ringcore::Result<OperationRequest> decode_operation_request(std::string_view operation, std::string_view body) {
  return decoding([&] { return operation_request(operation, body); });
}

ringcore::Result<double> decode_throughput(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    if (!body.contains("mib_per_second") || !body["mib_per_second"].is_number() ||
        body["mib_per_second"].get<double>() < 0) {
      throw Error::invalid_input("'mib_per_second' must be a number >= 0 (0 = unlimited)");
    }
    return body["mib_per_second"].get<double>();
  });
}

void add_operation_routes(ringnet::HttpServer& server, Node& node) {
  server.route("GET", "/v1/streams", [&node](const ServerRequest&) { return streams(node); });
  server.route("PUT", "/v1/streams/throughput", [&node](const ServerRequest& r) { return set_throughput(node, r); });
  server.route("GET", "/v1/jobs", [&node](const ServerRequest&) { return jobs(node); });
  server.route("GET", "/v1/jobs/{id}", [&node](const ServerRequest& r) { return job(node, r); });
  server.route("POST", "/v1/operations/{op}", [&node](const ServerRequest& r) { return start_operation(node, r); });
}

}  // namespace ringnode
