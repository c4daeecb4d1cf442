// The cluster config file: named clusters and the agents (ringd) that answer for them.
//
//   default: lab
//   thresholds:             # optional: health thresholds for every cluster
//     disk_warn: 0.75
//   clusters:
//     lab:
//       agents: ["127.0.0.1:7070", "127.0.0.2:7070"]
//       token: "..."        # optional bearer token
//       cacert: /path       # optional: speak HTTPS, verifying the agents against this CA
//       thresholds:         # optional: this cluster's, over the top level's
//         disk_critical: 0.9
//       launcher: lab       # optional: how playbooks start and stop its nodes (lab, ssh, command)
//       lab_dir: /path      # launcher lab only: the lab's directory
//
// `ringctl lab up` registers its lab with launcher lab and its directory; a playbook run that
// starts or stops nodes takes the cluster's launcher unless --var launcher=... names one, and
// never uses the lab launcher on a cluster not registered as a lab.
//
// Read from $RINGCTL_CONFIG, else ~/.config/ringctl/clusters.yaml ($XDG_CONFIG_HOME honoured).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl {

// Health thresholds by name, as `ringctl health --threshold NAME=VALUE` takes them
// (ringcore::threshold_names()): each a known name and a number of at least 0.
using ThresholdSettings = std::map<std::string, double>;

struct ClusterEntry {
  std::vector<std::string> agents;  // "HOST[:PORT]" or "https://HOST[:PORT]", asked in order
  std::string token;                // "" = none
  std::string cacert;               // "" = none
  ThresholdSettings thresholds;     // this cluster's, over the config's top-level ones
  std::string launcher;             // "" = none named; kLaunchers' names ("lab": a lab's own)
  std::string lab_dir;              // launcher "lab": the lab's directory; "" otherwise
};

// The launchers a cluster entry may name (playbook/launcher.h implements them).
inline const std::vector<std::string> kLaunchers = {"lab", "ssh", "command"};

struct ClusterConfig {
  std::string default_cluster;   // "" = none
  ThresholdSettings thresholds;  // for every cluster
  std::map<std::string, ClusterEntry> clusters;
};

// Whether the config file can hold `text` as a value: printable ASCII only.
bool config_text_ok(const std::string& text);

// Parses the YAML text. Errors (kInvalidInput) name `origin` and the key that is wrong, e.g.
// "clusters.lab.agents: expected a list of HOST[:PORT] strings"; a threshold's also its line,
// "thresholds.disk_wran (line 3): unknown threshold (known: ...)".
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

// The thresholds the config sets for a command that reads `cluster` ("" = none named): the
// top level's, then that cluster's over them. A cluster the config does not list adds none.
ThresholdSettings configured_thresholds(const ClusterConfig& config, const std::string& cluster);

// The entry for `name`, or the default cluster's when `name` is empty. Throws
// ringcore::Error (kInvalidInput) naming the file when there is no such cluster.
const ClusterEntry& select_cluster(const ClusterConfig& config, const std::string& name, const std::string& path);

}  // namespace ringctl
