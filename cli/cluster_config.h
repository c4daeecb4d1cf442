// The cluster config file: named clusters and the agents (ringd) that answer for them.
//
//   default: lab
//   clusters:
//     lab:
//       agents: ["127.0.0.1:7070", "127.0.0.2:7070"]
//       token: "..."        # optional bearer token
//       cacert: /path       # optional: speak HTTPS, verifying the agents against this CA
//
// Read from $RINGCTL_CONFIG, else ~/.config/ringctl/clusters.yaml ($XDG_CONFIG_HOME honoured).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl {

struct ClusterEntry {
  std::vector<std::string> agents;  // "HOST[:PORT]" or "https://HOST[:PORT]", asked in order
  std::string token;                // "" = none
  std::string cacert;               // "" = none
};

struct ClusterConfig {
  std::string default_cluster;  // "" = none
  std::map<std::string, ClusterEntry> clusters;
};

// Parses the YAML text. Errors (kInvalidInput) name `origin` and the key that is wrong, e.g.
// "clusters.lab.agents: expected a list of HOST[:PORT] strings".
ringcore::Result<ClusterConfig> parse_cluster_config(const std::string& text, const std::string& origin);

// The YAML text of `config` (what save_cluster_config writes).
std::string cluster_config_yaml(const ClusterConfig& config);

// $RINGCTL_CONFIG, else $XDG_CONFIG_HOME/ringctl/clusters.yaml, else ~/.config/ringctl/clusters.yaml.
std::string cluster_config_path();

// Reads the file at `path`; nullopt when it does not exist. Throws ringcore::Error when it is
// unreadable or malformed.
std::optional<ClusterConfig> load_cluster_config(const std::string& path);

// Writes `config` to `path` (creating its directory), replacing the file atomically.
// Throws ringcore::Error when it cannot be written.
void save_cluster_config(const ClusterConfig& config, const std::string& path);

// The entry for `name`, or the default cluster's when `name` is empty. Throws
// ringcore::Error (kInvalidInput) naming the file when there is no such cluster.
const ClusterEntry& select_cluster(const ClusterConfig& config, const std::string& name, const std::string& path);

}  // namespace ringctl
