// ringd's HTTP API (docs/api.md): the route table, authentication and audit around every
// route, cached reads with their freshness, and operations forwarded to the backend one at a
// time.
//
//   GET  /v1/health/live            200 {"status": "ok"}
//   GET  /v1/health/ready           200 when the facts are fresh, else 503 with the reason
//   GET  /v1/node|cluster|gossip|streams|jobs|checks   cached, with "freshness"
//                                   (/v1/cluster?tokens=false: the nodes without their tokens)
//   GET  /v1/jobs/{id}              asked from the node: {"job": ...}
//   POST /v1/operations/{op}        admin; forwarded: 202/200 {"job": ...}, or the node's error
//   PUT  /v1/streams/throughput     admin; forwarded: the node's streams object
//   GET  /metrics                   Prometheus text (agent/metrics.h)
//
// Thread-safety: handlers run concurrently on the server's threads; reads never wait for the
// backend except /v1/jobs/{id} and the mutating calls, which are serialised.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "agent_config.h"
#include "audit_log.h"
#include "auth.h"
#include "backend.h"
#include "collector.h"
#include "freshness.h"
#include "metrics.h"
#include "ringnet/http_server.h"

namespace ringd {

using Clock = std::function<std::chrono::system_clock::time_point()>;

class AgentApi {
 public:
  // Everything referenced must outlive the API (and the server it is installed on).
  AgentApi(const AgentConfig& config, Backend& backend, Collector& collector, const Authenticator& auth,
           AuditLog& audit, Clock clock = std::chrono::system_clock::now);

  // REQUIRES: before server.start().
  void install(ringnet::HttpServer& server);

 private:
  // Wraps a handler with the role check and, for mutating calls, the audit line.
  ringnet::ServerHandler guarded(ringnet::ServerHandler handler);

  // The facts' freshness at this moment, a hung collection included.
  Freshness freshness_now(const CollectedFacts& facts) const;
  ringnet::ServerResponse ready() const;
  // {"freshness", field: the collected document}; cached() answers with it.
  nlohmann::json cached_document(const std::string& field, const nlohmann::json CollectedFacts::*document) const;
  ringnet::ServerResponse cached(const std::string& field, const nlohmann::json CollectedFacts::*document) const;
  // GET /v1/cluster, ?tokens=false leaving out every node's tokens (what a survey of every
  // agent needs from all but one: statuses and states, a few bytes a node instead of its vnodes).
  ringnet::ServerResponse cluster(const ringnet::ServerRequest& request) const;
  // The text of facts->cluster, with or without the nodes' tokens, kept for the last facts
  // object (the collector publishes a new one per collection): many reads of one collection
  // copy and serialise the snapshot once, not per request (bench/ringd_load_bench.sh).
  std::string snapshot_text(const std::shared_ptr<const CollectedFacts>& facts, bool tokens) const;
  ringnet::ServerResponse checks() const;
  ringnet::ServerResponse job(const std::string& id) const;
  ringnet::ServerResponse start_operation(const std::string& operation, const std::string& body);
  ringnet::ServerResponse set_throughput(const std::string& body);
  ringnet::ServerResponse metrics() const;

  const AgentConfig& config_;
  Backend& backend_;
  Collector& collector_;
  const Authenticator& auth_;
  AuditLog& audit_;
  Clock clock_;
  std::mutex forwarding_;  // one mutating call reaches the node at a time
  mutable MetricsCache metrics_cache_;
  mutable struct {
    std::mutex mutex;
    std::shared_ptr<const CollectedFacts> facts;  // held, so its address is never another's
    std::optional<std::string> text[2];           // [tokens]
  } snapshot_texts_;
};

}  // namespace ringd
