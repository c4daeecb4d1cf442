#include "agent_api.h"

#include <set>
#include <utility>

#include "checks.h"
#include "freshness.h"
#include "metrics.h"
#include "ringnet/json_fields.h"

namespace ringd {
namespace {

using nlohmann::json;
using ringcore::Error;
using ringnet::ServerRequest;
using ringnet::ServerResponse;

ServerResponse json_response(int status, const json& body) { return {status, body.dump(), "application/json", {}}; }

const std::set<std::string>& operations() {
  static const std::set<std::string> names = {"decommission", "removenode", "cleanup", "repair"};
  return names;
}

std::string operation_of(const ServerRequest& request) {
  if (request.path_params.contains("op")) return request.param("op");
  if (request.path == "/v1/streams/throughput") return "set_throughput";
  return "";
}

}  // namespace

AgentApi::AgentApi(const AgentConfig& config, Backend& backend, Collector& collector, const Authenticator& auth,
                   AuditLog& audit, Clock clock)
    : config_(config), backend_(backend), collector_(collector), auth_(auth), audit_(audit), clock_(std::move(clock)) {}

void AgentApi::install(ringnet::HttpServer& server) {
  auto add = [&](const char* method, const char* path, ringnet::ServerHandler handler) {
    server.route(method, path, guarded(std::move(handler)));
  };
  add("GET", "/v1/health/live", [](const ServerRequest&) { return json_response(200, {{"status", "ok"}}); });
  add("GET", "/v1/health/ready", [this](const ServerRequest&) { return ready(); });
  add("GET", "/v1/node", [this](const ServerRequest&) { return cached("node", &CollectedFacts::node); });
  add("GET", "/v1/cluster", [this](const ServerRequest& r) { return cluster(r); });
  add("GET", "/v1/gossip", [this](const ServerRequest&) { return cached("endpoints", &CollectedFacts::gossip); });
  add("GET", "/v1/streams", [this](const ServerRequest&) { return cached("streams", &CollectedFacts::streams); });
  add("GET", "/v1/jobs", [this](const ServerRequest&) { return cached("jobs", &CollectedFacts::jobs); });
  add("GET", "/v1/jobs/{id}", [this](const ServerRequest& r) { return job(r.param("id")); });
  add("GET", "/v1/checks", [this](const ServerRequest&) { return checks(); });
  add("POST", "/v1/operations/{op}", [this](const ServerRequest& r) { return start_operation(r.param("op"), r.body); });
  add("PUT", "/v1/streams/throughput", [this](const ServerRequest& r) { return set_throughput(r.body); });
  add("GET", "/metrics", [this](const ServerRequest&) { return metrics(); });
}

ringnet::ServerHandler AgentApi::guarded(ringnet::ServerHandler handler) {
  return [this, handler = std::move(handler)](const ServerRequest& request) {
    const AuthDecision decision = auth_.authorize(request.method, request.path, request.header("Authorization"));
    ServerResponse response;
    if (!decision.allowed) {
      const ringcore::ErrorCode code =
          decision.status == 401 ? ringcore::ErrorCode::kUnauthorized : ringcore::ErrorCode::kForbidden;
      response = ringnet::error_response(Error(code, decision.message));
      if (decision.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ringd\"");
    } else {
      try {
        response = handler(request);
      } catch (const Error& error) {
        response = ringnet::error_response(error);
      } catch (const std::exception& error) {
        response = ringnet::error_response(Error(ringcore::ErrorCode::kInternal, error.what()));
      }
    }
    if (request.method != "GET") {
      audit_.record({clock_(), std::string(role_name(decision.role)) + "@" + request.remote_address, request.method,
                     request.path, operation_of(request), response.status});
    }
    return response;
  };
}

Freshness AgentApi::freshness_now(const CollectedFacts& facts) const {
  return freshness_of(facts, clock_(), std::chrono::duration<double>(config_.interval_seconds),
                      collector_.attempt_running_for());
}

ServerResponse AgentApi::ready() const {
  const auto facts = collector_.facts();
  const Freshness freshness = freshness_now(*facts);
  if (!freshness.stale) return json_response(200, {{"status", "ready"}, {"freshness", freshness_json(freshness)}});
  std::string reason = !freshness.collected_at ? "no collection from the node has succeeded yet"
                                               : "no collection succeeded in the last " +
                                                     std::to_string(kStaleAfterIntervals) + " intervals";
  if (!freshness.error.empty()) reason += " (last error: " + freshness.error + ")";
  return ringnet::error_response(Error(ringcore::ErrorCode::kUnavailable, reason));
}

json AgentApi::cached_document(const std::string& field, const nlohmann::json CollectedFacts::*document) const {
  const auto facts = collector_.facts();
  const Freshness freshness = freshness_now(*facts);
  json content = (*facts).*document;
  // The gossip document is {"endpoints": [...]}; the envelope lifts the list.
  if (field == "endpoints") content = content.is_object() ? content.value("endpoints", json::array()) : json::array();
  if (field == "jobs" && !content.is_array()) content = json::array();
  return {{"freshness", freshness_json(freshness)}, {field, std::move(content)}};
}

ServerResponse AgentApi::cached(const std::string& field, const nlohmann::json CollectedFacts::*document) const {
  return json_response(200, cached_document(field, document));
}

std::string AgentApi::snapshot_text(const std::shared_ptr<const CollectedFacts>& facts, bool tokens) const {
  const std::size_t which = tokens ? 1 : 0;
  {
    std::lock_guard lock(snapshot_texts_.mutex);
    if (snapshot_texts_.facts == facts && snapshot_texts_.text[which]) return *snapshot_texts_.text[which];
  }
  json snapshot = facts->cluster;
  if (!tokens && snapshot.is_object() && snapshot.contains("nodes") && snapshot["nodes"].is_array()) {
    for (json& node : snapshot["nodes"]) {
      if (node.is_object()) node.erase("tokens");
    }
  }
  std::string text = snapshot.dump();
  std::lock_guard lock(snapshot_texts_.mutex);
  if (snapshot_texts_.facts != facts) {
    snapshot_texts_.facts = facts;
    snapshot_texts_.text[0].reset();
    snapshot_texts_.text[1].reset();
  }
  snapshot_texts_.text[which] = text;
  return text;
}

ServerResponse AgentApi::cluster(const ServerRequest& request) const {
  const std::string tokens = request.query_value("tokens", "true");
  if (tokens != "true" && tokens != "false") {
    throw Error::invalid_input("query parameter tokens: '" + tokens + "' is neither true nor false");
  }
  const auto facts = collector_.facts();
  const Freshness freshness = freshness_now(*facts);
  // What json_response of {"freshness": ..., "snapshot": ...} writes, the keys in that order.
  return {200,
          R"({"freshness":)" + freshness_json(freshness).dump() + R"(,"snapshot":)" +
              snapshot_text(facts, tokens == "true") + "}",
          "application/json",
          {}};
}

ServerResponse AgentApi::checks() const {
  const auto facts = collector_.facts();
  const Freshness freshness = freshness_now(*facts);
  json list = json::array();
  for (const Check& check : run_checks(*facts, freshness)) {
    list.push_back({{"name", check.name}, {"status", check.status}, {"message", check.message}});
  }
  return json_response(200, {{"freshness", freshness_json(freshness)}, {"checks", std::move(list)}});
}

ServerResponse AgentApi::job(const std::string& id) const {
  json job = backend_.job(id).value_or_throw();
  collector_.record_job(job);
  return json_response(200, {{"job", std::move(job)}});
}

ServerResponse AgentApi::start_operation(const std::string& operation, const std::string& body) {
  if (!operations().contains(operation)) {
    throw Error::not_found("unknown operation '" + operation + "' (decommission, removenode, cleanup or repair)");
  }
  const json parameters = ringnet::object_body_or_empty(body);
  OperationStarted started;
  {
    std::lock_guard lock(forwarding_);
    started = backend_.start_operation(operation, parameters).value_or_throw();
  }
  collector_.refresh();  // the jobs list shows the new job without waiting an interval
  return json_response(started.status, {{"job", std::move(started.job)}});
}

ServerResponse AgentApi::set_throughput(const std::string& body) {
  const json parameters = ringnet::object_body_or_empty(body);
  json streams;
  {
    std::lock_guard lock(forwarding_);
    streams = backend_.set_throughput(parameters).value_or_throw();
  }
  collector_.refresh();
  return json_response(200, streams);
}

ServerResponse AgentApi::metrics() const {
  const auto facts = collector_.facts();
  const json& node = facts->node;
  MetricsIdentity who;
  who.cluster = !config_.cluster.empty() ? config_.cluster : node.is_object() ? node.value("cluster_name", "") : "";
  if (node.is_object()) {
    who.dc = node.value("dc", "");
    who.rack = node.value("rack", "");
    who.node = node.value("address", "");
  }
  if (who.node.empty()) who.node = config_.node.host;
  return {200,
          metrics_cache_.render(facts, who, clock_(), std::chrono::duration<double>(config_.interval_seconds)),
          "text/plain; version=0.0.4; charset=utf-8",
          {}};
}

}  // namespace ringd
