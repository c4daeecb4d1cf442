// The exit codes of ringctl: the one place errors become exit codes.
//
//   0  success
//   1  usage error or bad input (a flag, a file, a key, an unknown keyspace)
//   2  an operation ran and failed
// The table is printed at the end of `ringctl --help` and in man/ringctl.1.
#pragma once

#include "ringcore/error.h"

namespace ringctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitFailed = 2,
};

int exit_code_for(const ringcore::Error& error);

// The table, as printed in --help.
const char* exit_code_help();

}  // namespace ringctl
