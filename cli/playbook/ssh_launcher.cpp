#include "playbook/ssh_launcher.h"

#include <pwd.h>
#include <unistd.h>

#include "playbook/launch_commands.h"

namespace ringctl::playbook {

namespace {

std::string local_user() {
  const passwd* entry = getpwuid(geteuid());
  return entry != nullptr ? entry->pw_name : "";
}

}  // namespace

ssh::SshTarget ssh_target(const LauncherSettings& settings, const std::string& host) {
  ssh::SshTarget target;
  target.host = host;
  target.port = settings.ssh_port;
  target.user = settings.ssh_user.empty() ? local_user() : settings.ssh_user;
  target.identity_file = settings.ssh_identity_file;
  target.known_hosts = settings.ssh_known_hosts;
  target.connect_timeout = settings.connect_timeout;
  return target;
}

ringcore::Status SshLauncher::run(const LaunchNode& node, const std::string& step, const std::string& command) const {
  const LauncherSettings& settings = this->settings();
  const ssh::SshTarget target = ssh_target(settings, node.address);
  auto ran = ssh::run_command(target, command, settings.command_timeout);
  if (!ran) return ran.error().with_context(step + " on " + node.address);
  return command_outcome(step + " on " + target.user + "@" + node.address + ": " + command, ran->exit_status, ran->out,
                         ran->err);
}

ringcore::Status check_ssh_settings(const LauncherSettings& settings) {
  if (settings.ssh_port < 1 || settings.ssh_port > 65535) {
    return ringcore::Error::invalid_input("ssh_port must be in 1..65535, not " + std::to_string(settings.ssh_port));
  }
  if (settings.connect_timeout.count() < 1) {
    return ringcore::Error::invalid_input("ssh_connect_timeout must be at least 1 (seconds), not " +
                                          std::to_string(settings.connect_timeout.count()));
  }
  return ringcore::Ok{};
}

ringcore::Result<std::unique_ptr<Launcher>> make_ssh_launcher(const LauncherSettings& settings) {
  if (settings.start_command.empty() && settings.stop_command.empty()) {
    return ringcore::Error::invalid_input(
        "launcher ssh: needs start_command or stop_command, the command run on the host to start or stop a node");
  }
  if (auto checked = check_ssh_settings(settings); !checked) {
    return ringcore::Error::invalid_input("launcher ssh: " + checked.error().message());
  }
  return std::unique_ptr<Launcher>(std::make_unique<SshLauncher>(settings));
}

}  // namespace ringctl::playbook
