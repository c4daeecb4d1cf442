// SchemaStore: this node's copy of the schema, kept in the storage's local metadata, with a
// column family for every keyspace it lists.
//
// Changes come from the client API (create, alter: stamped with the caller's timestamp) and
// from peers (merge); after every change that alters the version, `on_change` runs with the
// new version, under the store's lock (the node publishes it as its SCHEMA gossip state;
// the callback must not call back into the store).
//
// Thread-safety: all members may be called from any thread; mutex_ guards schema_ and
// serialises changes with their persistence.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "ringcore/error.h"
#include "schema.h"
#include "storage.h"

namespace ringnode {

class SchemaStore {
 public:
  // Loads the stored schema (none on a first start) and makes sure its keyspaces have storage.
  static ringcore::Result<std::unique_ptr<SchemaStore>> load(Storage& storage);

  void on_change(std::function<void(const std::string& version)> callback) { on_change_ = std::move(callback); }

  Schema current() const;
  std::string version() const;

  // Errors: a bad name or replication (kInvalidInput, kUnsupported); create of an existing
  // keyspace (kInvalidInput, "already exists"); alter of an unknown one (kNotFound).
  ringcore::Result<KeyspaceDef> create(const std::string& name, ringcore::Replication replication,
                                       std::int64_t timestamp_us);
  ringcore::Result<KeyspaceDef> alter(const std::string& name, ringcore::Replication replication,
                                      std::int64_t timestamp_us);
  // Merges a peer's schema; returns whether ours changed.
  ringcore::Result<bool> merge(const Schema& other);

 private:
  explicit SchemaStore(Storage& storage) : storage_(storage) {}
  // Creates storage for `next`'s keyspaces, persists it, makes it current, publishes its
  // version and logs `what`. REQUIRES: mutex_ held.
  ringcore::Status install_locked(Schema next, const std::string& what);

  Storage& storage_;
  mutable std::mutex mutex_;
  Schema schema_;  // guarded by mutex_
  std::function<void(const std::string&)> on_change_;
};

}  // namespace ringnode
