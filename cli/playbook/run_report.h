// The Markdown report written beside a run's journal when it ends (report.md): what was
// checked with the values found, what was done, bytes moved against the plan, time per step,
// the after-checks: the seeds' "documentation updated" item.
#pragma once

#include <string>

#include "playbook/run_journal.h"

namespace ringctl::playbook {

std::string run_report_markdown(const RunJournal& journal);

// Writes report.md into the run's directory; returns its path. Throws as write_file_atomically.
std::string write_run_report(const RunJournal& journal);

}  // namespace ringctl::playbook
