// Where playbooks are found: the operator's own in $XDG_CONFIG_HOME/ringctl/playbooks
// (default ~/.config/ringctl/playbooks) shadow the shipped ones of the same name, which are
// in $RINGCTL_PLAYBOOKS_DIR when set, else <prefix>/share/ringctl/playbooks beside the
// installed ringctl, else the source tree's playbooks/ (a build that was not installed).
#pragma once

#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl::playbook {

struct PlaybookFile {
  std::string name;  // the file name without .yaml
  std::string path;
  bool shipped = true;   // false: the operator's own
  bool shadows = false;  // an own one that hides a shipped one of the same name
};

// The operator's playbook directory.
std::string user_playbook_directory();
// The shipped playbooks' directory ("" when none is found).
std::string shipped_playbook_directory();

// Every playbook, by name; own ones in place of shipped ones of the same name.
std::vector<PlaybookFile> list_playbooks();

// The playbook `name`: an own or shipped name, or a path to a file (containing '/' or ending
// in .yaml). Errors (kNotFound) list the known names.
ringcore::Result<PlaybookFile> find_playbook(const std::string& name);

}  // namespace ringctl::playbook
