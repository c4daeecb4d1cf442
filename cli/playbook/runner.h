// Running a playbook: each step journaled before and after (run_journal.h), events for the
// view, the report at the end (run_report.h). `resume` runs the same playbook with the same
// variables again, skipping every step the journal shows finished (and taking back what they
// exported) and continuing the first unfinished one where it was (actions.h: never twice).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "output.h"
#include "playbook/playbook.h"
#include "playbook/run_journal.h"
#include "snapshot_source.h"

namespace ringctl::playbook {

struct RunOptions {
  SnapshotSource source;
  bool dry_run = false;  // run the checks, print the other steps, change nothing, journal nothing
  bool yes = false;      // answer yes to questions (not to those that need a typed value)
  // Reads the operator's answer to a question (a line), or nullopt when none can be had
  // (not a terminal). The default reads stdin when it is a terminal.
  std::function<std::optional<std::string>(const std::string& prompt)> ask;
};

// Every event a run sends: "event" and "run_id" first (docs/json-output.md).
using EventSink = std::function<void(const Document& event)>;

struct RunOutcome {
  std::string run_id;
  RunStatus status = RunStatus::kSucceeded;
  std::string message;
  std::optional<ringcore::Error> error;  // for kFailed and kTimedOut: what went wrong
  std::string report_path;               // "" for a dry run
};

// Starts a run of `playbook` with bound `variables`.
RunOutcome start_run(const Playbook& playbook, const Values& variables, const RunOptions& options,
                     const EventSink& sink);

// Continues run `run_id`. Errors (thrown ringcore::Error): an unknown run (kNotFound), a run
// that succeeded (kInvalidInput: every other ended run resumes), one whose process
// still works on it (kConflict), a playbook that no longer loads.
RunOutcome resume_run(const std::string& run_id, const RunOptions& options, const EventSink& sink);

}  // namespace ringctl::playbook
