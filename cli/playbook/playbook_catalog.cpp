#include "playbook/playbook_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "xdg_path.h"

namespace ringctl::playbook {
namespace {

namespace fs = std::filesystem;

// name -> path of every *.yaml in `directory`.
std::map<std::string, std::string> playbooks_in(const std::string& directory) {
  std::map<std::string, std::string> found;
  std::error_code ec;
  if (directory.empty()) return found;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      found[entry.path().stem().string()] = entry.path().string();
    }
  }
  return found;
}

}  // namespace

std::string user_playbook_directory() {
  return xdg_path("RINGCTL_USER_PLAYBOOKS_DIR", "XDG_CONFIG_HOME", ".config", "ringctl/playbooks");
}

std::string shipped_playbook_directory() {
  if (const char* dir = std::getenv("RINGCTL_PLAYBOOKS_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = self.parent_path() / ".." / "share" / "ringctl" / "playbooks";
    if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed).string();
  }
#ifdef RINGCTL_SOURCE_PLAYBOOKS_DIR
  if (fs::is_directory(RINGCTL_SOURCE_PLAYBOOKS_DIR, ec)) return RINGCTL_SOURCE_PLAYBOOKS_DIR;
#endif
  return "";
}

std::vector<PlaybookFile> list_playbooks() {
  std::map<std::string, PlaybookFile> by_name;
  for (const auto& [name, path] : playbooks_in(shipped_playbook_directory())) by_name[name] = {name, path, true, false};
  for (const auto& [name, path] : playbooks_in(user_playbook_directory())) {
    const bool shadows = by_name.contains(name);
    by_name[name] = {name, path, false, shadows};
  }
  std::vector<PlaybookFile> files;
  for (auto& [name, file] : by_name) files.push_back(std::move(file));
  return files;
}

ringcore::Result<PlaybookFile> find_playbook(const std::string& name) {
  if (name.find('/') != std::string::npos || name.ends_with(".yaml")) {
    std::error_code ec;
    if (!fs::is_regular_file(name, ec)) return ringcore::Error::not_found("no playbook file " + name);
    return PlaybookFile{fs::path(name).stem().string(), name, false, false};
  }
  std::string known;
  for (PlaybookFile& file : list_playbooks()) {
    if (file.name == name) return file;
    known += (known.empty() ? "" : ", ") + file.name;
  }
  return ringcore::Error::not_found("no playbook named " + name + " (known: " + (known.empty() ? "none" : known) +
                                    "; own ones go in " + user_playbook_directory() + ")");
}

}  // namespace ringctl::playbook
