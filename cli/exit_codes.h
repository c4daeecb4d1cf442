// The exit codes of ringctl: the one place errors become exit codes.
//
//   0  success
//   1  usage error or bad input (a flag, a file, a key, an unknown keyspace or host id)
//   2  an operation failed, or an agent answered with an error (a 409 conflict included)
//   3  timed out waiting for an operation (--wait --timeout); the job may still run
//   4  no agent could be reached
//   5  a check found the cluster not fit for what was asked (health at or above --fail-on, plan
//      remove blocked, rebalance findings); the output is complete
// The table is printed at the end of `ringctl --help` and in man/ringctl.1.
#pragma once

#include "ringcore/error.h"

namespace ringctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitFailed = 2,
  kExitTimedOut = 3,
  kExitUnavailable = 4,
  kExitNotFit = 5,
};

// Waiting for something gave up at its deadline (the error's code is kFailed).
class TimedOut : public ringcore::Error {
 public:
  explicit TimedOut(std::string message) : ringcore::Error(ringcore::ErrorCode::kFailed, std::move(message)) {}
};

int exit_code_for(const ringcore::Error& error);

// The table, as printed in --help.
const char* exit_code_help();

}  // namespace ringctl
