#include "playbook/launcher.h"

#include "playbook/lab_launcher.h"

namespace ringctl::playbook {

ringcore::Result<std::unique_ptr<Launcher>> make_launcher(const LauncherSettings& settings) {
  if (settings.kind == "lab") return make_lab_launcher(settings);
  if (settings.kind == "ssh" || settings.kind == "command") {
    // Implemented against launcher.h by the ssh engineer (cli/ssh, target ringssh).
    return ringcore::Error::unsupported("the " + settings.kind + " launcher is not built into this ringctl yet");
  }
  return ringcore::Error::invalid_input("unknown launcher '" + settings.kind + "' (known: lab, ssh, command)");
}

}  // namespace ringctl::playbook
