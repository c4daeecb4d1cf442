#include "ringcore/snapshot.h"

#include <arpa/inet.h>

#include <cctype>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

#include "json_syntax_error.h"

namespace ringcore {
namespace {

// Parsing uses the unordered tree (faster); output keeps fields in a readable order.
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kMurmur3 = "org.apache.cassandra.dht.Murmur3Partitioner";

// Walks a JSON object with a path for error messages, e.g. "nodes[2] (127.0.0.3)".
class Fields {
 public:
  Fields(const Json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  bool has(const char* key) const { return object_.contains(key) && !object_.at(key).is_null(); }

  Result<std::string> string(const char* key) const {
    if (!has(key)) return missing(key);
    const Json& v = object_.at(key);
    if (!v.is_string()) return wrong_type(key, "a string");
    return v.get<std::string>();
  }

  Result<std::string> non_empty_string(const char* key) const {
    auto s = string(key);
    if (s && s->empty()) return Error::invalid_input(path_ + ": '" + key + "' is empty");
    return s;
  }

  Result<std::int64_t> integer(const char* key) const {
    if (!has(key)) return missing(key);
    const Json& v = object_.at(key);
    if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX)) {
      return v.get<std::int64_t>();
    }
    return wrong_type(key, "an integer");
  }

  Result<const Json*> array(const char* key) const {
    if (!has(key)) return missing(key);
    const Json& v = object_.at(key);
    if (!v.is_array()) return wrong_type(key, "an array");
    return &v;
  }

  Result<const Json*> object(const char* key) const {
    if (!has(key)) return missing(key);
    const Json& v = object_.at(key);
    if (!v.is_object()) return wrong_type(key, "an object");
    return &v;
  }

 private:
  Error missing(const char* key) const { return Error::invalid_input(path_ + ": missing field '" + key + "'"); }
  Error wrong_type(const char* key, const char* expected) const {
    return Error::invalid_input(path_ + ": '" + key + "' must be " + expected + ", not " +
                                std::string(object_.at(key).type_name()));
  }

  const Json& object_;
  std::string path_;
};

// An IPv4 or IPv6 address (inet_pton's forms; no brackets, no port) or a host name of
// letters, digits and '-' labels (RFC 1123). Text of digits and dots only must be IPv4.
bool is_address(const std::string& text) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1) return true;
  if (text.size() > 253 || text.find_first_not_of("0123456789.") == std::string::npos) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view label = std::string_view(text).substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == text.size()) return true;
    start = dot + 1;
  }
}

// 8-4-4-4-12 hex digits, any case.
bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Result<NodeStatus> parse_status(const std::string& path, const std::string& text) {
  if (auto status = node_status_from_name(text)) return *status;
  return Error::invalid_input(path + ": status '" + text + "' is not one of up, down, unknown");
}

Result<NodeState> parse_state(const std::string& path, const std::string& text) {
  if (auto state = node_state_from_name(text)) return *state;
  return Error::invalid_input(path + ": state '" + text + "' is not one of normal, joining, leaving, moving");
}

