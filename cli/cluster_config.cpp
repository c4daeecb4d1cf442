#include "cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "atomic_file.h"
#include "ringcore/health_checks.h"
#include "ringruntime/yaml_config.h"
#include "xdg_path.h"

namespace ringctl {
namespace {

using ringcore::Error;

Error bad_key(const std::string& origin, const std::string& key, const std::string& what) {
  return Error::invalid_input(origin + ": " + key + ": " + what);
}

// A scalar string at `node`, or an error naming `key`.
ringcore::Result<std::string> scalar(const YAML::Node& node, const std::string& origin, const std::string& key) {
  if (!node.IsScalar()) return bad_key(origin, key, "expected a string");
  std::string text = node.as<std::string>();
  if (!config_text_ok(text)) return bad_key(origin, key, "expected printable ASCII characters");
  return text;
}

// "thresholds.disk_warn (line 3)": a threshold's key and where the file gives it.
std::string located(const std::string& key, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? key : key + " (line " + std::to_string(mark.line + 1) + ")";
}

// A `thresholds:` map: every name one that --threshold takes, every value a number >= 0 (read
// as the programs' config files read numbers, ringruntime/yaml_config.h).
ringcore::Result<ThresholdSettings> parse_thresholds(const YAML::Node& node, const std::string& origin,
                                                     const std::string& key) {
  ThresholdSettings thresholds;
  if (node.IsNull()) return thresholds;
  if (!node.IsMap()) return bad_key(origin, located(key, node), "expected a map of threshold names to numbers");
  const std::vector<std::string> names = ringcore::threshold_names();
  for (const auto& item : node) {
    const std::string name = item.first.IsScalar() ? item.first.Scalar() : "?";
    const std::string path = located(key + "." + name, item.first);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return bad_key(origin, path, "unknown threshold (known: " + ringruntime::joined(names) + ")");
    }
    if (thresholds.contains(name)) return bad_key(origin, path, "is given twice");
    try {
      thresholds[name] = ringruntime::read_number({item.second, origin + ": " + path}, 0, 1e12);
    } catch (const ringcore::Error& e) {
      return e;
    }
  }
  return thresholds;
}

// A threshold as YAML writes it back: the shortest text that reads as the same number.
std::string threshold_text(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

void emit_thresholds(YAML::Emitter& out, const ThresholdSettings& thresholds) {
  if (thresholds.empty()) return;
  out << YAML::Key << "thresholds" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, value] : thresholds) out << YAML::Key << name << YAML::Value << threshold_text(value);
  out << YAML::EndMap;
}

ringcore::Result<ClusterEntry> parse_entry(const YAML::Node& node, const std::string& origin, const std::string& key) {
  if (!node.IsMap()) {
    return bad_key(origin, key,
                   "expected a map with agents (and optional token, cacert, thresholds, launcher, lab_dir)");
  }
  ClusterEntry entry;
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string path = key + "." + name;
    if (name == "agents") {
      if (!item.second.IsSequence() || item.second.size() == 0) {
        return bad_key(origin, path, "expected a non-empty list of HOST[:PORT] strings");
      }
      for (std::size_t i = 0; i < item.second.size(); ++i) {
        auto agent = scalar(item.second[i], origin, path + "[" + std::to_string(i) + "]");
        if (!agent) return agent.error();
        entry.agents.push_back(*agent);
      }
    } else if (name == "token" || name == "cacert" || name == "lab_dir") {
      auto value = scalar(item.second, origin, path);
      if (!value) return value.error();
      (name == "token" ? entry.token : name == "cacert" ? entry.cacert : entry.lab_dir) = *value;
    } else if (name == "launcher") {
      auto value = scalar(item.second, origin, path);
      if (!value) return value.error();
      if (std::find(kLaunchers.begin(), kLaunchers.end(), *value) == kLaunchers.end()) {
        return bad_key(origin, path,
                       "unknown launcher '" + *value + "' (known: " + ringruntime::joined(kLaunchers) + ")");
      }
      entry.launcher = *value;
    } else if (name == "thresholds") {
      auto thresholds = parse_thresholds(item.second, origin, path);
      if (!thresholds) return thresholds.error();
      entry.thresholds = std::move(thresholds).value();
    } else {
      return bad_key(origin, path, "unknown key (known: agents, token, cacert, thresholds, launcher, lab_dir)");
    }
  }
  if (entry.agents.empty()) return bad_key(origin, key + ".agents", "missing: every cluster needs its agents");
  if (!entry.lab_dir.empty() && entry.launcher != "lab") {
    return bad_key(origin, key + ".lab_dir", "is for a lab: only with launcher: lab");
  }
  return entry;
}

