// Runs a program to completion and captures its output: for tests that drive real binaries.
#pragma once

#include <string>
#include <vector>

namespace test_support {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is the program path) with `input` on stdin. Blocks until it exits.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace test_support
