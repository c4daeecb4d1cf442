#include "playbook/launcher.h"

#include "playbook/command_launcher.h"
#include "playbook/lab_launcher.h"
#include "playbook/ssh_launcher.h"

namespace ringctl::playbook {

ringcore::Result<std::unique_ptr<Launcher>> make_launcher(const LauncherSettings& settings) {
  if (settings.kind == "lab") return make_lab_launcher(settings);
  if (settings.kind == "ssh") return make_ssh_launcher(settings);
  if (settings.kind == "command") return make_command_launcher(settings);
  return ringcore::Error::invalid_input("unknown launcher '" + settings.kind + "' (known: lab, ssh, command)");
}

}  // namespace ringctl::playbook
