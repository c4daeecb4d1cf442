// The cluster's schema as one node knows it: keyspaces and their replication, each stamped
// with the time (microseconds) of its last change.
//
// Nodes agree on it through gossip: a node publishes version() as its SCHEMA state; a node
// that sees a different version pulls the peer's schema and merges it. merge() keeps, per
// keyspace, the definition with the later timestamp (ties broken by the replication text), so
// merging is commutative, associative and idempotent and every node ends with the same schema
// and the same version, whatever order the exchanges happen in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringcore/error.h"
#include "ringcore/replication.h"
#include "ringcore/snapshot.h"

namespace ringnode {

struct KeyspaceDef {
  std::string name;
  ringcore::Replication replication;
  std::int64_t timestamp_us = 0;
};

// Keyspace names as CQL allows them: 1 to 48 letters, digits and underscores.
ringcore::Status validate_keyspace_name(std::string_view name);

// Reads {"class": "SimpleStrategy", "replication_factor": 3} (values strings or integers) into
// a Replication. Errors (kInvalidInput/kUnsupported) name the bad entry; LocalStrategy and a
// replication factor of 0 everywhere are refused, as a user keyspace needs replicas.
ringcore::Result<ringcore::Replication> replication_from_json(const nlohmann::json& value);
nlohmann::json replication_to_json(const ringcore::Replication& replication);

class Schema {
 public:
  // Keyspaces sorted by name.
  const std::vector<KeyspaceDef>& keyspaces() const { return keyspaces_; }
  const KeyspaceDef* find(std::string_view name) const;

  // Adds or replaces a keyspace (the caller stamps it with a fresh timestamp).
  void put(KeyspaceDef keyspace);

  // Folds in `other` (see above); returns whether anything changed.
  bool merge(const Schema& other);

  // A UUID-shaped digest of the content: equal schemas have equal versions.
  std::string version() const;

  // {"keyspaces": [{"name", "replication": {...}, "timestamp_us"}]}
  std::string to_json() const;
  static ringcore::Result<Schema> from_json(std::string_view text);

  // The keyspaces as snapshot entries.
  std::vector<ringcore::Keyspace> snapshot_keyspaces() const;

 private:
  std::vector<KeyspaceDef> keyspaces_;
};

}  // namespace ringnode
