// Starting and signalling the lab's processes: a ringnode per node, and its agent (ringd).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {

// The ringnode binary: $RINGCTL_RINGNODE, else beside ringctl's build output
// (../labnode/ringnode) or in the same directory, else `ringnode` on PATH.
// Throws ringcore::Error when none is found.
std::string find_ringnode_binary();

// The ringd binary: $RINGCTL_RINGD, else beside ringctl's build output (../agent/ringd) or in
// the same directory, else `ringd` on PATH. Throws ringcore::Error (kNotFound) when none is found.
std::string find_ringd_binary();

// Starts ringnode for `node`, detached from this process (its own session; init reaps it),
// with stdout and stderr appended to the node's log, and records its pid. Returns the pid.
// Throws ringcore::Error when the process cannot be started.
pid_t start_node(const Lab& lab, const LabNode& node, const std::string& ringnode);

// Starts the node's agent: ringd --listen <address>:<agent_port> --backend lab --node
// <address>:<native_port> --cluster <name>, detached like the node, logging to ringd.log and
// recording ringd.pid. Returns the pid. Throws ringcore::Error when it cannot be started.
pid_t start_agent(const Lab& lab, const LabNode& node, const std::string& ringd);

// The pid a lab's pid file names ("<pid> <program>"), if that process is alive and still runs the
// program started (by argv[0]'s file name: a binary given through $RINGCTL_RINGD or
// $RINGCTL_RINGNODE may have another name; a recycled pid runs something else). A pid file of an
// older ringctl holds the pid alone: then the process must run `program`.
std::optional<pid_t> pid_from(const std::string& pid_path, const std::string& program);

// The pid of the node's ringnode if it is running, by its pid file.
std::optional<pid_t> running_pid(const Lab& lab, const LabNode& node);
// The pid of the node's ringd if it is running, by its pid file.
std::optional<pid_t> running_agent_pid(const Lab& lab, const LabNode& node);

// The node's two processes, each when it runs.
struct NodeProcesses {
  std::optional<pid_t> node;
  std::optional<pid_t> agent;
};
NodeProcesses processes_of(const Lab& lab, const LabNode& node);

// Sends `signal` to the node's process if it runs; returns whether it was running.
bool signal_node(const Lab& lab, const LabNode& node, int signal);
// Sends `signal` to the node's agent if it runs; returns whether it was running.
bool signal_agent(const Lab& lab, const LabNode& node, int signal);

// Checks, before anything starts, that every port the nodes will listen on is free on each
// node's address: node-to-node and client ports, and the agent port when `agents`. Throws
// ringcore::Error (kInvalidInput) naming every taken address and port, so that a second lab on
// the same ports never starts beside the first.
void check_ports_free(const Lab& lab, const std::vector<const LabNode*>& nodes, bool agents);

// Stops `node`'s agent and process: SIGTERM, then SIGKILL after `grace`.
void stop_node_and_agent(const Lab& lab, const LabNode& node, std::chrono::milliseconds grace);

// Waits until `pid` has exited (or the pid runs another program) or `timeout` passes, looking
// every 20 ms on `clock`; returns whether it exited.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout,
                   const ringruntime::WaitClock& clock = ringruntime::real_clock());

}  // namespace ringctl::lab
