// The cluster snapshot: every view of a cluster, live or offline, is one of these.
//
// Start here. A snapshot lists nodes (address, host id, dc, rack, status, state, load, tokens)
// and keyspaces (name, replication). Its JSON form is documented in docs/snapshot-format.md;
// the golden vectors in tests/vectors/rings are snapshots.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringcore/token.h"

namespace ringcore {

// Version 2 added the optional per-node capacity fields; version 1 files are still read.
inline constexpr int kSnapshotFormatVersion = 2;
inline constexpr int kOldestSnapshotFormatVersion = 1;
inline constexpr int kDefaultStoragePort = 7000;

enum class NodeStatus { kUp, kDown, kUnknown };
enum class NodeState { kNormal, kJoining, kLeaving, kMoving };

const char* node_status_name(NodeStatus status);  // "up", "down", "unknown"
const char* node_state_name(NodeState state);     // "normal", "joining", ...
// The inverses of the two above; nullopt for any other text.
std::optional<NodeStatus> node_status_from_name(std::string_view name);
std::optional<NodeState> node_state_from_name(std::string_view name);

// What a node reports about itself and its machine (ringnode's and ringd's /v1/node "capacity"
// object; docs/snapshot-format.md). Every figure is absent when not known: never 0 or a guess.
// Ratios are fractions (0.25 = 25%), latencies seconds, counters totals since the node started.
struct NodeCapacity {
  std::optional<double> cpu_utilization_ratio;     // of the whole machine, last interval
  std::optional<std::int64_t> memory_used_bytes;   // resident set
  std::optional<std::int64_t> memory_limit_bytes;  // cgroup limit or machine memory
  std::optional<std::int64_t> cpus;                // hardware
  std::optional<std::int64_t> memory_total_bytes;  // hardware
  std::optional<std::int64_t> disk_total_bytes;
  std::optional<std::int64_t> disk_used_bytes;
  std::optional<double> read_latency_p50_seconds;  // coordinator, sliding window
  std::optional<double> read_latency_p99_seconds;
  std::optional<double> write_latency_p50_seconds;
  std::optional<double> write_latency_p99_seconds;
  std::optional<std::int64_t> requests_total;
  std::optional<std::int64_t> dropped_messages_total;  // requests that timed out or were shed
  // The same two counters over the agent's recent window, and the seconds it covers.
  std::optional<std::int64_t> requests_recent;
  std::optional<std::int64_t> dropped_messages_recent;
  std::optional<double> recent_window_seconds;
  std::optional<std::int64_t> pending_compactions;
  std::optional<std::int64_t> pending_compaction_bytes;

  friend bool operator==(const NodeCapacity&, const NodeCapacity&) = default;
};

// Reads a "capacity" object (a JSON object with the fields above, each optional; null counts as
// absent). Errors (kInvalidInput) name the field: a wrong type or a negative figure.
Result<NodeCapacity> parse_node_capacity(std::string_view json_object_text);
// The known figures as a JSON object's text ("{}" when none is known).
std::string serialize_node_capacity(const NodeCapacity& capacity);

struct Node {
  std::string address;
  std::string host_id;
  std::string dc;
  std::string rack;
  NodeStatus status = NodeStatus::kUp;
  NodeState state = NodeState::kNormal;
  std::optional<std::int64_t> load_bytes;  // absent when unknown
  std::vector<Token> tokens;               // sorted ascending
  int storage_port = kDefaultStoragePort;  // only used where nodetool's layout depends on it
  NodeCapacity capacity;                   // snapshot fields of the same names, all optional
  // The bytes of each keyspace's data on this node ("keyspace_loads"), as its agent reports
  // them; empty when unknown. They weigh the keyspaces in what a node should hold (load_model.h).
  std::map<std::string, std::int64_t> keyspace_loads;
};

struct Keyspace {
  std::string name;
  Replication replication;
};

struct ClusterSnapshot {
  std::string cluster;
  std::string partitioner;
  std::string schema_version;  // may be empty
  std::vector<Node> nodes;
  std::vector<Keyspace> keyspaces;

  const Keyspace* find_keyspace(std::string_view name) const;
  // The keyspace, or kNotFound "keyspace 'x' does not exist (keyspaces: a, b)".
  Result<const Keyspace*> require_keyspace(std::string_view name) const;
  // Names of the keyspaces, comma-separated, for error messages.
  std::string keyspace_names() const;
};

// Parses and validates a snapshot in its JSON form. Errors name the field and the node or
// keyspace at fault (e.g. "nodes[2] (127.0.0.3): tokens[5]: ..."). Validation: required
// fields present and typed, tokens in range and not owned twice, known status/state values,
// Murmur3Partitioner, parseable replication.
Result<ClusterSnapshot> parse_snapshot(std::string_view json_text);

// The JSON form, with "format_version" set; parse_snapshot(serialize_snapshot(s)) == s.
std::string serialize_snapshot(const ClusterSnapshot& snapshot);

}  // namespace ringcore
