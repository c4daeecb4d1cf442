#include "client_api.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api_json.h"
#include "base64.h"
#include "node.h"
#include "node_facts.h"
#include "ringcore/murmur3.h"

namespace ringnode {
namespace {

using ringcore::Error;
using ringnet::ServerRequest;
using ringnet::ServerResponse;
using Json = nlohmann::json;
namespace gossip = ringcore::gossip;

constexpr std::size_t kMaxKeyBytes = 65535;  // Cassandra's limit for a partition key

// The keyspace, or kNotFound naming the keyspaces that exist.
KeyspaceDef find_keyspace(Node& node, const std::string& name) {
  const Schema schema = node.schema().current();
  if (const KeyspaceDef* keyspace = schema.find(name)) return *keyspace;
  std::string known;
  for (const KeyspaceDef& keyspace : schema.keyspaces()) known += (known.empty() ? "" : ", ") + keyspace.name;
  throw Error::not_found("keyspace '" + name + "' does not exist (keyspaces: " + (known.empty() ? "none" : known) +
                         ")");
}

ConsistencyLevel consistency_of(const ServerRequest& request) {
  return parse_consistency_level(request.query_value("cl", "QUORUM")).value_or_throw();
}

std::string key_of(const ServerRequest& request) {
  const std::string& key = request.param("key");
  if (key.size() > kMaxKeyBytes) {
    throw Error::invalid_input("key is " + std::to_string(key.size()) + " bytes; the limit is " +
                               std::to_string(kMaxKeyBytes));
  }
  return key;
}

// ---- admin ----

ServerResponse cluster(Node& node) {
  return {
      .status = 200, .body = ringcore::serialize_snapshot(node.cluster_snapshot()), .content_type = "application/json"};
}

ServerResponse gossip_info(Node& node) {
  Json endpoints = Json::array();
  node.gossip().inspect([&](const gossip::Gossiper& g, gossip::GossipTime now) {
    for (const auto& [address, state] : g.endpoint_states()) {
      Json states = Json::array();
      for (const auto& [name, value] : state.states()) {
        states.push_back(
            {{"name", gossip::application_state_name(name)}, {"version", value.version}, {"value", value.value}});
      }
      const char* status = g.is_alive(address)                           ? "up"
                           : g.unreachable_endpoints().contains(address) ? "down"
                                                                         : "unknown";
      Json entry = {{"address", address},
                    {"generation", state.heartbeat().generation},
                    {"heartbeat", state.heartbeat().version},
                    {"status", status},
                    {"states", states}};
      if (auto phi = g.failure_detector().phi(address, now)) entry["phi"] = *phi;
      endpoints.push_back(std::move(entry));
    }
  });
  return json_response({{"endpoints", endpoints}});
}

ServerResponse compaction(Node& node) {
  Json keyspaces = Json::array();
  std::uint64_t pending = 0, pending_tasks = 0, running = 0;
  for (const KeyspaceCompactionStats& stats : node.storage().compaction_stats()) {
    Json levels = Json::array();
    for (const LevelStats& level : stats.levels) {
      levels.push_back({{"level", level.level}, {"files", level.files}, {"size_bytes", level.size_bytes}});
    }
    keyspaces.push_back({{"name", stats.keyspace},
                         {"pending_tasks", stats.pending_tasks},
                         {"pending_compaction_bytes", stats.pending_compaction_bytes},
                         {"sst_bytes", stats.sst_bytes},
                         {"memtable_bytes", stats.memtable_bytes},
                         {"estimated_keys", stats.estimated_keys},
                         {"levels", levels}});
    pending += stats.pending_compaction_bytes;
    pending_tasks += stats.pending_tasks;
    running = stats.running_compactions;
  }
  return json_response({{"running_compactions", running},
                        {"pending_tasks", pending_tasks},
                        {"pending_compaction_bytes", pending},
                        {"keyspaces", keyspaces}});
}

// ---- keyspaces ----

Json keyspace_json(const KeyspaceDef& keyspace) {
  return {{"name", keyspace.name}, {"replication", replication_to_json(keyspace.replication)}};
}

ServerResponse list_keyspaces(Node& node) {
  const Schema schema = node.schema().current();
  Json list = Json::array();
  for (const KeyspaceDef& keyspace : schema.keyspaces()) list.push_back(keyspace_json(keyspace));
  return json_response({{"schema_version", schema.version()}, {"keyspaces", list}});
}

// The body's "replication", decoded; throws Error.
ringcore::Replication replication_of(const Json& body) {
  if (!body.contains("replication")) throw Error::invalid_input("'replication' is required");
  return replication_from_json(body["replication"]).value_or_throw();
}

ServerResponse create_keyspace(Node& node, const ServerRequest& request) {
  KeyspaceRequest asked = decode_keyspace_create(request.body).value_or_throw();
  const KeyspaceDef keyspace =
      node.schema().create(asked.name, std::move(asked.replication), node.next_timestamp_us()).value_or_throw();
  Json answer = keyspace_json(keyspace);
  answer["peers_notified"] = node.push_schema_to_peers();
  answer["schema_version"] = node.schema().version();
  return json_response(answer, 201);
}

ServerResponse alter_keyspace(Node& node, const ServerRequest& request) {
  auto replication = decode_keyspace_replication(request.body).value_or_throw();
  const KeyspaceDef keyspace =
      node.schema().alter(request.param("ks"), std::move(replication), node.next_timestamp_us()).value_or_throw();
  Json answer = keyspace_json(keyspace);
  answer["peers_notified"] = node.push_schema_to_peers();
  answer["schema_version"] = node.schema().version();
  return json_response(answer);
}

// ---- rows ----

// One client request this node coordinates, recorded in the node's RequestStats when it ends:
// dropped unless served() was called (the coordinator could not serve it, or the node shed it).
class RecordedRequest {
 public:
  RecordedRequest(RequestStats& stats, RequestKind kind)
      : stats_(stats), kind_(kind), started_(std::chrono::steady_clock::now()) {
    stats_.started(kind_);
  }
  ~RecordedRequest() {
    const auto now = std::chrono::steady_clock::now();
    stats_.finished(kind_, std::chrono::duration_cast<std::chrono::microseconds>(now - started_), !served_,
                    now.time_since_epoch());
  }
  RecordedRequest(const RecordedRequest&) = delete;
  RecordedRequest& operator=(const RecordedRequest&) = delete;
  void served() { served_ = true; }

