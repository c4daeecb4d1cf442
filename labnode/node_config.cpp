#include "node_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "ringcore/token_allocator.h"

namespace ringnode {
namespace {

using ringcore::Error;

Error bad(const std::string& key, const std::string& what) { return Error::invalid_input(key + ": " + what); }

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

std::string read_string(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar() || node.Scalar().empty()) throw bad(key, "must be a non-empty string, not " + scalar_text(node));
  return node.Scalar();
}

long long read_integer(const YAML::Node& node, const std::string& key, long long low, long long high) {
  const std::string range = "must be an integer in " + std::to_string(low) + ".." + std::to_string(high);
  if (!node.IsScalar()) throw bad(key, range + ", not " + scalar_text(node));
  const std::string& text = node.Scalar();
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high) throw bad(key, range + ", not '" + text + "'");
  return value;
}

double read_number(const YAML::Node& node, const std::string& key, double low, double high) {
  std::ostringstream range;
  range << "must be a number in " << low << ".." << high;
  if (!node.IsScalar()) throw bad(key, range.str() + ", not " + scalar_text(node));
  const std::string& text = node.Scalar();
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value) || value < low || value > high) {
    throw bad(key, range.str() + ", not '" + text + "'");
  }
  return value;
}

bool read_bool(const YAML::Node& node, const std::string& key) {
  const std::string text = read_string(node, key);
  if (text == "true") return true;
  if (text == "false") return false;
  throw bad(key, "must be true or false, not '" + text + "'");
}

std::vector<std::string> read_string_list(const YAML::Node& node, const std::string& key) {
  if (!node.IsSequence()) throw bad(key, "must be a list, not " + scalar_text(node));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < node.size(); ++i) items.push_back(read_string(node[i], key + "[" + std::to_string(i) + "]"));
  return items;
}

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

std::string read_address(const YAML::Node& node, const std::string& key) {
  std::string address = read_string(node, key);
  if (!is_ipv4(address)) throw bad(key, "must be an IPv4 address such as 127.0.0.2, not '" + address + "'");
  return address;
}

std::vector<ringcore::Token> read_tokens(const YAML::Node& node, const std::string& key) {
  if (node.IsNull()) return {};
  std::vector<ringcore::Token> tokens;
  for (const std::string& text : read_string_list(node, key)) {
    auto token = ringcore::parse_token(text);
    if (!token) throw bad(key, token.error().message());
    tokens.push_back(*token);
  }
  std::sort(tokens.begin(), tokens.end());
  if (auto dup = std::adjacent_find(tokens.begin(), tokens.end()); dup != tokens.end()) {
    throw bad(key, "token " + ringcore::format_token(*dup) + " is listed twice");
  }
  if (!tokens.empty() && tokens.front() == ringcore::kMinToken) {
    throw bad(key, "token " + ringcore::format_token(ringcore::kMinToken) + " is the ring's origin and cannot be owned");
  }
  return tokens;
}

using Reader = std::function<void(NodeConfig&, const YAML::Node&, const std::string&)>;

const std::map<std::string, Reader>& readers() {
  static const std::map<std::string, Reader> table = {
      {"cluster_name", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.cluster_name = read_string(n, k); }},
      {"listen_address", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.listen_address = read_address(n, k); }},
      {"storage_port", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.storage_port = static_cast<int>(read_integer(n, k, 1, 65535)); }},
      {"native_port", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.native_port = static_cast<int>(read_integer(n, k, 1, 65535)); }},
      {"seeds",
       [](NodeConfig& c, const YAML::Node& n, const std::string& k) {
         if (!n.IsSequence()) throw bad(k, "must be a list of addresses, not " + scalar_text(n));
         c.seeds.clear();
         for (std::size_t i = 0; i < n.size(); ++i) c.seeds.push_back(read_address(n[i], k + "[" + std::to_string(i) + "]"));
       }},
      {"dc", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.dc = read_string(n, k); }},
      {"rack", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.rack = read_string(n, k); }},
      {"num_tokens", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.num_tokens = static_cast<int>(read_integer(n, k, 1, ringcore::kMaxTokensPerNode)); }},
      {"initial_tokens", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.initial_tokens = read_tokens(n, k); }},
      {"token_allocation",
       [](NodeConfig& c, const YAML::Node& n, const std::string& k) {
         const std::string value = read_string(n, k);
         if (value == "balanced") {
           c.token_allocation = TokenAllocation::kBalanced;
         } else if (value == "random") {
           c.token_allocation = TokenAllocation::kRandom;
         } else {
           throw bad(k, "must be 'balanced' or 'random', not '" + value + "'");
         }
       }},
      {"allocation_rf", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.allocation_rf = static_cast<int>(read_integer(n, k, 1, 100)); }},
      {"data_directory", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.data_directory = read_string(n, k); }},
      {"max_value_bytes", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.max_value_bytes = static_cast<std::size_t>(read_integer(n, k, 1, 64 << 20)); }},
      {"phi_convict_threshold", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.phi_convict_threshold = read_number(n, k, 1, 100); }},
      {"auto_bootstrap", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.auto_bootstrap = read_bool(n, k); }},
      {"stream_throughput_mib", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.stream_throughput_mib = read_number(n, k, 0, 1e6); }},
      {"disk_capacity_bytes", [](NodeConfig& c, const YAML::Node& n, const std::string& k) { c.disk_capacity_bytes = static_cast<std::uint64_t>(read_integer(n, k, 1, std::int64_t{1} << 62)); }},
  };
  return table;
}

std::string known_keys() {
  std::string names;
  for (const auto& [name, reader] : readers()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

void check_whole(const NodeConfig& config, const std::set<std::string>& seen) {
  for (const char* key : {"cluster_name", "listen_address", "seeds", "data_directory"}) {
    if (!seen.contains(key)) throw bad(key, "is required");
  }
  if (config.storage_port == config.native_port) {
    throw bad("native_port", "must differ from storage_port (" + std::to_string(config.storage_port) + ")");
  }
  if (!config.initial_tokens.empty() && static_cast<int>(config.initial_tokens.size()) != config.num_tokens) {
    throw bad("initial_tokens", "lists " + std::to_string(config.initial_tokens.size()) + " tokens but num_tokens is " +
                                    std::to_string(config.num_tokens));
  }
}

}  // namespace

ringcore::Result<NodeConfig> parse_node_config(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Error::invalid_input("not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!root.IsMap()) return Error::invalid_input("the config must be a YAML map of keys to values");
  NodeConfig config;
  std::set<std::string> seen;
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      auto reader = readers().find(key);
      if (reader == readers().end()) throw bad(key, "unknown key (known: " + known_keys() + ")");
      if (!seen.insert(key).second) throw bad(key, "is given twice");
      reader->second(config, entry.second, key);
    }
    check_whole(config, seen);
  } catch (const Error& error) {
    return error;
  }
  return config;
}

ringcore::Result<NodeConfig> load_node_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::invalid_input(path + ": cannot read the config file");
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse_node_config(text.str());
  if (!config) return config.error().with_context(path);
  return config;
}

}  // namespace ringnode
