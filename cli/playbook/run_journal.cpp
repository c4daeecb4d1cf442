#include "playbook/run_journal.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "atomic_file.h"
#include "xdg_path.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;

constexpr std::pair<StepState, const char*> kStepStates[] = {{StepState::kStarted, "started"},
                                                             {StepState::kFinished, "finished"},
                                                             {StepState::kFailed, "failed"},
                                                             {StepState::kSkipped, "skipped"}};
constexpr std::pair<RunStatus, const char*> kRunStatuses[] = {
    {RunStatus::kRunning, "running"},        {RunStatus::kSucceeded, "succeeded"}, {RunStatus::kFailed, "failed"},
    {RunStatus::kBlocked, "blocked"},        {RunStatus::kAborted, "aborted"},     {RunStatus::kTimedOut, "timed_out"},
    {RunStatus::kInterrupted, "interrupted"}};

Json step_document(const StepRecord& step) {
  return {{"path", step.path},
          {"title", step.title},
          {"kind", step.kind},
          {"state", step_state_name(step.state)},
          {"started_at", step.started_at},
          {"finished_at", step.finished_at},
          {"seconds", step.seconds},
          {"exports", step.exports},
          {"items", step.items},
          {"started", step.started},
          {"result", step.result},
          {"message", step.message}};
}

StepRecord parse_step(const Json& doc) {
  StepRecord step;
  step.path = doc.at("path").get<std::string>();
  step.title = doc.value("title", "");
  step.kind = doc.value("kind", "");
  const std::string state = doc.value("state", "");
  bool known = false;
  for (const auto& [value, name] : kStepStates) {
    if (state == name) {
      step.state = value;
      known = true;
    }
  }
  if (!known) throw ringcore::Error::invalid_input("step " + step.path + " has an unknown state '" + state + "'");
  step.started_at = doc.value("started_at", "");
  step.finished_at = doc.value("finished_at", "");
  step.seconds = doc.value("seconds", 0.0);
  step.exports = doc.value("exports", Values{});
  step.items = doc.value("items", std::vector<std::string>{});
  step.started = doc.value("started", Json::object());
  step.result = doc.value("result", Json::object());
  step.message = doc.value("message", "");
  return step;
}

}  // namespace

const char* step_state_name(StepState state) {
  for (const auto& [value, name] : kStepStates) {
    if (value == state) return name;
  }
  return "started";
}

const char* run_status_name(RunStatus status) {
  for (const auto& [value, name] : kRunStatuses) {
    if (value == status) return name;
  }
  return "running";
}

ringcore::Result<RunStatus> parse_run_status(const std::string& text) {
  for (const auto& [value, name] : kRunStatuses) {
    if (text == name) return value;
  }
  return ringcore::Error::invalid_input("unknown run status '" + text + "'");
}

StepRecord* RunJournal::find(const std::string& path) {
  auto it = std::find_if(steps.begin(), steps.end(), [&path](const StepRecord& step) { return step.path == path; });
  return it == steps.end() ? nullptr : &*it;
}

const StepRecord* RunJournal::find(const std::string& path) const { return const_cast<RunJournal*>(this)->find(path); }

StepRecord& RunJournal::record(const std::string& path) {
  if (StepRecord* existing = find(path)) return *existing;
  StepRecord step;
  step.path = path;
  steps.push_back(std::move(step));
  return steps.back();
}

Json journal_document(const RunJournal& journal) {
  Json steps = Json::array();
  for (const StepRecord& step : journal.steps) steps.push_back(step_document(step));
  return {{"format", journal.format},
          {"run_id", journal.run_id},
          {"playbook", journal.playbook},
          {"playbook_path", journal.playbook_path},
          {"variables", journal.variables},
          {"source", journal.source},
          {"status", run_status_name(journal.status)},
          {"message", journal.message},
          {"started_at", journal.started_at},
          {"finished_at", journal.finished_at},
          {"pid", journal.pid},
          {"steps", steps}};
}

ringcore::Result<RunJournal> parse_journal(const Json& doc) {
  try {
    if (doc.value("format", 0) != 1) return ringcore::Error::invalid_input("not a run journal of format 1");
    RunJournal journal;
    journal.run_id = doc.at("run_id").get<std::string>();
    journal.playbook = doc.at("playbook").get<std::string>();
    journal.playbook_path = doc.value("playbook_path", "");
    journal.variables = doc.value("variables", Values{});
    journal.source = doc.value("source", Json::object());
    auto status = parse_run_status(doc.value("status", ""));
    if (!status) return status.error();
    journal.status = *status;
    journal.message = doc.value("message", "");
    journal.started_at = doc.value("started_at", "");
    journal.finished_at = doc.value("finished_at", "");
    journal.pid = doc.value("pid", 0);
    for (const Json& step : doc.at("steps")) journal.steps.push_back(parse_step(step));
    return journal;
  } catch (const ringcore::Error& e) {
    return e;
  } catch (const Json::exception& e) {
    return ringcore::Error::invalid_input(std::string("not a valid run journal: ") + e.what());
  }
}

std::string runs_directory() { return xdg_path("RINGCTL_RUNS_DIR", "XDG_STATE_HOME", ".local/state", "ringctl/runs"); }

std::string run_directory(const std::string& run_id) { return runs_directory() + "/" + run_id; }

std::string new_run_id(const std::string& playbook) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(random() & 0xffff));
  return std::string(stamp) + "-" + playbook + "-" + suffix;
}

void save_journal(const RunJournal& journal) {
  write_file_atomically(run_directory(journal.run_id) + "/journal.json", journal_document(journal).dump(2) + "\n");
}

ringcore::Result<RunJournal> load_journal(const std::string& run_id) {
  if (run_id.empty() || run_id.find('/') != std::string::npos || run_id.starts_with(".")) {
    return ringcore::Error::invalid_input("'" + run_id + "' is not a run id (ringctl playbook runs lists them)");
  }
  const std::string path = run_directory(run_id) + "/journal.json";
  std::ifstream in(path);
  if (!in)
    return ringcore::Error::not_found("no run " + run_id + " in " + runs_directory() +
                                      " (ringctl playbook runs lists them)");
  Json doc;
  try {
    doc = Json::parse(in);
  } catch (const Json::exception& e) {
    return ringcore::Error::invalid_input(path + ": not JSON: " + e.what());
  }
  auto journal = parse_journal(doc);
  if (!journal) return journal.error().with_context(path);
  return journal;
}

std::vector<RunJournal> list_runs() {
  std::vector<RunJournal> runs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runs_directory(), ec)) {
    if (!entry.is_directory()) continue;
    auto journal = load_journal(entry.path().filename().string());
    if (journal) runs.push_back(std::move(journal).value());
  }
  std::sort(runs.begin(), runs.end(),
            [](const RunJournal& a, const RunJournal& b) { return a.started_at > b.started_at; });
  return runs;
}

RunStatus run_status_shown(const RunJournal& journal) {
  if (journal.status != RunStatus::kRunning) return journal.status;
  const bool alive = journal.pid > 0 && (::kill(journal.pid, 0) == 0 || errno == EPERM);
  return alive ? RunStatus::kRunning : RunStatus::kInterrupted;
}

}  // namespace ringctl::playbook
