// The run journal and resuming: a journal survives a round trip, a run whose process is gone
// shows as interrupted, one topology run per cluster, and a resumed run skips every step the
// journal shows finished and continues with the first unfinished one.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "playbook/cluster_lock.h"
#include "playbook/playbook_loader.h"
#include "playbook/run_journal.h"
#include "playbook/runner.h"
#include "support/temp_dir.h"

namespace {

using namespace ringctl::playbook;

// A runs directory of the test's own, as $RINGCTL_RUNS_DIR, removed at the end.
struct RunsDirectory {
  test_support::TempDir scratch{"ringctl-runs-test-"};
  std::filesystem::path path = std::filesystem::path(scratch.path()) / "runs";
  RunsDirectory() { setenv("RINGCTL_RUNS_DIR", path.c_str(), 1); }
  ~RunsDirectory() { unsetenv("RINGCTL_RUNS_DIR"); }
};

// Questions only: a playbook that runs without a cluster.
const char* kQuestions = R"(name: questions
description: asks, in a foreach
variables:
  items: {type: list, default: "a,b"}
steps:
  - ask: first?
  - foreach: items
    as: item
    steps:
      - ask: "about {{item}}?"
  - ask: last?
)";

// kQuestions written into the runs directory and loaded from there (resume reads the playbook
// again from its file).
Playbook questions_playbook(const RunsDirectory& runs) {
  std::filesystem::create_directories(runs.path);
  const std::string file = (runs.path / "questions.yaml").string();
  std::ofstream(file) << kQuestions;
  return load_playbook(file).value_or_throw();
}

}  // namespace

TEST_CASE("a journal survives a round trip through its file, and nothing temporary is left") {
  RunsDirectory runs;
  RunJournal journal;
  journal.run_id = new_run_id("scale-up");
  journal.playbook = "scale-up";
  journal.variables = {{"count", "1"}};
  journal.started_at = "2026-12-04T10:00:00.000Z";
  journal.pid = getpid();
  StepRecord& step = journal.record("4.1.2");
  step.state = StepState::kStarted;
  step.started = {{"job", "j-7"}, {"agent", "127.0.0.4:7070"}};
  step.exports = {{"new_node", "127.0.0.4"}};
  save_journal(journal);
  auto loaded = load_journal(journal.run_id);
  REQUIRE(loaded.ok());
  CHECK(loaded->variables.at("count") == "1");
  REQUIRE(loaded->find("4.1.2") != nullptr);
  CHECK(loaded->find("4.1.2")->started["job"] == "j-7");
  CHECK(loaded->find("4.1.2")->exports.at("new_node") == "127.0.0.4");
  CHECK(run_status_shown(*loaded) == RunStatus::kRunning);  // this process lives
  for (const auto& entry : std::filesystem::directory_iterator(run_directory(journal.run_id))) {
    CHECK(entry.path().extension() != ".tmp");
  }
  CHECK(load_journal("no-such-run").error().code() == ringcore::ErrorCode::kNotFound);
  CHECK(load_journal("../etc").error().code() == ringcore::ErrorCode::kInvalidInput);
}

TEST_CASE("a running run whose process is gone shows as interrupted") {
  RunsDirectory runs;
  RunJournal journal;
  journal.run_id = "r1";
  journal.playbook = "p";
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  journal.pid = child;  // exited and reaped: no such process
  CHECK(run_status_shown(journal) == RunStatus::kInterrupted);
  journal.status = RunStatus::kFailed;
  CHECK(run_status_shown(journal) == RunStatus::kFailed);
}

TEST_CASE("a second topology run on the same cluster is refused, another cluster is not") {
  RunsDirectory runs;
  ClusterLock first("lab", "run-1");
  try {
    ClusterLock second("lab", "run-2");
    FAIL("a second lock on the same cluster was granted");
  } catch (const ringcore::Error& e) {
    CHECK(e.code() == ringcore::ErrorCode::kConflict);
    CHECK(std::string(e.what()).find("run run-1") != std::string::npos);
  }
  ClusterLock other("prod", "run-3");
  CHECK(cluster_lock_name("", "127.0.0.1:7070") == "127.0.0.1_7070");
}