// The capacity fields, by their JSON name (also the snapshot's per-node field names).
struct CapacityRatio {
  const char* name;
  std::optional<double> NodeCapacity::*member;
};
struct CapacityCount {
  const char* name;
  std::optional<std::int64_t> NodeCapacity::*member;
};
constexpr CapacityRatio kCapacityFigures[] = {
    {"cpu_utilization_ratio", &NodeCapacity::cpu_utilization_ratio},
    {"read_latency_p50_seconds", &NodeCapacity::read_latency_p50_seconds},
    {"read_latency_p99_seconds", &NodeCapacity::read_latency_p99_seconds},
    {"write_latency_p50_seconds", &NodeCapacity::write_latency_p50_seconds},
    {"write_latency_p99_seconds", &NodeCapacity::write_latency_p99_seconds},
    {"recent_window_seconds", &NodeCapacity::recent_window_seconds},
};
constexpr CapacityCount kCapacityCounts[] = {
    {"memory_used_bytes", &NodeCapacity::memory_used_bytes},
    {"memory_limit_bytes", &NodeCapacity::memory_limit_bytes},
    {"cpus", &NodeCapacity::cpus},
    {"memory_total_bytes", &NodeCapacity::memory_total_bytes},
    {"disk_total_bytes", &NodeCapacity::disk_total_bytes},
    {"disk_used_bytes", &NodeCapacity::disk_used_bytes},
    {"requests_total", &NodeCapacity::requests_total},
    {"dropped_messages_total", &NodeCapacity::dropped_messages_total},
    {"requests_recent", &NodeCapacity::requests_recent},
    {"dropped_messages_recent", &NodeCapacity::dropped_messages_recent},
    {"pending_compactions", &NodeCapacity::pending_compactions},
    {"pending_compaction_bytes", &NodeCapacity::pending_compaction_bytes},
};

// Reads the capacity fields present in `f`'s object; the others stay absent.
Result<NodeCapacity> read_capacity(const Fields& f, const Json& object) {
  NodeCapacity capacity;
  for (const CapacityRatio& field : kCapacityFigures) {
    if (!f.has(field.name)) continue;
    const Json& value = object.at(field.name);
    if (!value.is_number()) {
      return Error::invalid_input(f.path() + ": '" + field.name + "' must be a number, not " + value.type_name());
    }
    const double number = value.get<double>();
    if (!(number >= 0)) return Error::invalid_input(f.path() + ": '" + field.name + "' is negative");
    capacity.*field.member = number;
  }
  for (const CapacityCount& field : kCapacityCounts) {
    if (!f.has(field.name)) continue;
    auto count = f.integer(field.name);
    if (!count) return count.error();
    if (*count < 0) return Error::invalid_input(f.path() + ": '" + field.name + "' is negative");
    capacity.*field.member = *count;
  }
  return capacity;
}

template <class Object>
void write_capacity(const NodeCapacity& capacity, Object& out) {
  for (const CapacityRatio& field : kCapacityFigures) {
    if (capacity.*field.member) out[field.name] = *(capacity.*field.member);
  }
  for (const CapacityCount& field : kCapacityCounts) {
    if (capacity.*field.member) out[field.name] = *(capacity.*field.member);
  }
}

Result<Token> parse_token_value(const Json& value) {
  if (value.is_string()) return parse_token(value.get_ref<const std::string&>());
  if (value.is_number_integer() && !(value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX)) {
    return value.get<std::int64_t>();
  }
  return Error::invalid_input("a token must be a decimal string, not " + std::string(value.type_name()));
}

// A node as SnapshotReader leaves it: its fields as a small JSON value and its "tokens" array,
// when it is one, already parsed (the bulk of a large snapshot: 256,000 tokens for 1,000
// nodes). A bad token waits here until parse_node has checked the fields before it.
struct StreamedNode {
  Json fields;
  bool tokens_streamed = false;
  std::vector<Token> tokens;
  std::optional<std::pair<std::size_t, Error>> bad_token;  // the first that does not parse, by index
};

// Builds a JSON value from SAX events as nlohmann's own DOM parser does (a repeated key: the
// last value wins).
class JsonBuilder {
 public:
  void value(Json value) { place(std::move(value)); }
  void open(Json container) { open_.push_back(place(std::move(container))); }
  void close() { open_.pop_back(); }
  void key(std::string key) { key_ = std::move(key); }
  // Drops an earlier value of `key` from the innermost open object: the key came again.
  void forget(const std::string& key) { open_.back()->erase(key); }
  Json take() { return std::move(root_); }
  Json& root() { return root_; }

