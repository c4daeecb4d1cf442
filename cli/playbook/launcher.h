// Launchers: how a playbook starts and stops a node's processes. The engine never knows what a
// node runs on; it asks the run's launcher, chosen by the playbook variable `launcher`, else by
// the cluster's entry in the cluster config (cluster_config.h; `lab up` registers its lab with
// launcher lab and its directory):
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
#include "snapshot_source.h"

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

// The run's cluster as the cluster config registers it, for its launcher.
struct ClusterLaunch {
  std::string described;    // for messages: "cluster 'prod'", "the cluster of agent HOST"
  std::string config_path;  // the cluster config file
  bool registered = false;  // the config has an entry for it
  std::string name;         // that entry's name (registered only)
  std::string launcher;     // the entry's launcher; "" = none named
  std::string lab_dir;      // the entry's lab directory (launcher lab)
};

// The cluster of `source`: --cluster NAME, else the config's default; with -h HOST the config's
// cluster that lists that agent. Not registered when the config has no such entry (or no file).
// Throws ringcore::Error when the config file is unreadable or malformed.
ClusterLaunch cluster_launch(const SnapshotSource& source);

// `settings` (from the run's variables) with what they leave empty taken from the cluster's
// entry: the kind, and for the lab launcher the lab's directory.
LauncherSettings with_cluster_defaults(LauncherSettings settings, const ClusterLaunch& cluster);

// Whether a run may start and stop nodes with `settings` on `cluster`. Errors (kInvalidInput),
// each naming the cluster and the fix (--var launcher=ssh with hosts): no launcher, from the
// variables or the entry; the lab launcher on a cluster that is not registered as a lab (its
// `lab` would be some other lab's, or none); an unknown kind.
ringcore::Status check_launcher_fits(const LauncherSettings& settings, const ClusterLaunch& cluster);

// The launcher of settings.kind. Errors (kInvalidInput): an unknown kind (naming the kinds),
// or settings the kind needs and does not have (e.g. ssh without hosts or start_command).
ringcore::Result<std::unique_ptr<Launcher>> make_launcher(const LauncherSettings& settings);

}  // namespace ringctl::playbook
