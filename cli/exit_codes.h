// The exit codes of ringctl: the one place errors become exit codes.
//
//   0  success
//   1  usage error or bad input (a flag, a file, a key, an unknown keyspace or host id)
//   2  an operation failed, or an agent answered with an error (a 409 conflict included)
//   3  timed out waiting for an operation (--wait --timeout); the job may still run
//   4  no agent could be reached (or no SSH connection to a host: ssh_connect)
//   5  a check found the cluster not fit for what was asked
//   6  aborted by the operator (answered no to a playbook's question, or stopped a playbook run
//      with Ctrl-C: that run stays resumable)
//   7  the outcome is unknown: the agent stopped answering while an operation was followed
//   8  the agent refused the token (401 unauthorized, 403 forbidden); an SSH host refused our
//      key (ssh_auth), or we refused its host key, unknown or changed (ssh_host_key), or we
//      refused an agent's TLS certificate, which did not verify (tls_verify)
// 130  interrupted (Ctrl-C) while --wait followed a job; the job goes on
// A playbook run ends with one of 0, 2, 3, 4, 5 and 6 (exit_code_for_run), whatever its error.
// The table is printed at the end of `ringctl --help` and in man/ringctl.1.
#pragma once

#include <optional>
#include <string>

#include "playbook/run_journal.h"
#include "ringcore/error.h"

namespace ringctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitFailed = 2,
  kExitTimedOut = 3,
  kExitUnavailable = 4,
  kExitUnfit = 5,
  kExitAborted = 6,
  kExitOutcomeUnknown = 7,
  kExitRefused = 8,
  kExitInterrupted = 130,
};

int exit_code_for(const ringcore::Error& error);

// The exit code of a playbook run that ended with `status` (its `error` for a failed one), as
// issue 14's table gives it: 0 succeeded; 2 a step failed, whatever its error, except 4 when no
// agent could be reached (unavailable); 3 timed out; 5 blocked by a check; 6 aborted by the
// operator or interrupted by Ctrl-C (the journal still tells the two apart). A CI script reads
// the error itself in the run_finished event and the message.
int exit_code_for_run(playbook::RunStatus status, const std::optional<ringcore::Error>& error);

// The message an operator reads for `error`: its own, with what the code means in front when
// the bare message would not say it (e.g. "the agent refused the token: ...").
std::string message_for(const ringcore::Error& error);

// The table, as printed in --help.
const char* exit_code_help();

}  // namespace ringctl
