// Node: one running ringnode, wired together. It owns the storage, the identity, the schema,
// gossip, the coordinator and the two HTTP servers, and runs the lifecycle:
//
// start():
//   1. open the storage under data_directory (a decommissioned node refuses to start); load or
//      create the host id; take a new generation (greater than any earlier run's);
//   2. serve the internode API on storage_port and start gossiping (DC, RACK, HOST_ID,
//      RELEASE_VERSION, SCHEMA, LOAD; no STATUS yet, so peers do not list the node);
//   3. tokens: the persisted ones on a restart; on a first start initial_tokens, else tokens
//      from the balanced allocator (or random ones) over the cluster learnt from a seed
//      (bounded wait; a seed that finds no other seed allocates alone); persist them;
//   4. serve the client/admin API on native_port;
//   5. join: a node that must bootstrap (auto_bootstrap, not a seed, other nodes exist, and no
//      earlier bootstrap completed) starts the bootstrap job (bootstrap.cpp), which announces
//      BOOT, streams and then announces NORMAL; any other node publishes TOKENS and NORMAL.
// stop(): cancel the running job, stop the client API, announce shutdown in gossip (unless
// decommissioned), stop the internode API, close the storage.
// Every gossip round it also samples its CPU use (CpuMeter, a 5 s interval), pulls the schema
// from a live peer whose SCHEMA differs from ours and republishes LOAD when it changed (every 5
// rounds).
//
// Thread-safety: the accessors return components that are themselves thread-safe; the
// identity and config are fixed once start() returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "coordinator.h"
#include "gossip_driver.h"
#include "internode_client.h"
#include "job_registry.h"
#include "node_config.h"
#include "node_identity.h"
#include "process_usage.h"
#include "range_streamer.h"
#include "request_stats.h"
#include "ringcore/error.h"
#include "ringnet/http_server.h"
#include "schema_store.h"
#include "storage.h"
#include "stream_manager.h"
#include "worker_pool.h"

namespace ringnode {

// "ringnode-<project version>": gossiped as RELEASE_VERSION and served as release_version.
std::string release_version();

// The node's operation mode, as nodetool netstats prints it.
enum class NodeMode { kStarting, kNormal, kJoining, kLeaving, kDecommissioned, kJoiningFailed, kDecommissionFailed };
const char* node_mode_name(NodeMode mode);  // "STARTING", "NORMAL", ..., "DECOMMISSION_FAILED"

// Local metadata keys (Storage::get_local) for the node's lifecycle.
inline constexpr const char* kBootstrapKey = "bootstrap";            // "in_progress" | "completed"
inline constexpr const char* kDecommissionedKey = "decommissioned";  // "true" once LEFT

class Node {
 public:
  // Starts the node as above. Errors name the step that failed (storage, port, seeds...).
  static ringcore::Result<std::unique_ptr<Node>> start(NodeConfig config);
  ~Node();  // stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Graceful stop; idempotent.
  void stop();

  const NodeConfig& config() const { return config_; }
  const NodeIdentity& identity() const { return identity_; }
  std::int64_t generation() const { return generation_; }
  std::chrono::steady_clock::duration uptime() const { return std::chrono::steady_clock::now() - started_; }
  Storage& storage() { return *storage_; }
  GossipDriver& gossip() { return *gossip_; }
  SchemaStore& schema() { return *schema_; }
  Coordinator& coordinator() { return *coordinator_; }
  ClusterTransport& transport() { return *transport_; }
  JobRegistry& jobs() { return *jobs_; }
  const Hints& hints() const { return *hints_; }
  StreamManager& streams() { return *streams_; }
  RangeStreamer& streamer() { return *streamer_; }
  // The client requests this node coordinated (client_api records them).
  RequestStats& requests() { return requests_; }
  // The node process's CPU use, measured by the gossip round over kCpuInterval.
  const CpuMeter& cpu() const { return cpu_; }

  NodeMode mode() const { return mode_.load(); }
  void set_mode(NodeMode mode) { mode_.store(mode); }

  // The cluster as this node sees it: gossip's nodes, the agreed keyspaces, the cluster name.
  ringcore::ClusterSnapshot cluster_snapshot();

  // Waits until every peer gossip shows up has learnt `status_value` as `endpoint`'s STATUS
  // (asking each for its states), so that the writes they coordinate from then on see the
  // change. Errors (kFailed) after `timeout`, naming the peers that had not.
  ringcore::Status wait_until_peers_see(const std::string& endpoint, const std::string& status_value,
                                        std::chrono::seconds timeout);

  // Publishes the node's load in gossip now if it changed (the gossip round does it every few
  // rounds; operations that move data call it when they end).
  void publish_load();

  // After LEFT: stops gossip (without announcing shutdown) and the internode API; the client
  // API stays up to report the mode. Idempotent.
  void stop_serving_data();

  // Microseconds since the epoch, strictly increasing across calls: write timestamps.
  std::int64_t next_timestamp_us();

  // Tells every live peer about a schema change at once (gossip would carry it within
  // seconds); returns how many peers took it.
  int push_schema_to_peers();

 private:
  explicit Node(NodeConfig config);
  ringcore::Status open_storage();
  ringcore::Status start_gossip();
  ringcore::Status choose_tokens();
  ringcore::Status serve_clients();
  ringcore::Status join();
  bool must_bootstrap();
  void on_gossip_round();

  NodeConfig config_;
  NodeIdentity identity_;
  std::int64_t generation_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> last_timestamp_us_{0};
  int rounds_ = 0;  // only touched by the gossip round thread
  std::atomic<std::uint64_t> published_load_{UINT64_MAX};
  RequestStats requests_;
  CpuMeter cpu_{std::chrono::seconds(5), online_cpus()};

  // Declared in dependency order: destroyed in reverse, so nothing outlives what it uses.
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<SchemaStore> schema_;
  std::unique_ptr<ClusterTransport> transport_;
  std::unique_ptr<GossipDriver> gossip_;
  std::unique_ptr<Hints> hints_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<ringnet::HttpServer> internode_server_;
  std::unique_ptr<StreamManager> streams_;
  std::unique_ptr<RangeStreamer> streamer_;
  std::unique_ptr<ringnet::HttpServer> client_server_;
  std::unique_ptr<JobRegistry> jobs_;  // first to stop: a running job uses everything above
  std::atomic<NodeMode> mode_{NodeMode::kStarting};
  std::atomic<bool> serving_data_{true};
  bool stopped_ = false;
};

}  // namespace ringnode
