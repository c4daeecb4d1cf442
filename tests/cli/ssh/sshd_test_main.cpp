// The main of the tests that need a real sshd: skipped (ctest's exit 77) with a message when
// Debian's openssh-server is not installed, except on CI ($CI set), where that is a failure;
// scripts/install-deps.sh test installs it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/ssh/sshd_fixture.h"

int main(int argc, char** argv) {
  if (access(test_support::kSshdBinary, X_OK) != 0) {
    const bool ci = std::getenv("CI") != nullptr;
    std::printf("%s: %s is not installed (scripts/install-deps.sh test installs openssh-server)\n",
                ci ? "FAIL" : "SKIPPED", test_support::kSshdBinary);
    return ci ? 1 : 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
