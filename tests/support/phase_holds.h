// The nodes' test hook (labnode/test_hold.h) for one test program: a directory of its own, named
// to every ringnode started after it through RINGNODE_TEST_HOLD_DIR. A node's operation is held
// at a phase while that phase's file exists: the test makes it before the phase and removes it
// (or kills the node) once the node waits there.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "support/temp_dir.h"

namespace test_support {

class PhaseHolds {
 public:
  // `test` names the directory, so that one left by a crash says whose it was.
  explicit PhaseHolds(const std::string& test) : directory_(test + "_hold_") {
    setenv("RINGNODE_TEST_HOLD_DIR", directory_.path().c_str(), 1);
  }
  ~PhaseHolds() { unsetenv("RINGNODE_TEST_HOLD_DIR"); }
  PhaseHolds(const PhaseHolds&) = delete;
  PhaseHolds& operator=(const PhaseHolds&) = delete;

  // The file that holds `phase` (a name from labnode/test_hold.h) while it exists.
  std::filesystem::path file(std::string_view phase) const { return std::filesystem::path(directory_.path()) / phase; }

 private:
  TempDir directory_;
};

}  // namespace test_support