 private:
  Json* place(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  Json root_;
  std::vector<Json*> open_;
  std::string key_;
};

// Reads a snapshot in one pass with nlohmann's SAX interface. The top-level object and each
// node's fields become small JSON values (checked afterwards by the same code, so errors read
// and come in the same order as ever), but the "nodes" array and each node's "tokens" array
// never become JSON: nodes are collected as StreamedNodes and tokens parsed straight into them.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view text) : text_(text) {}

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool value) { return scalar(Json(value)); }
  bool number_integer(std::int64_t value) {
    if (parent() == Role::kTokens) return token(Token{value});
    return scalar(Json(value));
  }
  bool number_unsigned(std::uint64_t value) { return scalar(Json(value)); }
  bool number_float(double value, const std::string&) { return scalar(Json(value)); }
  bool string(std::string& value) {
    if (parent() == Role::kTokens) return token(parse_token(value));
    return scalar(Json(std::move(value)));
  }
  bool binary(Json::binary_t&) { return true; }  // JSON text has none

  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& key) {
    const Role where = parent();
    if (where == Role::kSkipped) return true;
    JsonBuilder& builder = where == Role::kTop ? top_ : node_;
    special_key_ =
        (where == Role::kTop && roles_.size() == 1 && key == "nodes") || (where == Role::kNode && key == "tokens");
    if (special_key_ && where == Role::kTop) {  // "nodes" again: the last one wins
      nodes_streamed_ = false;
      nodes_.clear();
    } else if (special_key_) {  // "tokens" again
      nodes_.back() = StreamedNode{};
    }
    if (special_key_) builder.forget(key);
    builder.key(std::move(key));
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& error) {
    syntax_error_ = json_syntax_error("", text_, error);
    return false;
  }

  // The syntax error that stopped the parse, if any.
  const std::optional<Error>& syntax_error() const { return syntax_error_; }
  const Json& top() { return top_.root(); }
  bool nodes_streamed() const { return nodes_streamed_; }
  std::vector<StreamedNode>& nodes() { return nodes_; }

 private:
  // What each open container is: part of the top-level JSON value, the nodes array, a node
  // (the object, an element of the nodes array), inside a node, a tokens array, or a container
  // inside a tokens array (not a token: skipped after one error).
  enum class Role { kTop, kNodes, kNode, kInNode, kTokens, kSkipped };

  Role parent() const { return roles_.empty() ? Role::kTop : roles_.back(); }

  bool scalar(Json value) {
    special_key_ = false;
    switch (parent()) {
      case Role::kTop:
        top_.value(std::move(value));
        break;
      case Role::kNodes:  // a node that is not an object: parse_node says so
        nodes_.emplace_back();
        nodes_.back().fields = std::move(value);
        break;
      case Role::kNode:
      case Role::kInNode:
        node_.value(std::move(value));
        break;
      case Role::kTokens:
        return token(parse_token_value(value));
      case Role::kSkipped:
        break;
    }
    return true;
  }

  bool open(Json container) {
    const bool special = std::exchange(special_key_, false) && container.is_array();
    switch (parent()) {
      case Role::kTop:
        if (special) {
          nodes_streamed_ = true;
          roles_.push_back(Role::kNodes);
        } else {
          top_.open(std::move(container));
          roles_.push_back(Role::kTop);
        }
        break;
      case Role::kNodes:
        nodes_.emplace_back();
        node_ = JsonBuilder();
        node_.open(std::move(container));
        roles_.push_back(Role::kNode);
        break;
      case Role::kNode:
        if (special) {
          nodes_.back().tokens_streamed = true;
          token_index_ = 0;
          roles_.push_back(Role::kTokens);
          break;
        }
        [[fallthrough]];
      case Role::kInNode:
        node_.open(std::move(container));
        roles_.push_back(Role::kInNode);
        break;
      case Role::kTokens:
        token(parse_token_value(container));
        roles_.push_back(Role::kSkipped);
        break;
      case Role::kSkipped:
        roles_.push_back(Role::kSkipped);
        break;
    }
    return true;
  }

  bool close() {
    const Role closing = roles_.back();
    roles_.pop_back();
    if (closing == Role::kTop) top_.close();
    if (closing == Role::kNode || closing == Role::kInNode) node_.close();
    if (closing == Role::kNode) nodes_.back().fields = node_.take();
    return true;
  }

  bool token(Result<Token> token) {
    StreamedNode& node = nodes_.back();
    if (token) {
      node.tokens.push_back(*token);
    } else if (!node.bad_token) {
      node.bad_token.emplace(token_index_, token.error());
    }
    ++token_index_;
    return true;
  }

  JsonBuilder top_;
  JsonBuilder node_;  // the node being read
  std::vector<StreamedNode> nodes_;
  bool nodes_streamed_ = false;
  std::vector<Role> roles_;   // of the open containers, outermost first
  bool special_key_ = false;  // the last key was the top object's "nodes" or a node's "tokens"
  std::size_t token_index_ = 0;
  std::string_view text_;
  std::optional<Error> syntax_error_;
};

