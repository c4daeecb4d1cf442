#include "ringcore/gossip/message_json.h"

#include <nlohmann/json.hpp>
#include <set>

#include "json_syntax_error.h"

namespace ringcore::gossip {
namespace {

using Json = nlohmann::ordered_json;

// ---- writing ----

Json digest_json(const GossipDigest& digest) {
  return {{"endpoint", digest.endpoint}, {"generation", digest.generation}, {"max_version", digest.max_version}};
}

Json state_json(const EndpointState& state) {
  Json values = Json::object();
  for (const auto& [key, value] : state.states()) {
    values[application_state_name(key)] = {{"value", value.value}, {"version", value.version}};
  }
  return {{"generation", state.heartbeat().generation}, {"heartbeat", state.heartbeat().version}, {"states", values}};
}

Json digests_json(const std::vector<GossipDigest>& digests) {
  Json list = Json::array();
  for (const GossipDigest& digest : digests) list.push_back(digest_json(digest));
  return list;
}

Json endpoint_states_json(const EndpointStates& states) {
  Json list = Json::array();
  for (const auto& [endpoint, state] : states) {
    Json entry = {{"endpoint", endpoint}};
    entry.update(state_json(state));
    list.push_back(std::move(entry));
  }
  return list;
}

struct ToJson {
  Json operator()(const GossipDigestSyn& m) const {
    return {{"cluster", m.cluster_name}, {"digests", digests_json(m.digests)}};
  }
  Json operator()(const GossipDigestAck& m) const {
    return {{"requests", digests_json(m.requests)}, {"states", endpoint_states_json(m.states)}};
  }
  Json operator()(const GossipDigestAck2& m) const { return {{"states", endpoint_states_json(m.states)}}; }
  Json operator()(const GossipShutdown& m) const { return {{"state", state_json(m.state)}}; }
  Json operator()(const EchoRequest&) const { return Json::object(); }
  Json operator()(const EchoResponse&) const { return Json::object(); }
};

// ---- reading: every helper takes the path of the object it reads, for error messages ----

Error invalid(const std::string& path, const std::string& what) { return Error::invalid_input(path + ": " + what); }

Result<const Json*> member(const Json& object, const char* key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) return invalid(path, std::string("missing field '") + key + "'");
  return &*it;
}

Error wrong_type(const std::string& path, const char* key, const char* expected, const Json& value) {
  return invalid(path, std::string("'") + key + "' must be " + expected + ", not " + value.type_name());
}

Result<std::int64_t> count_field(const Json& object, const char* key, const std::string& path) {
  auto value = member(object, key, path);
  if (!value) return value.error();
  const Json& v = **value;
  // A negative number parses as a signed integer, a large one as unsigned: both are refused.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get<std::uint64_t>());
  }
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= 0) return v.get<std::int64_t>();
  return wrong_type(path, key, "a non-negative integer", v);
}

Result<std::string> text_field(const Json& object, const char* key, const std::string& path, bool allow_empty) {
  auto value = member(object, key, path);
  if (!value) return value.error();
  if (!(*value)->is_string()) return wrong_type(path, key, "a string", **value);
  std::string text = (*value)->get<std::string>();
  if (!allow_empty && text.empty()) return invalid(path, std::string("'") + key + "' is empty");
  return text;
}

Result<const Json*> typed_field(const Json& object, const char* key, const std::string& path, bool want_array) {
  auto value = member(object, key, path);
  if (!value) return value.error();
  if (want_array ? !(*value)->is_array() : !(*value)->is_object()) {
    return wrong_type(path, key, want_array ? "an array" : "an object", **value);
  }
  return value;
}

std::string item_path(const std::string& path, const char* list, std::size_t index, const Json& item) {
  std::string p = path + ": " + list + "[" + std::to_string(index) + "]";
  if (item.is_object()) {
    auto endpoint = item.find("endpoint");
    if (endpoint != item.end() && endpoint->is_string()) p += " (" + endpoint->get<std::string>() + ")";
  }
  return p;
}

Result<VersionedValue> parse_versioned_value(const Json& json, const std::string& path) {
  if (!json.is_object()) return invalid(path, std::string("must be an object, not ") + json.type_name());
  auto value = text_field(json, "value", path, true);
  if (!value) return value.error();
  auto version = count_field(json, "version", path);
  if (!version) return version.error();
  return VersionedValue{*value, *version};
}