 private:
  RequestStats& stats_;
  RequestKind kind_;
  std::chrono::steady_clock::time_point started_;
  bool served_ = false;
};

// A decommissioned node has left the ring: it no longer coordinates reads or writes.
void require_serving(Node& node) {
  if (node.mode() == NodeMode::kDecommissioned) {
    throw Error(ringcore::ErrorCode::kUnavailable, "this node was decommissioned and no longer serves data");
  }
}

ServerResponse write_row(Node& node, const ServerRequest& request, bool remove) {
  const KeyspaceDef keyspace = find_keyspace(node, request.param("ks"));
  const std::string key = key_of(request);
  const ConsistencyLevel level = consistency_of(request);
  std::optional<std::string> value;
  if (!remove) {
    if (request.body.size() > node.config().max_value_bytes) {
      throw Error::invalid_input("value is " + std::to_string(request.body.size()) + " bytes; max_value_bytes is " +
                                 std::to_string(node.config().max_value_bytes));
    }
    value = request.body;
  }
  RecordedRequest recorded(node.requests(), RequestKind::kWrite);
  require_serving(node);
  auto written =
      node.coordinator().write(*node.gossip().view(), keyspace, key, std::move(value), level, node.next_timestamp_us());
  if (written) recorded.served();
  const WriteOutcome outcome = std::move(written).value_or_throw();
  return json_response({{"timestamp", outcome.timestamp_us}, {"acks", outcome.acks}, {"replicas", outcome.replicas}});
}

ServerResponse read_row(Node& node, const ServerRequest& request) {
  const KeyspaceDef keyspace = find_keyspace(node, request.param("ks"));
  const std::string key = key_of(request);
  const ConsistencyLevel level = consistency_of(request);
  RecordedRequest recorded(node.requests(), RequestKind::kRead);
  require_serving(node);
  auto read = node.coordinator().read(*node.gossip().view(), keyspace, key, level);
  if (read) recorded.served();
  const ReadOutcome outcome = std::move(read).value_or_throw();
  if (!outcome.cell || outcome.cell->tombstone) {
    throw Error::not_found("key not found in keyspace '" + keyspace.name + "' (" + std::to_string(outcome.responses) +
                           " replicas answered at " + consistency_level_name(level) + ")");
  }
  return json_response({{"value", base64_encode(outcome.cell->value)},
                        {"timestamp", outcome.cell->timestamp_us},
                        {"digest", ringcore::value_digest(outcome.cell->value)},
                        {"responses", outcome.responses},
                        {"replicas", outcome.replicas}});
}

ServerResponse replica_copies(Node& node, const ServerRequest& request) {
  const KeyspaceDef keyspace = find_keyspace(node, request.param("ks"));
  const std::string key = key_of(request);
  Json list = Json::array();
  for (const ReplicaCopy& copy :
       node.coordinator().replica_copies(*node.gossip().view(), keyspace, key).value_or_throw()) {
    Json entry = {{"address", copy.address}, {"found", copy.cell && !copy.cell->tombstone}};
    if (copy.cell) {
      entry["timestamp"] = copy.cell->timestamp_us;
      entry["tombstone"] = copy.cell->tombstone;
      entry["digest"] = copy.cell->tombstone ? "" : ringcore::value_digest(copy.cell->value);
    }
    if (!copy.error.empty()) entry["error"] = copy.error;
    list.push_back(std::move(entry));
  }
  return json_response(list);
}

}  // namespace

ringcore::Result<KeyspaceRequest> decode_keyspace_create(std::string_view text) {
  return decoding([&] {
    const Json body = ringnet::object_body(text);
    std::string name = string_field(body, "name");
    return KeyspaceRequest{std::move(name), replication_of(body)};
  });
}

ringcore::Result<ringcore::Replication> decode_keyspace_replication(std::string_view text) {
  return decoding([&] { return replication_of(ringnet::object_body(text)); });
}

void add_client_routes(ringnet::HttpServer& server, Node& node) {
  server.route("GET", "/v1/health", [](const ServerRequest&) { return json_response({{"status", "ok"}}); });
  server.route("GET", "/v1/node", [&node](const ServerRequest&) { return json_response(node_facts(node)); });
  server.route("GET", "/v1/cluster", [&node](const ServerRequest&) { return cluster(node); });
  server.route("GET", "/v1/gossip", [&node](const ServerRequest&) { return gossip_info(node); });
  server.route("GET", "/v1/compaction", [&node](const ServerRequest&) { return compaction(node); });
  server.route("GET", "/v1/keyspaces", [&node](const ServerRequest&) { return list_keyspaces(node); });
  server.route("POST", "/v1/keyspaces", [&node](const ServerRequest& r) { return create_keyspace(node, r); });
  server.route("PUT", "/v1/keyspaces/{ks}", [&node](const ServerRequest& r) { return alter_keyspace(node, r); });
  server.route("PUT", "/v1/keyspaces/{ks}/rows/{key}",
               [&node](const ServerRequest& r) { return write_row(node, r, false); });
  server.route("DELETE", "/v1/keyspaces/{ks}/rows/{key}",
               [&node](const ServerRequest& r) { return write_row(node, r, true); });
  server.route("GET", "/v1/keyspaces/{ks}/rows/{key}", [&node](const ServerRequest& r) { return read_row(node, r); });
  server.route("GET", "/v1/keyspaces/{ks}/rows/{key}/replicas",
               [&node](const ServerRequest& r) { return replica_copies(node, r); });
}

}  // namespace ringnode
