// Fuzzes ringd's request handling in process: one request per input, through the real route
// table, authentication, audit and handlers (AgentApi on ringnet::HttpServer::answer, no
// sockets), with tokens of both roles configured. Properties: no crash, no hang; every answer
// has a status the API documents (never a 500: an input must not reach an internal error);
// every JSON answer parses, and every error is {"error": {"code", "message"}}.
//
// An input is "METHOD TARGET\n", header lines "Name: value\n", an empty line, then the body
// (the seeds in tests/fuzz/corpus/ringd_api show the shape).
//
// The backend is a fixed one: it answers the recorded documents of a lab node
// (tests/data/agent/facts_*.json) and echoes what an operation is started with, since a real
// ringnode per input would fuzz the network rather than the agent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "agent_api.h"
#include "ringnet/http_server.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;

json recorded(const std::string& name) {
  std::ifstream in(std::string(RINGCTL_SOURCE_DIR) + "/tests/data/agent/facts_" + name + ".json");
  if (!in) std::abort();
  return json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
}

struct RecordedBackend : ringd::Backend {
  json node_doc = recorded("node"), cluster_doc = recorded("cluster"), gossip_doc = recorded("gossip"),
       streams_doc = recorded("streams");
  ringcore::Result<json> node() override { return node_doc; }
  ringcore::Result<json> cluster() override { return cluster_doc; }
  ringcore::Result<json> gossip() override { return gossip_doc; }
  ringcore::Result<json> streams() override { return streams_doc; }
  ringcore::Result<json> jobs() override { return json::array({job_doc("j1")}); }
  ringcore::Result<json> job(const std::string& id) override {
    if (id != "j1") return ringcore::Error::not_found("no job '" + id + "' on the node");
    return job_doc(id);
  }
  ringcore::Result<ringd::OperationStarted> start_operation(const std::string& operation, const json& body) override {
    if (operation == "removenode" && !body.contains("host_id"))
      return ringcore::Error::invalid_input("'host_id' is required");
    return ringd::OperationStarted{202, json{{"id", "j2"}, {"operation", operation}, {"state", "running"}}};
  }
  ringcore::Result<json> set_throughput(const json& body) override {
    if (!body.contains("mib_per_second") || !body["mib_per_second"].is_number()) {
      return ringcore::Error::invalid_input("'mib_per_second' must be a number");
    }
    return streams_doc;
  }
  static json job_doc(const std::string& id) { return {{"id", id}, {"operation", "cleanup"}, {"state", "succeeded"}}; }
};

// The agent under test, built once: the handlers keep no state between requests but the
// collector's facts.
struct Agent {
  ringd::AgentConfig config;
  RecordedBackend backend;
  ringd::Collector collector{backend, std::chrono::seconds(3600)};
  ringd::Authenticator auth{{"read-token-0123456789"}, {"admin-token-0123456789"}, true};
  std::unique_ptr<ringd::AuditLog> audit = ringd::AuditLog::open("/dev/null").value_or_throw();
  ringd::AgentApi api{config, backend, collector, auth, *audit};
  ringnet::HttpServer server;

  Agent() {
    collector.collect_once();
    api.install(server);
  }
};

struct Request {
  std::string method, target, body;
  std::multimap<std::string, std::string> headers;
};

Request split(std::string_view text) {
  Request request;
  std::size_t line_end = text.find('\n');
  const std::string_view first = text.substr(0, line_end);
  const std::size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  request.target = space == std::string_view::npos ? "/" : std::string(first.substr(space + 1));
  while (line_end != std::string_view::npos) {
    const std::size_t start = line_end + 1;
    line_end = text.find('\n', start);
    const std::string_view line =
        text.substr(start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    if (line.empty()) {
      if (line_end != std::string_view::npos) request.body = std::string(text.substr(line_end + 1));
      break;
    }
    const std::size_t colon = line.find(':');
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    request.headers.emplace(std::string(line.substr(0, colon)),
                            std::string(value.substr(value.starts_with(' ') ? 1 : 0)));
  }
  return request;
}

void check_answer(const ringnet::ServerResponse& response) {
  static const std::set<int> documented = {200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 503};
  if (!documented.contains(response.status)) {
    std::fprintf(stderr, "undocumented status %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
  if (response.content_type != "application/json") return;  // /metrics
  const json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) std::abort();
  if (response.status >= 400 &&
      !(body.contains("error") && body["error"].is_object() && body["error"].value("code", json()).is_string() &&
        body["error"].value("message", json()).is_string())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Agent agent;
  const Request request = split(std::string_view(reinterpret_cast<const char*>(data), size));
  // cpp-httplib hands the router only these methods (others it answers 400 itself).
  static const std::set<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
  if (!methods.contains(request.method)) return 0;
  check_answer(agent.server.answer(request.method, request.target, request.headers, request.body));
  return 0;
}
