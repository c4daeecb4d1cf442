#include "ringcore/error.h"

namespace ringcore {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kFailed:
      return "failed";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kTimedOut:
      return "timed_out";
    case ErrorCode::kOutcomeUnknown:
      return "outcome_unknown";
    case ErrorCode::kSshHostKey:
      return "ssh_host_key";
    case ErrorCode::kSshAuth:
      return "ssh_auth";
    case ErrorCode::kSshConnect:
      return "ssh_connect";
    case ErrorCode::kPeerDown:
      return "peer_down";
    case ErrorCode::kRequestUnread:
      return "request_unread";
    case ErrorCode::kTlsVerify:
      return "tls_verify";
    case ErrorCode::kNodeUnavailable:
      return "node_unavailable";
  }
  return "internal";
}

ErrorCode error_code_from_name(std::string_view name) {
  for (ErrorCode code :
       {ErrorCode::kInvalidInput, ErrorCode::kNotFound, ErrorCode::kUnsupported, ErrorCode::kUnavailable,
        ErrorCode::kConflict, ErrorCode::kFailed, ErrorCode::kUnauthorized, ErrorCode::kForbidden,
        ErrorCode::kMethodNotAllowed, ErrorCode::kTimedOut, ErrorCode::kOutcomeUnknown, ErrorCode::kSshHostKey,
        ErrorCode::kSshAuth, ErrorCode::kSshConnect, ErrorCode::kPeerDown, ErrorCode::kRequestUnread,
        ErrorCode::kTlsVerify, ErrorCode::kNodeUnavailable}) {
    if (name == error_code_name(code)) return code;
  }
  return ErrorCode::kInternal;
}

}  // namespace ringcore
