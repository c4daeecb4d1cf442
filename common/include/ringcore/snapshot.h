// The cluster snapshot: every view of a cluster, live or offline, is one of these.
//
// Start here. A snapshot lists nodes (address, host id, dc, rack, status, state, load, tokens)
// and keyspaces (name, replication). Its JSON form is documented in docs/snapshot-format.md;
// the golden vectors in tests/vectors/rings are snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringcore/token.h"

namespace ringcore {

inline constexpr int kSnapshotFormatVersion = 1;
inline constexpr int kDefaultStoragePort = 7000;

enum class NodeStatus { kUp, kDown, kUnknown };
enum class NodeState { kNormal, kJoining, kLeaving, kMoving };

const char* node_status_name(NodeStatus status);  // "up", "down", "unknown"
const char* node_state_name(NodeState state);     // "normal", "joining", ...

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
