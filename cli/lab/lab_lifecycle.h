// What `ringctl lab` does: bring a lab up, add, stop, start, remove nodes, take it down. The
// command file (cli/commands/lab_command.cpp) only wires options to these; views are in
// cli/views/lab_view.*.
//
// Every command but `up` on a fresh directory first takes the nodes that have left the ring
// (decommission, removenode) out of the lab's membership (load_members), so that nothing waits
// for, writes to or reads from a departed node.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "lab/lab_layout.h"

namespace ringctl::lab {

struct UpRequest {
  std::string directory;
  // What the command line gave; what it did not give is nullopt (a new lab takes the default).
  std::optional<std::vector<DatacenterSpec>> datacenters;
  std::optional<int> racks, num_tokens, storage_port, native_port, agent_port;
  std::optional<std::uint64_t> disk_capacity_bytes;  // every node's (LabNode); 0 = none
  std::optional<std::string> ip_prefix;              // as parse_ip_prefix returns it
  bool agents = true;
  std::chrono::seconds timeout{120};
};

// The numeric options of `lab up`: where each goes in a request and in a lab's spec. One table
// for filling a request, making a new lab and comparing with an existing one.
struct SpecOption {
  const char* option;
  std::optional<int> UpRequest::*given;
  int LabSpec::*value;
};
inline constexpr SpecOption kSpecOptions[] = {{"--racks", &UpRequest::racks, &LabSpec::racks},
                                              {"--num-tokens", &UpRequest::num_tokens, &LabSpec::num_tokens},
                                              {"--storage-port", &UpRequest::storage_port, &LabSpec::storage_port},
                                              {"--native-port", &UpRequest::native_port, &LabSpec::native_port},
                                              {"--agent-port", &UpRequest::agent_port, &LabSpec::agent_port}};

struct AddRequest {
  std::string directory;
  std::string dc;    // "" = the first member's
  std::string rack;  // "" = the next rack of the DC in turn
  bool new_dc = false;
  double stream_throughput_mib = 0;
  std::optional<std::uint64_t> disk_capacity_bytes;  // nullopt = the first member's; 0 = none
  bool agents = true;
  std::chrono::seconds timeout{120};
};

// The lab in `directory` with departed nodes taken out of its membership: their processes are
// stopped, lab.json and the cluster config updated, and a line on stderr says so.
Lab load_members(const std::string& directory);

// Starts a new lab, or restarts a stopped one as it was made. Refuses (kInvalidInput), before
// starting anything: a running lab; options that differ from the existing lab's (a disk
// capacity: from any member's); two equal
// ports; any port taken on any node's address. Waits until every node sees all up and normal,
// then starts the agents. Throws ringcore::Error.
Lab up(const UpRequest& request);

// The first half of add(): plans the new member, records it in lab.json and starts its node
// and agent, without waiting for it to join (a playbook waits, showing progress). Refuses as
// add().
Lab launch_new_member(const AddRequest& request);

// Adds a node to the running lab: it bootstraps (progress on a terminal) and joins; returns
// once every member, the new one included, sees all up and normal, and so does every agent.
// Refuses when a member is not running, or the datacenter is unknown without new_dc.
Lab add(const AddRequest& request);

// Stops every agent and node (SIGTERM, then SIGKILL after the grace); with `purge`, deletes the
// lab's directory and takes the lab out of the cluster config.
void down(const std::string& directory, bool purge);

// Stops one member with `signal` (SIGTERM or SIGKILL). Throws when it is not running.
void stop_member(const std::string& directory, const std::string& node, int signal);

// Starts a stopped member and waits until every running member sees every running one up;
// in a lab with agents, also its agent if that is not running. A running member whose agent is
// not running gets only its agent back. Throws ringcore::Error when both run.
void start_member(const std::string& directory, const std::string& node, std::chrono::seconds timeout);

// Takes `node` out of the lab: stops its processes and forgets it. Refuses (kConflict) while
// another member's view still lists it (decommission or removenode it first), or when no other
// member answers to tell. Returns the lab.
Lab remove_member(const std::string& directory, const std::string& node);

}  // namespace ringctl::lab
