// The layout of a lab cluster: which nodes, where their files live, how they are configured.
//
// A lab lives in one directory: lab.json (this layout), and per node nodeN/ with ringnode.yaml,
// data/, ringnode.log and ringnode.pid, ringd.log and ringd.pid (its agent). Node N listens on
// <ip_prefix>N: 127.0.0.N by default, as ccm's --ipprefix.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ringcore/token.h"

namespace ringctl::lab {

struct DatacenterSpec {
  std::string name;
  int nodes = 0;
};

struct LabSpec {
  std::vector<DatacenterSpec> datacenters;  // as `lab up` was given them, in order: node numbers run through them
  int racks = 1;                            // per datacenter
  int num_tokens = 16;
  int storage_port = 7000;
  int native_port = 9042;
  int agent_port = 7070;               // each node's ringd listens on the node's address and this port
  std::string ip_prefix = "127.0.0.";  // node N listens on ip_prefix + N (parse_ip_prefix)
  std::string cluster_name = "lab";
};

struct LabNode {
  int number = 0;       // 1-based
  std::string name;     // "node3"
  std::string address;  // "127.0.0.3"
  std::string dc;
  std::string rack;
  // Initial tokens, chosen by the balanced allocator. A node added to a running lab allocates
  // its own over the ring it learns and bootstraps (streams its ranges); its tokens are
  // recorded here once it has joined.
  std::vector<ringcore::Token> tokens;
  bool added = false;                // by `lab add`: its config bootstraps instead of naming tokens
  double stream_throughput_mib = 0;  // the node's streaming limit (0 = unlimited)
  // Its config's disk_capacity_bytes: the node reports its data directory as a disk of this
  // size (docs/ringnode-api.md), so that a small lab fills it. 0 = none: its file system's figures.
  std::uint64_t disk_capacity_bytes = 0;
};

struct Lab {
  std::string directory;
  LabSpec spec;
  std::vector<LabNode> nodes;      // the members
  std::vector<LabNode> departed;   // left the ring (decommission, removenode, lab remove): numbers never reused
  std::vector<std::string> seeds;  // addresses: the first member of each datacenter
  bool registered = false;         // its agents are registered in the cluster config (lab_agents.h)

  std::string node_directory(const LabNode& node) const { return directory + "/" + node.name; }
  std::string config_path(const LabNode& node) const { return node_directory(node) + "/ringnode.yaml"; }
  std::string log_path(const LabNode& node) const { return node_directory(node) + "/ringnode.log"; }
  std::string pid_path(const LabNode& node) const { return node_directory(node) + "/ringnode.pid"; }
  std::string data_path(const LabNode& node) const { return node_directory(node) + "/data"; }
  std::string agent_log_path(const LabNode& node) const { return node_directory(node) + "/ringd.log"; }
  std::string agent_pid_path(const LabNode& node) const { return node_directory(node) + "/ringd.pid"; }
  // "127.0.0.3:7070": the node's agent.
  std::string agent_address(const LabNode& node) const { return node.address + ":" + std::to_string(spec.agent_port); }

  // Finds a node by name ("node2"), number ("2") or address ("127.0.0.2"). Throws
  // ringcore::Error (not found, listing the nodes).
  const LabNode& find_node(const std::string& which) const;
};

// Parses --ip-prefix: the first three octets of a loopback address, "127.0.1" or "127.0.1.",
// as "127.0.1.". Throws ringcore::Error (kInvalidInput) for anything else: a lab runs on this
// machine, and Linux routes all of 127.0.0.0/8 to the loopback interface.
std::string parse_ip_prefix(const std::string& text);

// Parses --dcs "dc1:3,dc2:2". Throws ringcore::Error naming the bad part.
std::vector<DatacenterSpec> parse_datacenters(const std::string& text);

// Lays out the nodes and picks every node's tokens with ringcore's balanced allocator, as if
// they joined one after the other (allocation rf: min(3, nodes in the DC)).
// Throws ringcore::Error for impossible specs (no nodes, more than 254 nodes, bad counts).
Lab plan_lab(const std::string& directory, const LabSpec& spec);

// The node `ringctl lab add` starts: the next number and address never used in this lab, in
// datacenter `dc`, on `rack` or else the next rack of that DC in turn. A datacenter the lab
// does not have is refused (a typo would make a new one) unless `new_dc`. Throws ringcore::Error
// past 254 nodes or for an unknown datacenter.
LabNode plan_added_node(const Lab& lab, const std::string& dc, const std::string& rack, bool new_dc);

// Takes `name` out of the members into `departed`, and makes the first remaining member of
// its datacenter a seed if it was one. Throws ringcore::Error (not found).
void depart(Lab& lab, const std::string& name);

// The ports every member listens on: node-to-node, client, agent. Throws ringcore::Error
// (invalid_input) when two are equal.
void check_distinct_ports(const LabSpec& spec);

// "dc1:3,dc2:2", as --dcs takes it.
std::string format_datacenters(const std::vector<DatacenterSpec>& datacenters);

// The node's ringnode.yaml (docs/ringnode-api.md).
std::string node_config_yaml(const Lab& lab, const LabNode& node);

// lab.json: written by `lab up`, read by every other lab command.
void save_lab(const Lab& lab);
// Throws ringcore::Error when there is no lab in `directory` or the manifest is unreadable.
Lab load_lab(const std::string& directory);
// Reads lab.json, applies `change` and writes it back under an exclusive lock, so that two lab
// commands updating it at once (a playbook adding a node while `lab stress` records another's
// tokens) never write over each other's change.
void update_lab(const std::string& directory, const std::function<void(Lab&)>& change);

// $RINGCTL_LAB_DIR, else $XDG_STATE_HOME/ringctl/lab, else ~/.local/state/ringctl/lab.
std::string default_lab_directory();

}  // namespace ringctl::lab
