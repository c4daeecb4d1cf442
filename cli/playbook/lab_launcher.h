// The `lab` launcher: a lab cluster's own nodes, through cli/lab (the code of `ringctl lab
// add` and `lab stop`). A new node is the lab's next member; its agent is started with it and
// registered in the cluster config, so that every later survey asks it too.
#pragma once

#include <memory>

#include "playbook/launcher.h"

namespace ringctl::playbook {

std::unique_ptr<Launcher> make_lab_launcher(const LauncherSettings& settings);

}  // namespace ringctl::playbook