TEST_CASE("a resumed run skips the finished steps and continues with the first unfinished one") {
  RunsDirectory runs;
  const Playbook book = questions_playbook(runs);
  std::vector<std::string> asked;
  RunOptions options;
  options.ask = [&asked](const std::string& prompt) -> std::optional<std::string> {
    asked.push_back(prompt);
    return prompt.starts_with("about b") ? "n" : "y";  // no to the second item: the run stops there
  };
  std::vector<nlohmann::ordered_json> events;
  const auto sink = [&events](const ringctl::Document& event) { events.push_back(event); };
  const RunOutcome first = start_run(book, {{"items", "a,b"}}, options, sink);
  CHECK(first.status == RunStatus::kAborted);
  CHECK(asked == std::vector<std::string>{"first? [y/N]", "about a? [y/N]", "about b? [y/N]"});
  CHECK(events.back()["event"] == "run_finished");
  CHECK(events.back()["status"] == "aborted");
  for (const auto& event : events) CHECK(event["run_id"] == first.run_id);

  RunJournal journal = load_journal(first.run_id).value_or_throw();
  CHECK(journal.status == RunStatus::kAborted);
  CHECK(journal.find("1")->state == StepState::kFinished);
  CHECK(journal.find("2.1.1")->state == StepState::kFinished);
  CHECK(journal.find("2.2.1")->state == StepState::kFailed);
  CHECK(journal.find("3") == nullptr);
  CHECK(std::filesystem::exists(first.report_path));

  asked.clear();
  events.clear();
  options.ask = [&asked](const std::string& prompt) -> std::optional<std::string> {
    asked.push_back(prompt);
    return "y";
  };
  const RunOutcome second = resume_run(first.run_id, options, sink);
  CHECK(second.status == RunStatus::kSucceeded);
  CHECK(asked == std::vector<std::string>{"about b? [y/N]", "last? [y/N]"});  // nothing finished is asked again
  int done_before = 0;
  for (const auto& event : events) done_before += event.value("status", "") == "done_before" ? 1 : 0;
  CHECK(done_before == 2);  // step 1 and 2.1.1
  CHECK(load_journal(first.run_id)->status == RunStatus::kSucceeded);
  try {
    (void)resume_run(first.run_id, options, sink);
    FAIL("a succeeded run was resumed");
  } catch (const ringcore::Error& e) {
    CHECK(e.code() == ringcore::ErrorCode::kInvalidInput);
  }
}

TEST_CASE("Ctrl-C during a step stops the run before the next one, resumable, and resume goes on from there") {
  RunsDirectory runs;
  const Playbook book = questions_playbook(runs);
  std::vector<std::string> asked;
  bool interrupted = false;
  RunOptions options;
  options.ask = [&](const std::string& prompt) -> std::optional<std::string> {
    asked.push_back(prompt);
    if (!interrupted) raise(SIGINT);  // the operator's Ctrl-C while the first step runs
    interrupted = true;
    return "y";
  };
  std::vector<nlohmann::ordered_json> events;
  const auto sink = [&events](const ringctl::Document& event) { events.push_back(event); };
  const RunOutcome first = start_run(book, {{"items", "a,b"}}, options, sink);
  CHECK(first.status == RunStatus::kInterrupted);
  CHECK(first.message == "stopped by Ctrl-C before step 2; resume with: ringctl playbook resume " + first.run_id);
  CHECK(asked == std::vector<std::string>{"first? [y/N]"});  // the step it was in finished
  CHECK(events.back()["status"] == "interrupted");
  const RunJournal journal = load_journal(first.run_id).value_or_throw();
  CHECK(journal.find("1")->state == StepState::kFinished);
  CHECK(journal.find("2") == nullptr);
  CHECK(run_status_shown(journal) == RunStatus::kInterrupted);

  asked.clear();
  const RunOutcome second = resume_run(first.run_id, options, sink);
  CHECK(second.status == RunStatus::kSucceeded);
  CHECK(asked == std::vector<std::string>{"about a? [y/N]", "about b? [y/N]", "last? [y/N]"});
}

TEST_CASE("a question that needs a typed value refuses a mismatching --var and never asks") {
  RunsDirectory runs;
  const Playbook book = parse_playbook(R"(name: typed
description: a typed confirmation
variables:
  expected: {type: string, default: "abc"}
  host_id: {type: string, default: ""}
steps:
  - ask: remove it?
    expect: "{{expected}}"
    answer_var: host_id
)",
                                       "typed.yaml")
                            .value_or_throw();
  RunOptions options;
  options.yes = true;  // --yes never answers a typed question
  int asked = 0;
  options.ask = [&asked](const std::string&) -> std::optional<std::string> {
    ++asked;
    return std::nullopt;
  };
  const auto sink = [](const ringctl::Document&) {};
  CHECK(start_run(book, {{"expected", "abc"}, {"host_id", "abd"}}, options, sink).status == RunStatus::kBlocked);
  CHECK(start_run(book, {{"expected", "abc"}, {"host_id", "abc"}}, options, sink).status == RunStatus::kSucceeded);
  CHECK(start_run(book, {{"expected", "abc"}, {"host_id", ""}}, options, sink).status == RunStatus::kAborted);
  CHECK(asked == 1);
}

TEST_CASE("a resumed run with --yes answers the question it stopped at without asking") {
  RunsDirectory runs;
  const Playbook book = questions_playbook(runs);
  int asked = 0;
  RunOptions options;
  options.ask = [&asked](const std::string&) -> std::optional<std::string> {
    ++asked;
    return std::nullopt;  // no terminal, as in CI
  };
  const auto sink = [](const ringctl::Document&) {};
  const RunOutcome first = start_run(book, {{"items", "a,b"}}, options, sink);
  REQUIRE(first.status == RunStatus::kAborted);
  CHECK(asked == 1);
  options.yes = true;
  const RunOutcome second = resume_run(first.run_id, options, sink);
  CHECK(second.status == RunStatus::kSucceeded);
  CHECK(asked == 1);  // every question, the first included, answered by --yes
  const RunJournal journal = load_journal(first.run_id).value_or_throw();
  for (const char* path : {"1", "2.1.1", "2.2.1", "3"}) {
    CAPTURE(path);
    REQUIRE(journal.find(path) != nullptr);
    CHECK(journal.find(path)->message == "yes (--yes)");
  }
}