// "keyspace_loads": {"name": bytes, ...}, optional; each figure an integer, not negative.
Result<std::map<std::string, std::int64_t>> read_keyspace_loads(const Fields& f) {
  std::map<std::string, std::int64_t> loads;
  if (!f.has("keyspace_loads")) return loads;
  auto object = f.object("keyspace_loads");
  if (!object) return object.error();
  const Fields figures(**object, f.path() + ": keyspace_loads");
  for (const auto& entry : (*object)->items()) {
    auto bytes = figures.integer(entry.key().c_str());
    if (!bytes) return bytes.error();
    if (*bytes < 0) return Error::invalid_input(figures.path() + ": '" + entry.key() + "' is negative");
    loads[entry.key()] = *bytes;
  }
  return loads;
}

Result<Node> parse_node(StreamedNode& in, std::size_t index) {
  const Json& json = in.fields;
  std::string path = "nodes[" + std::to_string(index) + "]";
  if (!json.is_object()) return Error::invalid_input(path + ": must be an object");
  if (json.contains("address") && json["address"].is_string()) path += " (" + json["address"].get<std::string>() + ")";
  Fields f(json, path);

  Node node;
  auto address = f.non_empty_string("address");
  if (!address) return address.error();
  node.address = *address;
  if (!is_address(node.address)) {
    return Error::invalid_input(path + ": address '" + node.address +
                                "' is not an IPv4 or IPv6 address or a host name");
  }
  for (auto [key, target] : {std::pair{"host_id", &node.host_id}, {"dc", &node.dc}, {"rack", &node.rack}}) {
    auto value = f.non_empty_string(key);
    if (!value) return value.error();
    *target = *value;
  }
  if (!is_uuid(node.host_id)) {
    return Error::invalid_input(path + ": host_id '" + node.host_id +
                                "' is not a UUID (8-4-4-4-12 hex digits, as Cassandra's host IDs are)");
  }
  auto status = f.string("status");
  if (!status) return status.error();
  auto parsed_status = parse_status(path, *status);
  if (!parsed_status) return parsed_status.error();
  node.status = *parsed_status;
  auto state = f.string("state");
  if (!state) return state.error();
  auto parsed_state = parse_state(path, *state);
  if (!parsed_state) return parsed_state.error();
  node.state = *parsed_state;

  if (f.has("load_bytes")) {
    auto load = f.integer("load_bytes");
    if (!load) return load.error();
    if (*load < 0) return Error::invalid_input(path + ": 'load_bytes' is negative");
    node.load_bytes = *load;
  }
  if (f.has("storage_port")) {
    auto port = f.integer("storage_port");
    if (!port) return port.error();
    if (*port < 1 || *port > 65535) return Error::invalid_input(path + ": 'storage_port' is not a port number");
    node.storage_port = static_cast<int>(*port);
  }

  auto capacity = read_capacity(f, json);
  if (!capacity) return capacity.error();
  node.capacity = *capacity;
  auto keyspace_loads = read_keyspace_loads(f);
  if (!keyspace_loads) return keyspace_loads.error();
  node.keyspace_loads = std::move(keyspace_loads).value();

  if (!in.tokens_streamed) {
    auto tokens = f.array("tokens");  // absent, null or not an array: an array is always streamed
    return tokens ? Error(ErrorCode::kInternal, path + ": 'tokens' was not read") : tokens.error();
  }
  if (in.bad_token)
    return in.bad_token->second.with_context(path + ": tokens[" + std::to_string(in.bad_token->first) + "]");
  node.tokens = std::move(in.tokens);
  std::sort(node.tokens.begin(), node.tokens.end());
  auto dup = std::adjacent_find(node.tokens.begin(), node.tokens.end());
  if (dup != node.tokens.end()) {
    return Error::invalid_input(path + ": token " + format_token(*dup) + " is listed twice");
  }
  if (node.tokens.empty() && node.state != NodeState::kJoining) {
    return Error::invalid_input(path + ": has no tokens but is " + node_state_name(node.state));
  }
  return node;
}