Result<EndpointState> parse_state(const Json& json, const std::string& path) {
  if (!json.is_object()) return invalid(path, std::string("must be an object, not ") + json.type_name());
  auto generation = count_field(json, "generation", path);
  if (!generation) return generation.error();
  auto heartbeat = count_field(json, "heartbeat", path);
  if (!heartbeat) return heartbeat.error();
  auto values = typed_field(json, "states", path, false);
  if (!values) return values.error();

  EndpointState state(HeartbeatState{*generation, *heartbeat});
  for (const auto& [name, body] : (*values)->items()) {
    auto key = parse_application_state(name);
    if (!key) return invalid(path, "unknown application state '" + name + "'");
    auto value = parse_versioned_value(body, path + ": states." + name);
    if (!value) return value.error();
    state.put(*key, std::move(*value));
  }
  return state;
}

Result<std::vector<GossipDigest>> parse_digests(const Json& object, const char* key, const std::string& path) {
  auto list = typed_field(object, key, path, true);
  if (!list) return list.error();
  std::vector<GossipDigest> digests;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    const std::string p = item_path(path, key, i, item);
    if (!item.is_object()) return invalid(p, std::string("must be an object, not ") + item.type_name());
    auto endpoint = text_field(item, "endpoint", p, false);
    if (!endpoint) return endpoint.error();
    if (!seen.insert(*endpoint).second) return invalid(p, "endpoint is listed twice");
    auto generation = count_field(item, "generation", p);
    if (!generation) return generation.error();
    auto max_version = count_field(item, "max_version", p);
    if (!max_version) return max_version.error();
    digests.push_back(GossipDigest{*endpoint, *generation, *max_version});
  }
  return digests;
}

Result<EndpointStates> parse_endpoint_states(const Json& object, const std::string& path) {
  auto list = typed_field(object, "states", path, true);
  if (!list) return list.error();
  EndpointStates states;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    const std::string p = item_path(path, "states", i, item);
    if (!item.is_object()) return invalid(p, std::string("must be an object, not ") + item.type_name());
    auto endpoint = text_field(item, "endpoint", p, false);
    if (!endpoint) return endpoint.error();
    if (!seen.insert(*endpoint).second) return invalid(p, "endpoint is listed twice");
    auto state = parse_state(item, p);
    if (!state) return state.error();
    states.emplace_back(std::move(*endpoint), std::move(*state));
  }
  return states;
}

Result<GossipMessage> parse_syn(const Json& json, const std::string& path) {
  auto cluster = text_field(json, "cluster", path, true);
  if (!cluster) return cluster.error();
  auto digests = parse_digests(json, "digests", path);
  if (!digests) return digests.error();
  return GossipMessage{GossipDigestSyn{std::move(*cluster), std::move(*digests)}};
}

Result<GossipMessage> parse_ack(const Json& json, const std::string& path) {
  auto requests = parse_digests(json, "requests", path);
  if (!requests) return requests.error();
  auto states = parse_endpoint_states(json, path);
  if (!states) return states.error();
  return GossipMessage{GossipDigestAck{std::move(*requests), std::move(*states)}};
}

Result<GossipMessage> parse_ack2(const Json& json, const std::string& path) {
  auto states = parse_endpoint_states(json, path);
  if (!states) return states.error();
  return GossipMessage{GossipDigestAck2{std::move(*states)}};
}

Result<GossipMessage> parse_shutdown(const Json& json, const std::string& path) {
  auto body = typed_field(json, "state", path, false);
  if (!body) return body.error();
  auto state = parse_state(**body, path + ": state");
  if (!state) return state.error();
  return GossipMessage{GossipShutdown{std::move(*state)}};
}

}  // namespace

const char* message_type_name(const GossipMessage& message) {
  static constexpr const char* kNames[] = {"syn", "ack", "ack2", "shutdown", "echo", "echo_reply"};
  return kNames[message.index()];
}

std::string serialize_message(const GossipMessage& message) {
  Json json = {{"type", message_type_name(message)}};
  json.update(std::visit(ToJson{}, message));
  // Replace rather than throw on invalid UTF-8 in a local value (parsed values are valid).
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<GossipMessage> parse_message(std::string_view json_text) {
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return json_syntax_error("gossip message", json_text, e);
  }
  if (!json.is_object())
    return Error::invalid_input(std::string("gossip message: must be an object, not ") + json.type_name());
  auto type = text_field(json, "type", "gossip message", false);
  if (!type) return type.error();
  const std::string path = "gossip " + *type;
  if (*type == "syn") return parse_syn(json, path);
  if (*type == "ack") return parse_ack(json, path);
  if (*type == "ack2") return parse_ack2(json, path);
  if (*type == "shutdown") return parse_shutdown(json, path);
  if (*type == "echo") return GossipMessage{EchoRequest{}};
  if (*type == "echo_reply") return GossipMessage{EchoResponse{}};
  return Error::invalid_input("gossip message: unknown type '" + *type + "'");
}

}  // namespace ringcore::gossip
