// What a test program returns when something it needs is missing on this machine (root, nft,
// sshd): ctest's skip (exit 77, with SKIP_RETURN_CODE 77) on a person's machine, a failure on
// CI ($CI set), where scripts/install-deps.sh test has installed everything and a skip would
// hide a test that never ran.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace test_support {

// Prints "SKIPPED: <what>" (or "FAIL: <what>" on CI) and returns the exit code to end with.
inline int missing_prerequisite(const std::string& what) {
  const bool ci = std::getenv("CI") != nullptr;
  std::printf("%s: %s\n", ci ? "FAIL" : "SKIPPED", what.c_str());
  return ci ? 1 : 77;
}

}  // namespace test_support
