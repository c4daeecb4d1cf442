#include "ringcore/error.h"

namespace ringcore {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kFailed: return "failed";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace ringcore
