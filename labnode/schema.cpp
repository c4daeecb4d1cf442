#include "schema.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "node_identity.h"
#include "ringcore/murmur3.h"

namespace ringnode {
namespace {

using ringcore::Error;
using Json = nlohmann::json;

// The replication as canonical text, for ordering equal-timestamp definitions.
std::string replication_text(const ringcore::Replication& replication) {
  return replication_to_json(replication).dump();
}

bool wins(const KeyspaceDef& incoming, const KeyspaceDef& stored) {
  if (incoming.timestamp_us != stored.timestamp_us) return incoming.timestamp_us > stored.timestamp_us;
  return replication_text(incoming.replication) > replication_text(stored.replication);
}

}  // namespace

ringcore::Status validate_keyspace_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 48 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok) {
    return Error::invalid_input("keyspace name '" + std::string(name) +
                                "' is invalid: use 1 to 48 letters, digits and underscores");
  }
  return ringcore::Ok{};
}

ringcore::Result<ringcore::Replication> replication_from_json(const Json& value) {
  if (!value.is_object())
    return Error::invalid_input(
        "'replication' must be an object such as {\"class\": \"SimpleStrategy\", \"replication_factor\": 3}");
  std::vector<std::pair<std::string, std::string>> options;
  if (value.contains("class")) {
    if (!value["class"].is_string()) return Error::invalid_input("replication 'class' must be a string");
    options.emplace_back("class", value["class"].get<std::string>());
  }
  for (const auto& [key, entry] : value.items()) {
    if (key == "class") continue;
    if (entry.is_string()) {
      options.emplace_back(key, entry.get<std::string>());
    } else if (entry.is_number_integer()) {
      options.emplace_back(key, std::to_string(entry.get<long long>()));
    } else {
      return Error::invalid_input("replication '" + key + "' must be a string or an integer");
    }
  }
  auto replication = ringcore::parse_replication(options);
  if (!replication) return replication.error();
  switch (replication->kind) {
    case ringcore::StrategyKind::kLocal:
      return Error::unsupported("LocalStrategy is for system keyspaces; use SimpleStrategy or NetworkTopologyStrategy");
    case ringcore::StrategyKind::kSimple:
      for (const auto& [key, text] : options) {
        if (key != "class" && key != "replication_factor") {
          return Error::invalid_input("SimpleStrategy takes only 'replication_factor', not '" + key + "'");
        }
      }
      break;
    case ringcore::StrategyKind::kNetworkTopology:
      break;
  }
  if (replication->total_replicas() < 1) return Error::invalid_input("replication must place at least one replica");
  return replication;
}

Json replication_to_json(const ringcore::Replication& replication) {
  Json json = Json::object();
  for (const auto& [key, value] : replication.options) json[key] = value;
  return json;
}

const KeyspaceDef* Schema::find(std::string_view name) const {
  auto it = std::lower_bound(keyspaces_.begin(), keyspaces_.end(), name,
                             [](const KeyspaceDef& k, std::string_view n) { return k.name < n; });
  return it != keyspaces_.end() && it->name == name ? &*it : nullptr;
}

void Schema::put(KeyspaceDef keyspace) {
  auto it = std::lower_bound(keyspaces_.begin(), keyspaces_.end(), keyspace.name,
                             [](const KeyspaceDef& k, const std::string& n) { return k.name < n; });
  if (it != keyspaces_.end() && it->name == keyspace.name) {
    *it = std::move(keyspace);
  } else {
    keyspaces_.insert(it, std::move(keyspace));
  }
}

bool Schema::merge(const Schema& other) {
  bool changed = false;
  for (const KeyspaceDef& incoming : other.keyspaces_) {
    const KeyspaceDef* mine = find(incoming.name);
    if (mine == nullptr || wins(incoming, *mine)) {
      put(incoming);
      changed = true;
    }
  }
  return changed;
}

std::string Schema::version() const {
  const ringcore::Murmur3Hash hash = ringcore::murmur3_cassandra(to_json());
  return format_uuid(hash.h1, hash.h2);
}

std::string Schema::to_json() const {
  Json list = Json::array();
  for (const KeyspaceDef& keyspace : keyspaces_) {
    list.push_back({{"name", keyspace.name},
                    {"replication", replication_to_json(keyspace.replication)},
                    {"timestamp_us", keyspace.timestamp_us}});
  }
  return Json{{"keyspaces", list}}.dump();
}

ringcore::Result<Schema> Schema::from_json(std::string_view text) {
  const Json json = Json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("keyspaces") || !json["keyspaces"].is_array()) {
    return Error::invalid_input("schema: expected {\"keyspaces\": [...]}");
  }
  Schema schema;
  for (std::size_t i = 0; i < json["keyspaces"].size(); ++i) {
    const Json& entry = json["keyspaces"][i];
    const std::string where = "schema: keyspaces[" + std::to_string(i) + "]";
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("timestamp_us") || !entry["timestamp_us"].is_number_integer() ||
        !entry.contains("replication")) {
      return Error::invalid_input(where + ": needs a string 'name', an integer 'timestamp_us' and 'replication'");
    }
    KeyspaceDef keyspace{entry["name"].get<std::string>(), {}, entry["timestamp_us"].get<std::int64_t>()};
    if (auto valid = validate_keyspace_name(keyspace.name); !valid) return valid.error().with_context(where);
    auto replication = replication_from_json(entry["replication"]);
    if (!replication) return replication.error().with_context(where);
    keyspace.replication = std::move(replication).value();
    schema.put(std::move(keyspace));
  }
  return schema;
}

std::vector<ringcore::Keyspace> Schema::snapshot_keyspaces() const {
  std::vector<ringcore::Keyspace> keyspaces;
  for (const KeyspaceDef& keyspace : keyspaces_) keyspaces.push_back({keyspace.name, keyspace.replication});
  return keyspaces;
}

}  // namespace ringnode
