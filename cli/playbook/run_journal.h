// The run journal: what a playbook run has done, in
// $XDG_STATE_HOME/ringctl/runs/<run_id>/journal.json (default ~/.local/state/ringctl/runs/),
// written before and after each step (to a temporary file, fsync'd, then renamed over the old
// one), so that after a crash, even a SIGKILL, `ringctl playbook resume RUN_ID` knows which
// steps finished, what they exported, and which agent job or node an unfinished step had
// already started.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "playbook/templates.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

enum class StepState { kStarted, kFinished, kFailed, kSkipped };
const char* step_state_name(StepState state);

// A step's record. `path` names the step in the playbook: "3" for the third, "4.2.1" for the
// first step of the second item of the fourth (a foreach).
struct StepRecord {
  std::string path;
  std::string title;
  std::string kind;
  StepState state = StepState::kStarted;
  std::string started_at, finished_at;  // ISO 8601
  double seconds = 0;
  Values exports;                                     // values set for later steps
  std::vector<std::string> items;                     // foreach: the items, fixed when it first ran
  nlohmann::json started = nlohmann::json::object();  // what was started: {"job": id, "agent": a} or {"node": ...}
  nlohmann::json result = nlohmann::json::object();   // what the step found or did (the report's)
  std::string message;
};

// A run's status: running while its process works on it; "interrupted" is shown for a running
// run whose process is gone (run_status_shown).
enum class RunStatus { kRunning, kSucceeded, kFailed, kBlocked, kAborted, kTimedOut, kInterrupted };
const char* run_status_name(RunStatus status);
ringcore::Result<RunStatus> parse_run_status(const std::string& name);

struct RunJournal {
  int format = 1;
  std::string run_id;
  std::string playbook;                              // its name
  std::string playbook_path;                         // the file it was read from
  Values variables;                                  // as bound at the start; resume uses them again
  nlohmann::json source = nlohmann::json::object();  // where the cluster was read from (-h, --cluster)
  RunStatus status = RunStatus::kRunning;
  std::string message;  // why it ended so, when it did not succeed
  std::string started_at, finished_at;
  int pid = 0;                    // the ringctl process working on it
  std::vector<StepRecord> steps;  // in the order they were first started

  // The record of `path`, or nullptr.
  StepRecord* find(const std::string& path);
  const StepRecord* find(const std::string& path) const;
  // The record of `path`, added at the end when new.
  StepRecord& record(const std::string& path);
};

nlohmann::json journal_document(const RunJournal& journal);
// Errors (kInvalidInput): not a journal of this format, naming what is wrong.
ringcore::Result<RunJournal> parse_journal(const nlohmann::json& document);

// $XDG_STATE_HOME/ringctl/runs (else ~/.local/state/ringctl/runs); $RINGCTL_RUNS_DIR overrides.
std::string runs_directory();
// runs_directory()/<run_id>.
std::string run_directory(const std::string& run_id);

// A new run id: "<UTC time>-<playbook>-<4 random hex>", e.g. "20261204T143000Z-scale-up-3f2a";
// sortable by start.
std::string new_run_id(const std::string& playbook);

// Writes the journal into its run directory (made when missing), atomically (cli/atomic_file.h).
// Throws ringcore::Error (kFailed) naming the file.
void save_journal(const RunJournal& journal);
// Reads run `run_id`'s journal. Errors: kNotFound for an unknown run (naming the directory),
// kInvalidInput for an unreadable journal.
ringcore::Result<RunJournal> load_journal(const std::string& run_id);
// Every run in runs_directory(), newest first; unreadable ones are left out.
std::vector<RunJournal> list_runs();

// The status to show: kInterrupted for a running run whose process is gone.
RunStatus run_status_shown(const RunJournal& journal);

}  // namespace ringctl::playbook
