#include "node_config.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "ringcore/token_allocator.h"
#include "ringruntime/yaml_config.h"

namespace ringnode {
namespace {

using ringcore::Error;

using namespace ringruntime::config_readers;  // ConfigValue, config_error and the read_* readers

// A dotted IPv4 address: the lab runs on 127.0.0.x.
bool is_ipv4(const std::string& text) {
  std::istringstream in(text);
  int parts = 0;
  std::string part;
  while (std::getline(in, part, '.')) {
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), ::isdigit) || std::stoi(part) > 255) {
      return false;
    }
    ++parts;
  }
  return parts == 4 && text.back() != '.';
}

std::string read_address(const ConfigValue& value) {
  std::string address = read_text(value);
  if (!is_ipv4(address)) throw config_error(value, "must be an IPv4 address such as 127.0.0.2, not '" + address + "'");
  return address;
}

std::vector<ringcore::Token> read_tokens(const ConfigValue& value) {
  if (value.node.IsNull()) return {};
  std::vector<ringcore::Token> tokens;
  for (const std::string& text : read_text_list(value)) {
    auto token = ringcore::parse_token(text);
    if (!token) throw config_error(value, token.error().message());
    tokens.push_back(*token);
  }
  std::sort(tokens.begin(), tokens.end());
  if (auto dup = std::adjacent_find(tokens.begin(), tokens.end()); dup != tokens.end()) {
    throw config_error(value, "token " + ringcore::format_token(*dup) + " is listed twice");
  }
  if (!tokens.empty() && tokens.front() == ringcore::kMinToken) {
    throw config_error(
        value, "token " + ringcore::format_token(ringcore::kMinToken) + " is the ring's origin and cannot be owned");
  }
  return tokens;
}

TokenAllocation read_token_allocation(const ConfigValue& value) {
  const std::string text = read_text(value);
  if (text == "balanced") return TokenAllocation::kBalanced;
  if (text == "random") return TokenAllocation::kRandom;
  throw config_error(value, "must be 'balanced' or 'random', not '" + text + "'");
}

int read_port(const ConfigValue& value) { return static_cast<int>(read_integer(value, 1, 65535)); }

const ringruntime::ConfigKeys<NodeConfig>& keys() {
  using C = NodeConfig;
  using V = ConfigValue;
  static const ringruntime::ConfigKeys<NodeConfig> table = {
      {"cluster_name", {[](C& c, const V& v) { c.cluster_name = read_text(v); }}},
      {"listen_address", {[](C& c, const V& v) { c.listen_address = read_address(v); }}},
      {"storage_port", {[](C& c, const V& v) { c.storage_port = read_port(v); }}},
      {"native_port", {[](C& c, const V& v) { c.native_port = read_port(v); }}},
      {"seeds", {[](C& c, const V& v) {
         if (!v.node.IsSequence())
           throw config_error(v, "must be a list of addresses, not " + ringruntime::describe(v.node));
         c.seeds.clear();
         for (std::size_t i = 0; i < v.node.size(); ++i) {
           c.seeds.push_back(read_address({v.node[i], v.label + "[" + std::to_string(i) + "]"}));
         }
       }}},
      {"dc", {[](C& c, const V& v) { c.dc = read_text(v); }}},
      {"rack", {[](C& c, const V& v) { c.rack = read_text(v); }}},
      {"num_tokens",
       {[](C& c, const V& v) { c.num_tokens = static_cast<int>(read_integer(v, 1, ringcore::kMaxTokensPerNode)); }}},
      {"initial_tokens", {[](C& c, const V& v) { c.initial_tokens = read_tokens(v); }}},
      {"token_allocation", {[](C& c, const V& v) { c.token_allocation = read_token_allocation(v); }}},
      {"allocation_rf", {[](C& c, const V& v) { c.allocation_rf = static_cast<int>(read_integer(v, 1, 100)); }}},
      {"data_directory", {[](C& c, const V& v) { c.data_directory = read_text(v); }}},
      {"max_value_bytes",
       {[](C& c, const V& v) { c.max_value_bytes = static_cast<std::size_t>(read_integer(v, 1, 64 << 20)); }}},
      {"phi_convict_threshold", {[](C& c, const V& v) { c.phi_convict_threshold = read_number(v, 1, 100); }}},
      {"auto_bootstrap", {[](C& c, const V& v) { c.auto_bootstrap = read_bool(v); }}},
      {"stream_throughput_mib", {[](C& c, const V& v) { c.stream_throughput_mib = read_number(v, 0, 1e6); }}},
      {"compaction_throughput_mib", {[](C& c, const V& v) { c.compaction_throughput_mib = read_number(v, 0, 1e6); }}},
      {"max_hint_window_seconds",
       {[](C& c, const V& v) { c.max_hint_window_seconds = static_cast<int>(read_integer(v, 1, 30 * 24 * 3600)); }}},
      {"max_hints_bytes", {[](C& c, const V& v) {
         c.max_hints_bytes = static_cast<std::uint64_t>(read_integer(v, 4096, std::int64_t{1} << 40));
       }}},
      {"hinted_handoff_throttle_kib", {[](C& c, const V& v) {
         c.hinted_handoff_throttle_kib = static_cast<std::uint64_t>(read_integer(v, 0, std::int64_t{1} << 30));
       }}},
      {"disk_capacity_bytes", {[](C& c, const V& v) {
         c.disk_capacity_bytes = static_cast<std::uint64_t>(read_integer(v, 1, std::int64_t{1} << 62));
       }}},
  };
  return table;
}

void check_whole(const NodeConfig& config, const std::map<std::string, ConfigValue>& values) {
  for (const char* key : {"cluster_name", "listen_address", "seeds", "data_directory"}) {
    if (!values.contains(key)) throw config_error(key, "is required");
  }
  if (config.storage_port == config.native_port) {
    throw config_error("native_port", "must differ from storage_port (" + std::to_string(config.storage_port) + ")");
  }
  if (!config.initial_tokens.empty() && static_cast<int>(config.initial_tokens.size()) != config.num_tokens) {
    throw config_error("initial_tokens", "lists " + std::to_string(config.initial_tokens.size()) +
                                             " tokens but num_tokens is " + std::to_string(config.num_tokens));
  }
}

}  // namespace

ringcore::Result<NodeConfig> parse_node_config(std::string_view yaml_text) {
  try {
    const auto values = ringruntime::read_yaml_config(yaml_text, {.known = ringruntime::key_names(keys())});
    NodeConfig config;
    ringruntime::apply_config(keys(), values, config);
    check_whole(config, values);
    return config;
  } catch (const Error& error) {
    return error;
  }
}

ringcore::Result<NodeConfig> load_node_config(const std::string& path) {
  std::string text;
  try {
    text = ringruntime::read_config_file(path);
  } catch (const Error& error) {
    return error;
  }
  auto config = parse_node_config(text);
  if (!config) return config.error().with_context(path);
  return config;
}

}  // namespace ringnode