Result<Keyspace> parse_keyspace(const Json& json, std::size_t index) {
  std::string path = "keyspaces[" + std::to_string(index) + "]";
  if (!json.is_object()) return Error::invalid_input(path + ": must be an object");
  Fields f(json, path);
  auto name = f.non_empty_string("name");
  if (!name) return name.error();
  path += " (" + *name + ")";
  auto replication = Fields(json, path).object("replication");
  if (!replication) return replication.error();

  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& [key, value] : (*replication)->items()) {
    if (value.is_string()) {
      options.emplace_back(key, value.get<std::string>());
    } else if (value.is_number_integer()) {
      options.emplace_back(key, value.dump());
    } else {
      return Error::invalid_input(path + ": replication '" + key + "' must be a string or an integer");
    }
  }
  auto parsed = parse_replication(options);
  if (!parsed) return parsed.error().with_context(path);
  return Keyspace{*name, *parsed};
}

// A token owned by two nodes cannot happen in a real ring; it means a corrupt snapshot. The
// error names the first node (in snapshot order) that lists a token an earlier node has, and
// its smallest such token. Sorting (token, node) pairs: a hash map of 256,000 tokens cost more.
Status check_token_owners(const std::vector<Node>& nodes) {
  std::vector<std::pair<Token, std::size_t>> owners;
  std::size_t count = 0;
  for (const Node& node : nodes) count += node.tokens.size();
  owners.reserve(count);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (Token t : nodes[i].tokens) owners.emplace_back(t, i);
  }
  std::sort(owners.begin(), owners.end());
  std::optional<std::tuple<std::size_t, Token, std::size_t>> first;  // (later node, token, earlier node)
  for (std::size_t k = 1; k < owners.size(); ++k) {
    const auto& [token, node] = owners[k];
    const bool second_owner = token == owners[k - 1].first && (k == 1 || owners[k - 2].first != token);
    if (!second_owner) continue;
    const std::tuple<std::size_t, Token, std::size_t> found{node, token, owners[k - 1].second};
    if (!first || found < *first) first = found;
  }
  if (!first) return Ok{};
  const auto& [later, token, earlier] = *first;
  return Error::invalid_input("token " + format_token(token) + " is owned by both " + nodes[earlier].address + " and " +
                              nodes[later].address);
}

// Two nodes with one address or one host ID are one node listed twice or a corrupt snapshot:
// replicas would be counted twice.
Status check_unique_members(const std::vector<Node>& nodes) {
  std::map<std::string, std::size_t> addresses, host_ids;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    const std::string path = "nodes[" + std::to_string(i) + "] (" + node.address + ")";
    if (auto [it, inserted] = addresses.emplace(node.address, i); !inserted) {
      return Error::invalid_input(path + ": address " + node.address + " is also nodes[" + std::to_string(it->second) +
                                  "]'s");
    }
    std::string host_id = node.host_id;
    std::transform(host_id.begin(), host_id.end(), host_id.begin(), [](unsigned char c) { return std::tolower(c); });
    if (auto [it, inserted] = host_ids.emplace(host_id, i); !inserted) {
      return Error::invalid_input(path + ": host_id " + node.host_id + " is also nodes[" + std::to_string(it->second) +
                                  "] (" + nodes[it->second].address + ")'s");
    }
  }
  return Ok{};
}

}  // namespace

