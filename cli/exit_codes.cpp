#include "exit_codes.h"

namespace ringctl {

using ringcore::ErrorCode;

int exit_code_for(const ringcore::Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
    case ErrorCode::kUnsupported:
      return kExitUsage;
    case ErrorCode::kUnavailable:
    case ErrorCode::kSshConnect:
    case ErrorCode::kPeerDown:
    case ErrorCode::kRequestUnread:  // ringctl's requests are well-formed: this one was cut short
      return kExitUnavailable;
    case ErrorCode::kTimedOut:
      return kExitTimedOut;
    case ErrorCode::kUnauthorized:
    case ErrorCode::kForbidden:
    // Authentication refused either way: the SSH server refused our key, or we refused its
    // host key. Neither is bad input to retry as typed; both need the operator's trust fixed.
    case ErrorCode::kSshAuth:
    case ErrorCode::kSshHostKey:
    // The same for TLS: we refused the agent's certificate (untrusted CA, or not naming the host).
    case ErrorCode::kTlsVerify:
      return kExitRefused;
    case ErrorCode::kOutcomeUnknown:
      return kExitOutcomeUnknown;
    case ErrorCode::kConflict:
    case ErrorCode::kFailed:
    case ErrorCode::kNodeUnavailable:  // an agent answered: not exit 4, which is "no agent reachable"
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kInternal:
      return kExitFailed;
  }
  return kExitFailed;
}

int exit_code_for_run(playbook::RunStatus status, const std::optional<ringcore::Error>& error) {
  switch (status) {
    case playbook::RunStatus::kSucceeded:
      return kExitOk;
    case playbook::RunStatus::kTimedOut:
      return kExitTimedOut;
    case playbook::RunStatus::kBlocked:
      return kExitUnfit;
    // Ctrl-C is the operator's stop as much as a "no" is; the run stays resumable either way.
    case playbook::RunStatus::kAborted:
    case playbook::RunStatus::kInterrupted:
      return kExitAborted;
    case playbook::RunStatus::kRunning:
    case playbook::RunStatus::kFailed:
      break;
  }
  return error && error->code() == ErrorCode::kUnavailable ? kExitUnavailable : kExitFailed;
}

std::string message_for(const ringcore::Error& error) {
  switch (error.code()) {
    case ErrorCode::kUnauthorized:
      return "the agent refused the token: " + error.message() + " (give one with --token or $RINGCTL_TOKEN)";
    case ErrorCode::kForbidden:
      return "the agent refused the token: " + error.message();
    case ErrorCode::kTlsVerify:
      return "the agent's TLS certificate did not verify: " + error.message() +
             " (trust its CA with --cacert or the cluster's cacert, and reach it by a name the certificate has)";
    case ErrorCode::kMethodNotAllowed:
      return "the agent does not offer this request (is it an older ringd?): " + error.message();
    case ErrorCode::kInternal:
      return "internal error: " + error.message();
    default:
      return error.message();
  }
}

const char* exit_code_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  usage error or bad input (flag, file, key, unknown keyspace or host id)\n"
         "  2  the operation failed, or the agent refused it (conflict) or answered an error\n"
         "  3  timed out waiting (--wait --timeout); the job may still be running\n"
         "  4  no agent reachable, or no SSH connection to a host\n"
         "  5  a check found the cluster not fit for what was asked\n"
         "  6  aborted by the operator (answered no to a playbook's question, or Ctrl-C stopped a\n"
         "     playbook run: it stays resumable with ringctl playbook resume)\n"
         "  7  outcome unknown: the agent or its node stopped answering for 30 s while an operation\n"
         "     was followed, or the node came back without the job\n"
         "  8  the agent refused the token (unauthorized or forbidden), an SSH host refused the key,\n"
         "     an SSH host's key is unknown or changed (not in known_hosts), or the agent's TLS\n"
         "     certificate did not verify (untrusted CA, or it does not name the host)\n"
         "130  interrupted (Ctrl-C) while --wait followed a job; the job goes on\n"
         "A playbook run: 0 succeeded, 2 a step failed (whatever its error; 4 when no agent could\n"
         "be reached), 3 timed out, 5 a check blocked it, 6 aborted or stopped by Ctrl-C.\n";
}

}  // namespace ringctl
