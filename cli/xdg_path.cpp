#include "xdg_path.h"

#include <cstdlib>

namespace ringctl {

std::string xdg_path(const char* override_env, const char* xdg_env, const char* home_default,
                     const std::string& relative) {
  if (const char* path = std::getenv(override_env); path != nullptr && *path != '\0') return path;
  if (const char* base = std::getenv(xdg_env); base != nullptr && *base != '\0')
    return std::string(base) + "/" + relative;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/" + home_default + "/" + relative;
}

}  // namespace ringctl
