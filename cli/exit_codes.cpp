#include "exit_codes.h"

namespace ringctl {

int exit_code_for(const ringcore::Error& error) {
  if (dynamic_cast<const TimedOut*>(&error) != nullptr) return kExitTimedOut;
  switch (error.code()) {
    case ringcore::ErrorCode::kInvalidInput:
    case ringcore::ErrorCode::kNotFound:
    case ringcore::ErrorCode::kUnsupported:
      return kExitUsage;
    case ringcore::ErrorCode::kUnavailable:
      return kExitUnavailable;
    case ringcore::ErrorCode::kConflict:
    case ringcore::ErrorCode::kFailed:
    case ringcore::ErrorCode::kInternal:
      return kExitFailed;
  }
  return kExitFailed;
}

const char* exit_code_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  usage error or bad input (flag, file, key, unknown keyspace or host id)\n"
         "  2  the operation failed, or the agent refused it (conflict) or answered an error\n"
         "  3  timed out waiting (--wait --timeout); the job may still be running\n"
         "  4  no agent reachable\n"
         "  5  a check found the cluster not fit for what was asked (health, plan remove, rebalance)\n";
}

}  // namespace ringctl