const char* node_status_name(NodeStatus status) {
  switch (status) {
    case NodeStatus::kUp:
      return "up";
    case NodeStatus::kDown:
      return "down";
    case NodeStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

const char* node_state_name(NodeState state) {
  switch (state) {
    case NodeState::kNormal:
      return "normal";
    case NodeState::kJoining:
      return "joining";
    case NodeState::kLeaving:
      return "leaving";
    case NodeState::kMoving:
      return "moving";
  }
  return "normal";
}

std::optional<NodeStatus> node_status_from_name(std::string_view name) {
  for (NodeStatus status : {NodeStatus::kUp, NodeStatus::kDown, NodeStatus::kUnknown}) {
    if (name == node_status_name(status)) return status;
  }
  return std::nullopt;
}

std::optional<NodeState> node_state_from_name(std::string_view name) {
  for (NodeState state : {NodeState::kNormal, NodeState::kJoining, NodeState::kLeaving, NodeState::kMoving}) {
    if (name == node_state_name(state)) return state;
  }
  return std::nullopt;
}

const Keyspace* ClusterSnapshot::find_keyspace(std::string_view name) const {
  for (const Keyspace& ks : keyspaces) {
    if (ks.name == name) return &ks;
  }
  return nullptr;
}

Result<const Keyspace*> ClusterSnapshot::require_keyspace(std::string_view name) const {
  if (const Keyspace* ks = find_keyspace(name)) return ks;
  return Error::not_found("keyspace '" + std::string(name) + "' does not exist (keyspaces: " + keyspace_names() + ")");
}

std::string ClusterSnapshot::keyspace_names() const {
  std::string names;
  for (const Keyspace& ks : keyspaces) names += (names.empty() ? "" : ", ") + ks.name;
  return names.empty() ? "(none)" : names;
}

Result<NodeCapacity> parse_node_capacity(std::string_view json_object_text) {
  Json json;
  try {
    json = Json::parse(json_object_text);
  } catch (const nlohmann::json::exception& e) {
    return json_syntax_error("capacity", json_object_text, e);
  }
  if (!json.is_object()) return Error::invalid_input("capacity: must be an object");
  return read_capacity(Fields(json, "capacity"), json);
}

std::string serialize_node_capacity(const NodeCapacity& capacity) {
  OrderedJson json = OrderedJson::object();
  write_capacity(capacity, json);
  return json.dump();
}

Result<ClusterSnapshot> parse_snapshot(std::string_view json_text) {
  SnapshotReader reader(json_text);
  Json::sax_parse(json_text, &reader);
  if (reader.syntax_error()) return *reader.syntax_error();
  const Json& json = reader.top();
  if (!json.is_object()) return Error::invalid_input("a snapshot must be a JSON object");
  Fields top(json, "snapshot");

  if (top.has("format_version")) {
    auto version = top.integer("format_version");
    if (!version) return version.error();
    if (*version < kOldestSnapshotFormatVersion || *version > kSnapshotFormatVersion) {
      return Error::unsupported("snapshot format_version " + std::to_string(*version) + " is not supported (this " +
                                "ringctl reads versions " + std::to_string(kOldestSnapshotFormatVersion) + " to " +
                                std::to_string(kSnapshotFormatVersion) + ")");
    }
  }

  ClusterSnapshot snapshot;
  if (top.has("cluster")) {
    auto cluster = top.string("cluster");
    if (!cluster) return cluster.error();
    snapshot.cluster = *cluster;
  }
  snapshot.partitioner = std::string(kMurmur3);
  if (top.has("partitioner")) {
    auto partitioner = top.string("partitioner");
    if (!partitioner) return partitioner.error();
    if (*partitioner != kMurmur3 && *partitioner != "Murmur3Partitioner") {
      return Error::unsupported("partitioner '" + *partitioner + "' is not supported; only Murmur3Partitioner is");
    }
  }
  if (top.has("schema_version")) {
    auto schema = top.string("schema_version");
    if (!schema) return schema.error();
    snapshot.schema_version = *schema;
  }

  if (!reader.nodes_streamed()) {
    auto nodes = top.array("nodes");  // absent, null or not an array: an array is always streamed
    return nodes ? Error(ErrorCode::kInternal, "snapshot: 'nodes' was not read") : nodes.error();
  }
  snapshot.nodes.reserve(reader.nodes().size());
  for (std::size_t i = 0; i < reader.nodes().size(); ++i) {
    auto node = parse_node(reader.nodes()[i], i);
    if (!node) return node.error();
    snapshot.nodes.push_back(std::move(node).value());
  }
  if (snapshot.nodes.empty()) return Error::invalid_input("snapshot: 'nodes' is empty");
  auto unique = check_unique_members(snapshot.nodes);
  if (!unique) return unique.error();
  auto owners = check_token_owners(snapshot.nodes);
  if (!owners) return owners.error();

  if (top.has("keyspaces")) {
    auto keyspaces = top.array("keyspaces");
    if (!keyspaces) return keyspaces.error();
    for (std::size_t i = 0; i < (*keyspaces)->size(); ++i) {
      auto ks = parse_keyspace((**keyspaces)[i], i);
      if (!ks) return ks.error();
      if (snapshot.find_keyspace(ks->name) != nullptr) {
        return Error::invalid_input("keyspaces[" + std::to_string(i) + "]: keyspace '" + ks->name +
                                    "' is listed twice");
      }
      snapshot.keyspaces.push_back(std::move(ks).value());
    }
  }
  return snapshot;
}

std::string serialize_snapshot(const ClusterSnapshot& snapshot) {
  OrderedJson json;
  json["format_version"] = kSnapshotFormatVersion;
  json["cluster"] = snapshot.cluster;
  json["partitioner"] = snapshot.partitioner;
  if (!snapshot.schema_version.empty()) json["schema_version"] = snapshot.schema_version;
  json["nodes"] = OrderedJson::array();
  for (const Node& node : snapshot.nodes) {
    OrderedJson n;
    n["address"] = node.address;
    n["host_id"] = node.host_id;
    n["dc"] = node.dc;
    n["rack"] = node.rack;
    n["status"] = node_status_name(node.status);
    n["state"] = node_state_name(node.state);
    n["load_bytes"] = node.load_bytes ? OrderedJson(*node.load_bytes) : OrderedJson(nullptr);
    if (node.storage_port != kDefaultStoragePort) n["storage_port"] = node.storage_port;
    write_capacity(node.capacity, n);
    if (!node.keyspace_loads.empty()) {
      n["keyspace_loads"] = OrderedJson::object();
      for (const auto& [name, bytes] : node.keyspace_loads) n["keyspace_loads"][name] = bytes;
    }
    n["tokens"] = OrderedJson::array();
    for (Token t : node.tokens) n["tokens"].push_back(format_token(t));
    json["nodes"].push_back(std::move(n));
  }
  json["keyspaces"] = OrderedJson::array();
  for (const Keyspace& ks : snapshot.keyspaces) {
    OrderedJson replication = OrderedJson::object();
    for (const auto& [key, value] : ks.replication.options) replication[key] = value;
    json["keyspaces"].push_back({{"name", ks.name}, {"replication", replication}});
  }
  return json.dump(1) + "\n";
}

}  // namespace ringcore
