// Launchers: how a playbook starts and stops a node's processes. The engine never knows what a
// node runs on; it asks the run's launcher, chosen by the playbook variable `launcher`:
//   lab      the lab's own nodes (`ringctl lab add` / stop), for clusters `lab up` made
//   ssh      commands run on the node's host over SSH (cli/ssh, libssh), e.g.
//            `sudo systemctl start cassandra`
//   command  a local command, with {address} replaced by the node's address
//
// Contract for every implementation:
// - plan_node() has no side effect; the engine journals its answer before calling start(), so
//   that a run resumed after a crash starts the SAME node and never a second one.
// - start() and stop() are idempotent: starting a node that already runs, or stopping one that
//   is already stopped, succeeds without doing anything.
// - start() returns once the processes are started, not once the node has joined: joining is
//   the playbook's `wait` step, which shows its progress.
// - Errors are ringcore::Error values, never exceptions: kInvalidInput for bad settings,
//   kUnavailable when the host cannot be reached, kFailed when the command ran and failed
//   (with its exit status and output in the message), kTimedOut.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl::playbook {

// A node a launcher starts or stops.
struct LaunchNode {
  std::string address;  // the node's address: 127.0.0.N in a lab, the host for ssh
  std::string dc;       // its datacenter; "" = the launcher's default (a lab: its first member's)
  std::string rack;     // "" = the launcher's choice
};

// What a launcher is told, from the playbook's variables. Each kind reads its own fields.
struct LauncherSettings {
  std::string kind;  // "lab", "ssh" or "command"

  // lab
  std::string lab_directory;         // "" = the default lab directory
  double stream_throughput_mib = 0;  // the new node's streaming limit; 0 = unlimited

  // ssh and command: the new nodes' hosts, in order (plan_node's ordinal picks one)
  std::vector<std::string> hosts;
  std::string start_command;  // ssh: run on the host; command: run locally, {address} replaced
  std::string stop_command;

  // ssh (see cli/ssh/ssh_session.h SshTarget)
  std::string ssh_user;
  int ssh_port = 22;
  std::string ssh_identity_file;  // "" = the ssh-agent
  std::string ssh_known_hosts;    // "" = ~/.ssh/known_hosts
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds command_timeout{300};
};

class Launcher {
 public:
  virtual ~Launcher() = default;

  // "lab", "ssh" or "command".
  virtual std::string kind() const = 0;

  // The node start() would bring up as this run's `ordinal`-th new node (from 1) in `dc`
  // ("" = the default), without starting anything. lab: the next address the lab gives; ssh
  // and command: hosts[ordinal - 1] (kInvalidInput when there are fewer hosts).
  virtual ringcore::Result<LaunchNode> plan_node(int ordinal, const std::string& dc) = 0;

  // Starts the node's processes; idempotent (see above).
  virtual ringcore::Status start(const LaunchNode& node) = 0;

  // Stops the node's processes; idempotent (see above).
  virtual ringcore::Status stop(const LaunchNode& node) = 0;
};

// The launcher of settings.kind. Errors (kInvalidInput): an unknown kind (naming the kinds),
// or settings the kind needs and does not have (e.g. ssh without hosts or start_command).
ringcore::Result<std::unique_ptr<Launcher>> make_launcher(const LauncherSettings& settings);

}  // namespace ringctl::playbook
