// The main of the tests that need a real sshd: skipped (ctest's exit 77) with a message when
// Debian's openssh-server is not installed, except on CI ($CI set), where that is a failure;
// scripts/install-deps.sh test installs it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "cli/ssh/sshd_fixture.h"
#include "support/missing_prerequisite.h"

int main(int argc, char** argv) {
  if (access(test_support::kSshdBinary, X_OK) != 0) {
    return test_support::missing_prerequisite(
        std::string(test_support::kSshdBinary) +
        " is not installed (scripts/install-deps.sh test installs openssh-server)");
  }
  doctest::Context context(argc, argv);
  return context.run();
}
