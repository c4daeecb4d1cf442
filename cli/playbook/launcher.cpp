#include "playbook/launcher.h"

#include <algorithm>

#include "agent_client.h"
#include "cluster_config.h"
#include "ringruntime/yaml_config.h"

#include "playbook/command_launcher.h"
#include "playbook/lab_launcher.h"
#include "playbook/ssh_launcher.h"

namespace ringctl::playbook {
namespace {

// Whether the agent addresses `a` and `b` are the same agent ("h" and "h:7070" are).
bool same_agent(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const auto left = parse_agent_address(a);
  const auto right = parse_agent_address(b);
  return left && right && left->host == right->host && left->port == right->port;
}

// The name of the config's cluster that lists `agent`, or "".
std::string cluster_listing(const ClusterConfig& config, const std::string& agent) {
  for (const auto& [name, entry] : config.clusters) {
    for (const std::string& listed : entry.agents) {
      if (same_agent(listed, agent)) return name;
    }
  }
  return "";
}

ringcore::Error unknown_launcher(const std::string& kind) {
  return ringcore::Error::invalid_input("unknown launcher '" + kind + "' (known: " + ringruntime::joined(kLaunchers) +
                                        ")");
}

// The fix for a run that needs a launcher its cluster does not give.
const char* const kLauncherFix =
    "give --var launcher=ssh --var hosts=HOST,... with the start_command (and stop_command) to run there, or "
    "launcher=command; nothing was run";

}  // namespace

ClusterLaunch cluster_launch(const SnapshotSource& source) {
  ClusterLaunch launch;
  launch.config_path = cluster_config_path();
  const auto config = load_cluster_config(launch.config_path);
  std::string name = source.cluster;
  if (!source.host.empty()) {
    launch.described = "the cluster of agent " + source.host;
    if (config) name = cluster_listing(*config, source.host);
  } else if (config && name.empty()) {
    name = config->default_cluster;
  }
  if (!name.empty()) launch.described = "cluster '" + name + "'";
  if (launch.described.empty()) launch.described = "the cluster";
  if (!config || name.empty()) return launch;
  const auto entry = config->clusters.find(name);
  if (entry == config->clusters.end()) return launch;
  launch.registered = true;
  launch.name = name;
  launch.launcher = entry->second.launcher;
  launch.lab_dir = entry->second.lab_dir;
  return launch;
}

LauncherSettings with_cluster_defaults(LauncherSettings settings, const ClusterLaunch& cluster) {
  if (settings.kind.empty()) settings.kind = cluster.launcher;
  if (settings.kind == "lab" && settings.lab_directory.empty() && cluster.launcher == "lab") {
    settings.lab_directory = cluster.lab_dir;
  }
  return settings;
}

ringcore::Status check_launcher_fits(const LauncherSettings& settings, const ClusterLaunch& cluster) {
  const std::string where = (cluster.registered ? "its entry in " : "not in ") + cluster.config_path;
  if (settings.kind.empty()) {
    return ringcore::Error::invalid_input(
        cluster.described + " names no launcher (" + where +
        ") and the run gives none, so nothing can start or stop its nodes: " + kLauncherFix);
  }
  if (std::find(kLaunchers.begin(), kLaunchers.end(), settings.kind) == kLaunchers.end()) {
    return unknown_launcher(settings.kind);
  }
  if (settings.kind == "lab" && cluster.launcher != "lab") {
    return ringcore::Error::invalid_input(
        cluster.described + " is not a lab (" + (cluster.registered ? where + " does not say launcher: lab" : where) +
        "; `ringctl lab up` registers its labs so), and the lab launcher would start or stop a lab's nodes, not "
        "its: " +
        kLauncherFix);
  }
  return ringcore::Ok{};
}

ringcore::Result<std::unique_ptr<Launcher>> make_launcher(const LauncherSettings& settings) {
  if (settings.kind == "lab") return make_lab_launcher(settings);
  if (settings.kind == "ssh") return make_ssh_launcher(settings);
  if (settings.kind == "command") return make_command_launcher(settings);
  return unknown_launcher(settings.kind);
}

}  // namespace ringctl::playbook
