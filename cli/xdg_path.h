// Where ringctl keeps its files, by the XDG base directory convention.
#pragma once

#include <string>

namespace ringctl {

// $<override_env> when set and not empty; else $<xdg_env>/<relative>; else
// $HOME/<home_default>/<relative> (with "." for an unset HOME).
// E.g. xdg_path("RINGCTL_CONFIG", "XDG_CONFIG_HOME", ".config", "ringctl/clusters.yaml").
std::string xdg_path(const char* override_env, const char* xdg_env, const char* home_default,
                     const std::string& relative);

}  // namespace ringctl
