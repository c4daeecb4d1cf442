#include "playbook/run_report.h"

#include <cstdio>
#include <sstream>

#include "playbook/atomic_file.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;

std::string cell(std::string text) {
  for (char& c : text) {
    if (c == '|' || c == '\n') c = ' ';
  }
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

}  // namespace

std::string run_report_markdown(const RunJournal& journal) {
  std::ostringstream out;
  out << "# Playbook run " << journal.run_id << "\n\n";
  out << "- playbook: " << journal.playbook << " (" << journal.playbook_path << ")\n";
  out << "- status: **" << run_status_name(journal.status) << "**";
  if (!journal.message.empty()) out << ": " << journal.message;
  out << "\n- started: " << journal.started_at << "\n- finished: " << journal.finished_at << "\n";
  out << "\n## Variables\n\n";
  for (const auto& [name, value] : journal.variables) out << "- " << name << " = `" << value << "`\n";

  out << "\n## Steps\n\n| step | what | state | time | result |\n|---|---|---|---|---|\n";
  std::uint64_t planned = 0, moved = 0;
  for (const StepRecord& step : journal.steps) {
    out << "| " << step.path << " | " << cell(step.title) << " | " << step_state_name(step.state) << " | "
        << seconds_text(step.seconds) << " | " << cell(step.message) << " |\n";
    if (step.result.contains("planned_bytes")) planned += step.result.value("planned_bytes", std::uint64_t{0});
    if (step.result.contains("done") && step.result.value("unit", "") == "bytes")
      moved += step.result.value("done", std::uint64_t{0});
  }

  out << "\n## Checks\n\n";
  bool any = false;
  for (const StepRecord& step : journal.steps) {
    if (!step.result.contains("findings")) continue;
    any = true;
    out << "### " << step.path << " " << step.title << " (" << step.result.value("status", "") << ")\n\n";
    for (const Json& finding : step.result["findings"]) {
      out << "- " << finding.value("name", "") << ": " << finding.value("status", "") << " — "
          << finding.value("message", "") << "\n";
    }
    out << "\n";
  }
  if (!any) out << "No checks ran.\n\n";

  out << "## Data moved\n\n- planned by the plan steps: " << planned
      << " bytes\n- moved by the steps followed: " << moved
      << " bytes (bootstrap streams and jobs that report bytes)\n";
  return out.str();
}

std::string write_run_report(const RunJournal& journal) {
  const std::string path = run_directory(journal.run_id) + "/report.md";
  write_file_atomically(path, run_report_markdown(journal));
  return path;
}

}  // namespace ringctl::playbook