ringcore::Result<ClusterConfig> parse_root(const YAML::Node& root, const std::string& origin) {
  ClusterConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) return Error::invalid_input(origin + ": expected a map with default and clusters");
  for (const auto& item : root) {
    const std::string name = item.first.as<std::string>();
    if (name == "default") {
      auto value = scalar(item.second, origin, "default");
      if (!value) return value.error();
      config.default_cluster = *value;
    } else if (name == "thresholds") {
      auto thresholds = parse_thresholds(item.second, origin, "thresholds");
      if (!thresholds) return thresholds.error();
      config.thresholds = std::move(thresholds).value();
    } else if (name == "clusters") {
      if (item.second.IsNull()) continue;
      if (!item.second.IsMap()) return bad_key(origin, "clusters", "expected a map of cluster names");
      for (const auto& cluster : item.second) {
        // Names are written back as keys too: the same printable ASCII as every other string.
        auto name_read = scalar(cluster.first, origin, "clusters (a cluster's name)");
        if (!name_read) return name_read.error();
        const std::string cluster_name = *name_read;
        auto entry = parse_entry(cluster.second, origin, "clusters." + cluster_name);
        if (!entry) return entry.error();
        config.clusters[cluster_name] = std::move(entry).value();
      }
    } else {
      return bad_key(origin, name, "unknown key (known: default, thresholds, clusters)");
    }
  }
  if (!config.default_cluster.empty() && !config.clusters.contains(config.default_cluster)) {
    return bad_key(origin, "default", "names cluster '" + config.default_cluster + "', which clusters does not list");
  }
  return config;
}

}  // namespace

bool config_text_ok(const std::string& text) {
  // Control characters and bytes past ASCII would not survive being written back
  // (save_cluster_config); agents, tokens and CA paths are printable ASCII.
  return std::none_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c >= 0x7f; });
}

ringcore::Result<ClusterConfig> parse_cluster_config(const std::string& text, const std::string& origin) {
  try {
    return parse_root(YAML::Load(text), origin);
  } catch (const YAML::Exception& e) {
    return Error::invalid_input(origin + ": not valid YAML: " + e.what());
  }
}

std::string cluster_config_yaml(const ClusterConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!config.default_cluster.empty()) out << YAML::Key << "default" << YAML::Value << config.default_cluster;
  emit_thresholds(out, config.thresholds);
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, entry] : config.clusters) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "agents" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& agent : entry.agents) out << YAML::DoubleQuoted << agent;
    out << YAML::EndSeq;
    if (!entry.token.empty()) out << YAML::Key << "token" << YAML::Value << YAML::DoubleQuoted << entry.token;
    if (!entry.cacert.empty()) out << YAML::Key << "cacert" << YAML::Value << entry.cacert;
    emit_thresholds(out, entry.thresholds);
    if (!entry.launcher.empty()) out << YAML::Key << "launcher" << YAML::Value << entry.launcher;
    if (!entry.lab_dir.empty()) out << YAML::Key << "lab_dir" << YAML::Value << YAML::DoubleQuoted << entry.lab_dir;
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string cluster_config_path() {
  return xdg_path("RINGCTL_CONFIG", "XDG_CONFIG_HOME", ".config", "ringctl/clusters.yaml");
}

std::optional<ClusterConfig> load_cluster_config(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) return std::nullopt;
    throw Error::invalid_input("cannot read cluster config '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse_cluster_config(text.str(), path).value_or_throw();
}

void save_cluster_config(const ClusterConfig& config, const std::string& path) {
  write_file_atomically(path, cluster_config_yaml(config));
}

ThresholdSettings configured_thresholds(const ClusterConfig& config, const std::string& cluster) {
  ThresholdSettings thresholds = config.thresholds;
  if (const auto entry = config.clusters.find(cluster); entry != config.clusters.end()) {
    for (const auto& [name, value] : entry->second.thresholds) thresholds[name] = value;
  }
  return thresholds;
}

const ClusterEntry& select_cluster(const ClusterConfig& config, const std::string& name, const std::string& path) {
  const std::string& wanted = name.empty() ? config.default_cluster : name;
  if (wanted.empty()) {
    throw Error::invalid_input("no default cluster in " + path + ": give --cluster NAME or -h HOST[:PORT]");
  }
  auto it = config.clusters.find(wanted);
  if (it == config.clusters.end()) {
    std::string known;
    for (const auto& [cluster, entry] : config.clusters) known += (known.empty() ? "" : ", ") + cluster;
    throw Error::invalid_input("no cluster '" + wanted + "' in " + path +
                               " (known: " + (known.empty() ? "none" : known) + ")");
  }
  return it->second;
}

}  // namespace ringctl
