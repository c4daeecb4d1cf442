#include "lab/lab_lifecycle.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "lab/lab_agents.h"
#include "lab/lab_cluster.h"
#include "lab/lab_membership.h"
#include "lab/lab_processes.h"

namespace ringctl::lab {
namespace {

using ringcore::Error;

constexpr auto kStopGrace = std::chrono::seconds(15);

std::vector<const LabNode*> members(const Lab& lab) {
  std::vector<const LabNode*> nodes;
  for (const LabNode& node : lab.nodes) nodes.push_back(&node);
  return nodes;
}

// Stops a member's processes, moves it to the departed and records that everywhere.
void forget(Lab& lab, const std::string& name, const std::string& reason) {
  stop_node_and_agent(lab, lab.find_node(name), kStopGrace);
  update_lab(lab.directory, [&](Lab& current) {
    const bool member =
        std::any_of(current.nodes.begin(), current.nodes.end(), [&](const LabNode& node) { return node.name == name; });
    if (member) depart(current, name);  // another lab command may have done it meanwhile
    lab = current;
  });
  update_lab_cluster(lab);
  std::cerr << "ringctl: " << name << " " << reason << "; it is no longer a member of the lab\n";
}

// "--dcs dc1:3 (this lab: dc1:5)" for every option given that differs from the lab's.
std::string differences(const Lab& lab, const UpRequest& request) {
  const LabSpec& spec = lab.spec;
  std::string text;
  auto differ = [&](const std::string& option, const std::string& given, const std::string& has) {
    if (given != has) text += "\n  " + option + " " + given + " (this lab: " + has + ")";
  };
  if (request.datacenters && !spec.datacenters.empty()) {
    differ("--dcs", format_datacenters(*request.datacenters), format_datacenters(spec.datacenters));
  }
  for (const SpecOption& o : kSpecOptions) {
    if (request.*o.given) differ(o.option, std::to_string(*(request.*o.given)), std::to_string(spec.*o.value));
  }
  if (request.ip_prefix) differ("--ip-prefix", *request.ip_prefix, spec.ip_prefix);
  if (request.disk_capacity_bytes) {
    std::set<std::uint64_t> capacities;  // the members' (an added one's may differ)
    for (const LabNode& node : lab.nodes) capacities.insert(node.disk_capacity_bytes);
    std::string has;
    for (std::uint64_t bytes : capacities) has += (has.empty() ? "" : ", ") + std::to_string(bytes);
    differ("--disk-capacity", std::to_string(*request.disk_capacity_bytes), has);
  }
  return text;
}

Lab existing_lab(const UpRequest& request) {
  Lab lab = load_members(request.directory);
  if (!running_nodes(lab).empty()) {
    throw Error::invalid_input("a lab is already running in " + request.directory +
                               " (ringctl lab list; ringctl lab down to stop it)");
  }
  if (const std::string differ = differences(lab, request); !differ.empty()) {
    throw Error::invalid_input(
        "the lab in " + request.directory + " was made otherwise; it restarts as it is:" + differ +
        "\n(run `ringctl lab up` without them, or `ringctl lab down --purge` first for a new lab)");
  }
  return lab;
}

// The spec the request asks for: what it gives, else the defaults.
LabSpec requested_spec(const UpRequest& request) {
  LabSpec spec;
  spec.datacenters = request.datacenters.value_or(std::vector<DatacenterSpec>{{"dc1", 3}});
  for (const SpecOption& o : kSpecOptions) spec.*o.value = (request.*o.given).value_or(spec.*o.value);
  spec.ip_prefix = request.ip_prefix.value_or(spec.ip_prefix);
  return spec;
}

// Records the tokens of members that joined by bootstrap once they are normal: they chose them
// themselves, so the lab learns them only then, however the node was added (lab add, or a
// playbook's lab launcher).
void record_joined_tokens(Lab& lab) {
  std::map<std::string, std::vector<ringcore::Token>> learned;
  for (LabNode& node : lab.nodes) {
    if (!node.added || !node.tokens.empty() || !running_pid(lab, node)) continue;
    if (auto tokens = owned_tokens(lab, node)) node.tokens = learned[node.name] = std::move(*tokens);
  }
  if (learned.empty()) return;
  update_lab(lab.directory, [&](Lab& current) {
    for (LabNode& node : current.nodes) {
      if (auto it = learned.find(node.name); it != learned.end()) node.tokens = it->second;
    }
  });
}

}  // namespace

Lab load_members(const std::string& directory) {
  Lab lab = load_lab(directory);
  for (const Departure& departure : departed_members(lab))
    forget(lab, departure.name, "has left the ring (" + departure.reason + ")");
  record_joined_tokens(lab);
  return lab;
}

Lab up(const UpRequest& request) {
  const bool exists = std::filesystem::exists(request.directory + "/lab.json");
  check_distinct_ports(requested_spec(request));
  Lab lab = exists ? existing_lab(request) : plan_lab(request.directory, requested_spec(request));
  if (!exists) {
    for (LabNode& node : lab.nodes) node.disk_capacity_bytes = request.disk_capacity_bytes.value_or(0);
  }
  const auto nodes = members(lab);
  check_ports_free(lab, nodes, request.agents);
  const std::string ringnode = find_ringnode_binary();
  if (!exists) save_lab(lab);
  for (const LabNode* node : nodes) start_node(lab, *node, ringnode);
  wait_until_converged(lab, nodes, nodes, request.timeout);
  if (request.agents) start_agents(lab, request.timeout);
  return lab;
}

Lab launch_new_member(const AddRequest& request) {
  Lab lab = load_members(request.directory);
  if (lab.nodes.empty())
    throw Error::invalid_input("the lab in " + request.directory + " has no members (ringctl lab up)");
  for (const LabNode& node : lab.nodes) {
    if (!running_pid(lab, node)) {
      throw Error::invalid_input(node.name +
                                 " is not running: a node joins when every member is up (ringctl lab start " +
                                 node.name + ", or lab remove it if it is gone for good)");
    }
  }
  const bool agents = request.agents && has_agents(lab);
  LabNode added =
      plan_added_node(lab, request.dc.empty() ? lab.nodes.front().dc : request.dc, request.rack, request.new_dc);
  added.stream_throughput_mib = request.stream_throughput_mib;
  added.disk_capacity_bytes = request.disk_capacity_bytes.value_or(lab.nodes.front().disk_capacity_bytes);
  lab.nodes.push_back(added);
  check_ports_free(lab, {&lab.nodes.back()}, agents);
  update_lab(lab.directory, [&](Lab& current) {
    current.nodes.push_back(added);
    lab = current;
  });
  const LabNode& node = lab.nodes.back();
  start_node(lab, node, find_ringnode_binary());
  // Its agent starts with it, so that netstats can follow the bootstrap.
  if (agents) start_agent(lab, node, find_ringd_binary());
  return lab;
}

Lab add(const AddRequest& request) {
  Lab lab = launch_new_member(request);
  const bool agents = request.agents && has_agents(lab);
  const LabNode& node = lab.nodes.back();
  follow_bootstrap(lab, node, request.timeout);
  // Joined when every member, the new one included, sees all of them up and normal.
  const auto nodes = members(lab);
  wait_until_converged(lab, nodes, nodes, request.timeout);
  record_joined_tokens(lab);
  if (agents) {
    start_agents(lab, request.timeout);
    wait_until_agents_see(lab, nodes, nodes, request.timeout);
  }
  return lab;
}

void down(const std::string& directory, bool purge) {
  Lab lab = load_lab(directory);
  if (!running_nodes(lab).empty()) lab = load_members(directory);  // nodes that left are not restarted by a later up
  // Agents first, so that none reports its node's shutdown as a failure.
  std::vector<std::optional<pid_t>> agents, nodes;
  for (const LabNode& node : lab.nodes) agents.push_back(running_agent_pid(lab, node));
  for (const LabNode& node : lab.nodes) signal_agent(lab, node, SIGTERM);
  for (const LabNode& node : lab.nodes) nodes.push_back(running_pid(lab, node));
  for (std::size_t i = 0; i < lab.nodes.size(); ++i) {
    if (agents[i] && !wait_for_exit(*agents[i], kStopGrace)) signal_agent(lab, lab.nodes[i], SIGKILL);
  }
  for (const LabNode& node : lab.nodes) signal_node(lab, node, SIGTERM);
  for (std::size_t i = 0; i < lab.nodes.size(); ++i) {
    if (nodes[i] && !wait_for_exit(*nodes[i], kStopGrace)) {
      signal_node(lab, lab.nodes[i], SIGKILL);
      wait_for_exit(*nodes[i], std::chrono::seconds(5));
    }
  }
  if (!purge) return;
  unregister_lab_cluster(lab);
  std::filesystem::remove_all(lab.directory);
}

void stop_member(const std::string& directory, const std::string& name, int signal) {
  const Lab lab = load_lab(directory);
  const LabNode& node = lab.find_node(name);
  const auto pid = running_pid(lab, node);
  if (!pid) throw Error::invalid_input(node.name + " is not running");
  signal_node(lab, node, signal);
  if (!wait_for_exit(*pid, signal == SIGKILL ? std::chrono::seconds(5) : kStopGrace)) {
    throw Error::failed(node.name + " (pid " + std::to_string(*pid) + ") did not exit");
  }
}

void start_member(const std::string& directory, const std::string& name, std::chrono::seconds timeout) {
  Lab lab = load_members(directory);
  const LabNode& node = lab.find_node(name);
  const bool with_agents = has_agents(lab);
  if (running_pid(lab, node)) {
    if (!with_agents || running_agent_pid(lab, node)) throw Error::invalid_input(node.name + " is already running");
    start_agents(lab, timeout);  // the node runs, its agent does not: only the agent
    return;
  }
  check_ports_free(lab, {&node}, false);
  start_node(lab, node, find_ringnode_binary());
  // Back when every running node, the restarted one included, sees every running node up:
  // right after a kill the others may still think it is up, so their view alone proves nothing.
  const auto running = running_nodes(lab);
  wait_until_converged(lab, running, running, timeout);
  if (with_agents) start_agents(lab, timeout);  // its agent, if it went down with it
}

Lab remove_member(const std::string& directory, const std::string& name) {
  Lab lab = load_members(directory);
  for (const LabNode& gone : lab.departed) {
    if (gone.name == name || gone.address == name || std::to_string(gone.number) == name) return lab;  // already out
  }
  const LabNode& node = lab.find_node(name);
  const RingPresence presence = ring_presence(lab, node);
  if (!presence.seen_by.empty()) {
    throw Error::conflict(node.name + " is still in the ring (" + presence.seen_by +
                          " lists it): decommission it (ringctl -h " + lab.agent_address(node) +
                          " decommission) or, if it is dead, removenode it; then lab remove");
  }
  if (presence.answered == 0) {
    throw Error::conflict("no other member of the lab answers, so nothing can tell whether " + node.name +
                          " has left the ring; start them first (ringctl lab start)");
  }
  forget(lab, node.name, "is in no member's view of the ring");
  return lab;
}

}  // namespace ringctl::lab
