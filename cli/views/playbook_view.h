// The playbook views: the list of playbooks, one playbook's variables and steps, the list of
// runs, and a run as it goes: on a terminal a step list with ticks and the current step's
// progress bar; with -o json one JSON object per line per event (docs/json-output.md).
#pragma once

#include <memory>
#include <ostream>
#include <vector>

#include "output.h"
#include "playbook/playbook.h"
#include "playbook/playbook_catalog.h"
#include "playbook/run_journal.h"
#include "text/progress.h"

namespace ringctl {

void print_playbook_list_table(const std::vector<playbook::PlaybookFile>& files, std::ostream& out);
Document playbook_list_document(const std::vector<playbook::PlaybookFile>& files);

void print_playbook_table(const playbook::Playbook& book, std::ostream& out);
Document playbook_document(const playbook::Playbook& book);

void print_runs_table(const std::vector<playbook::RunJournal>& runs, std::ostream& out);
Document runs_document(const std::vector<playbook::RunJournal>& runs);

// Prints a run's events as they come: the step list on `out`, and the current step's progress
// bar on `bar` (stderr when it is a terminal, by default; nothing where it is not).
class RunEventPrinter {
 public:
  RunEventPrinter(OutputFormat format, std::ostream& out);
  RunEventPrinter(OutputFormat format, std::ostream& out, LiveOutput bar);
  void print(const Document& event);

 private:
  OutputFormat format_;
  std::ostream& out_;
  LiveOutput bar_output_;
  std::unique_ptr<JobProgressLine> bar_;
};

}  // namespace ringctl
