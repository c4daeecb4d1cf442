#include "exit_codes.h"

namespace ringctl {

int exit_code_for(const ringcore::Error& error) {
  switch (error.code()) {
    case ringcore::ErrorCode::kInvalidInput:
    case ringcore::ErrorCode::kNotFound:
    case ringcore::ErrorCode::kUnsupported:
      return kExitUsage;
    case ringcore::ErrorCode::kUnavailable:
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
         "  1  usage error or bad input (flag, file, key, unknown keyspace)\n"
         "  2  the operation ran and failed\n";
}

}  // namespace ringctl
