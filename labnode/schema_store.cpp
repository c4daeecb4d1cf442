#include "schema_store.h"

#include <algorithm>

#include "ringruntime/log.h"

namespace ringnode {
namespace {

constexpr const char* kSchemaKey = "local:schema";

}  // namespace

ringcore::Result<std::unique_ptr<SchemaStore>> SchemaStore::load(Storage& storage) {
  std::unique_ptr<SchemaStore> store(new SchemaStore(storage));
  auto text = storage.get_local(kSchemaKey);
  if (!text) return text.error();
  if (*text) {
    auto schema = Schema::from_json(**text);
    if (!schema) return schema.error().with_context("stored schema in " + storage.directory());
    std::lock_guard lock(store->mutex_);
    auto installed = store->install_locked(std::move(schema).value(), "loaded the stored schema");
    if (!installed) return installed.error();
  }
  return store;
}

Schema SchemaStore::current() const {
  std::lock_guard lock(mutex_);
  return schema_;
}

std::string SchemaStore::version() const {
  std::lock_guard lock(mutex_);
  return schema_.version();
}

ringcore::Status SchemaStore::install_locked(Schema next, const std::string& what) {
  for (const KeyspaceDef& keyspace : next.keyspaces()) {
    auto created = storage_.create_keyspace(keyspace.name);
    if (!created) return created;
  }
  auto saved = storage_.put_local(kSchemaKey, next.to_json());
  if (!saved) return saved;
  schema_ = std::move(next);
  const std::string version = schema_.version();
  if (on_change_) on_change_(version);  // under the lock, so versions are published in order
  ringruntime::log_info("schema: " + what + " (schema version " + version + ")");
  return ringcore::Ok{};
}

ringcore::Result<KeyspaceDef> SchemaStore::create(const std::string& name, ringcore::Replication replication,
                                                  std::int64_t timestamp_us) {
  if (auto valid = validate_keyspace_name(name); !valid) return valid.error();
  KeyspaceDef keyspace{name, std::move(replication), timestamp_us};
  std::lock_guard lock(mutex_);
  if (schema_.find(name) != nullptr) return ringcore::Error::invalid_input("keyspace '" + name + "' already exists");
  Schema next = schema_;
  next.put(keyspace);
  if (auto installed = install_locked(std::move(next), "created keyspace " + name); !installed)
    return installed.error();
  return keyspace;
}

ringcore::Result<KeyspaceDef> SchemaStore::alter(const std::string& name, ringcore::Replication replication,
                                                 std::int64_t timestamp_us) {
  std::lock_guard lock(mutex_);
  const KeyspaceDef* current = schema_.find(name);
  if (current == nullptr) return ringcore::Error::not_found("keyspace '" + name + "' does not exist");
  // A change must win over the definition it replaces, even if this node's clock is behind.
  KeyspaceDef keyspace{name, std::move(replication), std::max(timestamp_us, current->timestamp_us + 1)};
  Schema next = schema_;
  next.put(keyspace);
  if (auto installed = install_locked(std::move(next), "altered keyspace " + name); !installed)
    return installed.error();
  return keyspace;
}

ringcore::Result<bool> SchemaStore::merge(const Schema& other) {
  std::lock_guard lock(mutex_);
  Schema next = schema_;
  if (!next.merge(other)) return false;
  if (auto installed = install_locked(std::move(next), "merged a peer's schema"); !installed) return installed.error();
  return true;
}

}  // namespace ringnode
