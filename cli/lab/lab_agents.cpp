#include "lab/lab_agents.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include "agent_client.h"
#include "cluster_config.h"
#include "lab/lab_cluster.h"
#include "lab/lab_processes.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {
namespace {

// Whether the config's entry under the lab's name lists only agents of this lab (members or
// departed), i.e. this lab registered it.
bool registered_here(const Lab& lab, const ClusterEntry& entry) {
  if (!lab.registered) return false;
  std::set<std::string> ours;
  for (const auto* group : {&lab.nodes, &lab.departed}) {
    for (const LabNode& node : *group) ours.insert(lab.agent_address(node));
  }
  return !entry.agents.empty() &&
         std::all_of(entry.agents.begin(), entry.agents.end(), [&](const std::string& a) { return ours.contains(a); });
}

// Registers the lab's members' agents as the cluster named after the lab (the default one if
// there is none), as a lab: playbooks start and stop its nodes with the lab launcher, in this
// lab's directory (absolute: a run may start anywhere). A directory the config file cannot
// hold (not printable ASCII) is left out; a run then names it with --var lab_dir.
void register_lab_cluster(const Lab& lab) {
  const std::string path = cluster_config_path();
  ClusterConfig config = load_cluster_config(path).value_or(ClusterConfig{});
  ClusterEntry& entry = config.clusters[lab.spec.cluster_name];
  entry.agents.clear();
  for (const LabNode& node : lab.nodes) entry.agents.push_back(lab.agent_address(node));
  entry.launcher = "lab";
  const std::string directory = std::filesystem::absolute(lab.directory).lexically_normal().string();
  entry.lab_dir = config_text_ok(directory) ? directory : "";
  if (config.default_cluster.empty()) config.default_cluster = lab.spec.cluster_name;
  save_cluster_config(config, path);
}

}  // namespace

bool has_agents(const Lab& lab) {
  return std::any_of(lab.nodes.begin(), lab.nodes.end(),
                     [&](const LabNode& node) { return running_agent_pid(lab, node).has_value(); });
}

void wait_for_agents(const Lab& lab, const std::vector<const LabNode*>& nodes, std::chrono::seconds timeout,
                     const ringruntime::WaitClock& clock) {
  const auto deadline = clock.now() + timeout;
  for (const LabNode* node : nodes) {
    AgentClient agent({{lab.agent_address(*node)}, "", "", std::chrono::seconds(1)});
    std::string last_error;
    const bool ready = ringruntime::wait_until(
        [&] {
          try {
            agent.get("/v1/health/ready");  // a first collection succeeded
            return true;
          } catch (const ringcore::Error& e) {
            last_error = e.message();
            return false;
          }
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now()), std::chrono::milliseconds(100),
        clock);  // the agent is starting
    if (!ready) {
      throw ringcore::Error::failed("the agent of " + node->name + " did not answer: " + last_error +
                                    " (log: " + lab.agent_log_path(*node) + ")");
    }
  }
}

void start_agents(Lab& lab, std::chrono::seconds timeout) {
  std::string ringd;
  try {
    ringd = find_ringd_binary();
  } catch (const ringcore::Error& e) {
    std::cerr << "ringctl: warning: " << e.message() << "; the lab runs without agents\n";
    return;
  }
  for (const LabNode* node : running_nodes(lab)) {
    if (!running_agent_pid(lab, *node)) start_agent(lab, *node, ringd);  // one may outlive its node
  }
  wait_for_agents(lab, running_nodes(lab), timeout);
  register_lab_cluster(lab);
  lab.registered = true;
  update_lab(lab.directory, [](Lab& current) { current.registered = true; });
}

void update_lab_cluster(const Lab& lab) {
  const std::string path = cluster_config_path();
  const auto config = load_cluster_config(path);
  if (!config) return;
  const auto entry = config->clusters.find(lab.spec.cluster_name);
  if (entry == config->clusters.end() || !registered_here(lab, entry->second)) return;
  register_lab_cluster(lab);
}

void unregister_lab_cluster(const Lab& lab) {
  const std::string path = cluster_config_path();
  auto config = load_cluster_config(path);
  if (!config) return;
  const auto entry = config->clusters.find(lab.spec.cluster_name);
  if (entry == config->clusters.end() || !registered_here(lab, entry->second)) return;
  config->clusters.erase(entry);
  if (config->default_cluster == lab.spec.cluster_name) config->default_cluster.clear();
  save_cluster_config(*config, path);
}

}  // namespace ringctl::lab
