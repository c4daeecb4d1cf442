// The `ssh` launcher: a node is started and stopped by commands run on its host over SSH
// (ringssh), e.g. `sudo systemctl start cassandra`. The commands are the playbook's variables,
// run as given by the remote user's shell; they must be idempotent, as the Launcher contract
// asks (systemctl start and stop are). The new nodes are `hosts`, in order.
//
// Errors: ringssh's own codes pass through unchanged so the operator reads what to do:
// ssh_host_key (unknown or changed host key: nothing ran), ssh_auth, ssh_connect (the host
// cannot be reached), timed_out (the command outlived command_timeout and was killed); a
// command that exits non-zero is kFailed with its exit status and output.
#pragma once

#include <memory>

#include "playbook/launch_commands.h"
#include "ssh/ssh_session.h"

namespace ringctl::playbook {

class SshLauncher : public CommandsLauncher {
 public:
  // REQUIRES: settings.kind == "ssh". make_ssh_launcher checks the settings.
  using CommandsLauncher::CommandsLauncher;
  std::string kind() const override { return "ssh"; }

 private:
  ringcore::Status run(const LaunchNode& node, const std::string& step, const std::string& command) const override;
};

// Where an SSH command for `host` goes: the settings' user (the local user when empty), port,
// key, known_hosts and connect timeout. The launcher and the playbook's ssh step both use it.
ssh::SshTarget ssh_target(const LauncherSettings& settings, const std::string& host);

// OK, or kInvalidInput naming the variable: a port outside 1..65535, or a connect timeout
// under 1 s. The launcher and the playbook's ssh step check the settings with it.
ringcore::Status check_ssh_settings(const LauncherSettings& settings);

// An SshLauncher, or kInvalidInput when it has neither start_command nor stop_command, or its
// ssh settings fail check_ssh_settings. hosts are needed only to plan new nodes, a command
// only when used (playbook/launch_commands.h). An empty ssh_user is the local user, as ssh(1)
// does.
ringcore::Result<std::unique_ptr<Launcher>> make_ssh_launcher(const LauncherSettings& settings);

}  // namespace ringctl::playbook
