// The run report (report.md): built from a journal in memory as a scale-up or a scale-down
// leaves it, it states the checks with their values, the plan with the seeds' formula, the
// time per step, each topology step's bytes streamed against its planned bytes, and the
// after-checks; cleanup's bytes are shown as what it did, never counted as moved.
#include "playbook/run_report.h"

#include <doctest/doctest.h>

#include <string>

namespace {

using nlohmann::json;
using namespace ringctl::playbook;

StepRecord& add_step(RunJournal& journal, const std::string& path, const std::string& kind, const std::string& title,
                     double seconds, json result) {
  StepRecord& step = journal.record(path);
  step.kind = kind;
  step.title = title;
  step.state = StepState::kFinished;
  step.seconds = seconds;
  step.result = std::move(result);
  return step;
}

json finding(const std::string& name, const std::string& status, json value, json threshold) {
  return {{"name", name},           {"status", status}, {"message", name + " message"},
          {"nodes", json::array()}, {"value", value},   {"threshold", threshold}};
}

json check_result(const std::string& check, const std::string& status, json findings) {
  return {{"check", check}, {"status", status}, {"findings", std::move(findings)}};
}

json plan_node(const std::string& address, const std::string& role, std::uint64_t receive, int receive_ranges,
               std::uint64_t send, int send_ranges, std::uint64_t cleanup, int cleanup_ranges) {
  return {{"address", address},       {"role", role},
          {"receive_bytes", receive}, {"receive_ranges", receive_ranges},
          {"send_bytes", send},       {"send_ranges", send_ranges},
          {"cleanup_bytes", cleanup}, {"cleanup_ranges", cleanup_ranges}};
}

// What `plan add` stores for one node added to three (plan_document's shape).
json add_plan() {
  return {{"operation", "add"},
          {"nodes",
           {plan_node("10.0.0.1", "stays", 0, 0, 400, 4, 400, 4), plan_node("10.0.0.2", "stays", 0, 0, 600, 4, 600, 4),
            plan_node("new-node-1", "added", 1000, 8, 0, 0, 0, 0)}},
          {"transfers", json::array({json::object(), json::object()})},
          {"total_stream_bytes", 1000},
          {"formula",
           {{"dc", "dc1"},
            {"nodes_before", 3},
            {"nodes_added", 1},
            {"data_times_rf_bytes", 4000},
            {"stream_bytes", 1000},
            {"load_per_node_before_bytes", 1333},
            {"load_per_node_after_bytes", 1000}}},
          {"doubling", nullptr},
          {"verdict", {{"status", "go"}, {"checks", json::array()}}}};
}

// A scale-up of one node: pre-flight, plan, start, join (900 of 1000 bytes streamed), repair,
// cleanup (700 bytes), after-checks.
RunJournal scale_up_journal() {
  RunJournal journal;
  journal.run_id = "20261206T000000Z-scale-up-0001";
  journal.playbook = "scale-up";
  journal.status = RunStatus::kSucceeded;
  add_step(journal, "1", "check", "pre-flight", 0.4,
           check_result("preflight", "ok", {finding("disk_usage", "ok", 0.31, 0.5)}));
  StepRecord& plan = add_step(journal, "2", "check", "predicted movement", 0.2,
                              check_result("plan_add", "ok", {finding("rack_balance", "ok", nullptr, nullptr)}));
  plan.result["plan"] = add_plan();
  plan.result["planned_bytes"] = 1000;
  add_step(journal, "4", "foreach", "add the 1 new node(s)", 30, json::object());
  add_step(journal, "4.1.1", "act", "start new node 1", 1.5, {{"node", "127.0.0.4"}, {"launcher", "lab"}});
  add_step(journal, "4.1.2", "wait", "127.0.0.4 joins", 12.5,
           {{"node", "127.0.0.4"}, {"views", 4}, {"operation", "bootstrap"}, {"done", 900}, {"unit", "bytes"}});
  add_step(journal, "4.1.3", "act", "repair -pr on 127.0.0.4", 3,
           {{"operation", "repair"}, {"node", "127.0.0.4"}, {"done", 0}, {"unit", "bytes"}});
  add_step(journal, "5", "foreach", "cleanup", 2, json::object());
  add_step(journal, "5.1.1", "act", "cleanup on 10.0.0.1", 2,
           {{"operation", "cleanup"}, {"node", "10.0.0.1"}, {"done", 700}, {"unit", "bytes"}});
  StepRecord& all_normal =
      add_step(journal, "7", "wait", "after-check - every node up and normal", 0.3, {{"views", 4}});
  all_normal.message = "every node is up and normal in all 4 views";
  add_step(journal, "9", "check", "after-check - performance", 0.5,
           check_result("health", "warn", {finding("disk_usage", "warn", 0.72, 0.7)}));
  return journal;
}

std::string section(const std::string& report, const std::string& heading) {
  const std::size_t begin = report.find("\n## " + heading + "\n");
  REQUIRE_MESSAGE(begin != std::string::npos, "no section " << heading << " in\n" << report);
  const std::size_t end = report.find("\n## ", begin + 1);
  return report.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the report sets the join's bytes streamed against its planned bytes, and cleanup's bytes apart") {
  const std::string report = run_report_markdown(scale_up_journal());
  INFO(report);
  CHECK_FALSE(has(report, "1600"));  // the join's 900 and cleanup's 700 are never one figure
  const std::string moved = section(report, "Data moved against the plan");
  CHECK(has(moved, "| 4.1.2 | join | 127.0.0.4 | 1000 bytes | 900 bytes | 90.0% |"));
  CHECK(has(moved, "| total | | | 1000 bytes | 900 bytes | 90.0% |"));
  CHECK(has(moved, "- moved: 900 bytes of 1000 bytes planned (90.0%)"));
  CHECK(has(moved, "- 5.1.1 cleanup on 10.0.0.1: 700 bytes"));
  CHECK_FALSE(has(moved, "| 5.1.1 |"));
  CHECK_FALSE(has(moved, "| 4.1.3 |"));
}

TEST_CASE("the report has the checks with their values, the plan with the seeds' formula, and time per step") {
  const std::string report = run_report_markdown(scale_up_journal());
  INFO(report);
  const std::string checks = section(report, "Checks");
  CHECK(has(checks, "### 1 pre-flight (ok)"));
  CHECK(has(checks, "- disk_usage: ok, value 0.31 (threshold 0.5) — disk_usage message"));
  CHECK(has(checks, "- rack_balance: ok — rack_balance message"));
  CHECK_FALSE(has(checks, "after-check"));
  CHECK_FALSE(has(checks, "joins"));  // a join's wait is part of the change, not a check

  const std::string plan = section(report, "Plan");
  CHECK(has(plan, "- operation: add, verdict go"));
  CHECK(has(plan, "- to stream: 1000 bytes in 2 range transfers"));
  CHECK(has(plan,
            "- seeds' formula for dc1 (N=3, k=1): data x RF x k / (N + k) = 1000 bytes; per node current x N "
            "/ (N + k) = 1333 bytes (1.3 KiB) -> 1000 bytes"));
  CHECK(has(plan, "| new-node-1 | added | 1000 bytes in 8 ranges | 0 bytes in 0 ranges | 0 bytes in 0 ranges |"));
  CHECK(has(plan, "| 10.0.0.2 | stays | 0 bytes in 0 ranges | 600 bytes in 4 ranges | 600 bytes in 4 ranges |"));

  const std::string steps = section(report, "Steps");
  CHECK(has(steps, "| 4.1.2 | 127.0.0.4 joins | finished | 12.5 s |"));
  CHECK(has(steps, "| 5.1.1 | cleanup on 10.0.0.1 | finished | 2.0 s |"));

  const std::string after = section(report, "After-checks");
  CHECK(has(after, "### 7 after-check - every node up and normal (finished)"));
  CHECK(has(after, "- every node is up and normal in all 4 views"));
  CHECK(has(after, "- disk_usage: warn, value 0.72 (threshold 0.7) — disk_usage message"));
  CHECK_FALSE(has(after, "pre-flight"));
}

TEST_CASE("a decommission is set against what the plan has the removed node send") {
  RunJournal journal;
  journal.run_id = "20261206T000000Z-scale-down-0001";
  StepRecord& plan =
      add_step(journal, "1", "check", "plan remove", 0.2, check_result("plan_remove", "ok", json::array()));
  plan.result["plan"] = {
      {"operation", "remove"},
      {"nodes",
       {plan_node("10.0.0.1", "stays", 3000, 6, 0, 0, 0, 0), plan_node("10.0.0.3", "removed", 0, 0, 3000, 6, 0, 0)}},
      {"total_stream_bytes", 3000},
      {"formula", nullptr}};
  add_step(journal, "3", "act", "decommission 10.0.0.3", 20,
           {{"operation", "decommission"}, {"node", "10.0.0.3"}, {"done", 3300}, {"unit", "bytes"}});
  const std::string report = run_report_markdown(journal);
  INFO(report);
  const std::string moved = section(report, "Data moved against the plan");
  CHECK(has(moved, "| 3 | decommission | 10.0.0.3 | 3000 bytes (2.93 KiB) | 3300 bytes (3.22 KiB) | 110.0% |"));
  CHECK(has(moved, "- moved: 3300 bytes (3.22 KiB) of 3000 bytes (2.93 KiB) planned (110.0%)"));
  CHECK(has(section(report, "After-checks"), "None (no step after the last change)."));
}

TEST_CASE("a repair run's report lists per node the segments repaired and the bytes streamed") {
  RunJournal journal;
  journal.run_id = "20261206T000000Z-repair-0001";
  journal.playbook = "repair";
  const auto repair = [](const std::string& node, const std::string& range, std::uint64_t bytes) {
    json result = {{"operation", "repair"}, {"node", node}, {"done", 4}, {"unit", "ranges"}, {"bytes_streamed", bytes}};
    if (!range.empty()) result["range"] = range;
    return result;
  };
  add_step(journal, "2.1.1.1", "act", "repair -pr on 10.0.0.1, segment 1 of 2", 1, repair("10.0.0.1", "(5,10]", 1000));
  add_step(journal, "2.1.1.2", "act", "repair -pr on 10.0.0.1, segment 2 of 2", 1, repair("10.0.0.1", "(10,5]", 24));
  // Killed while it ran: not repaired, whatever its result says.
  StepRecord& running =
      add_step(journal, "2.2.1.1", "act", "repair -pr on 10.0.0.2, segment 1 of 2", 1, repair("10.0.0.2", "(0,7]", 9));
  running.state = StepState::kStarted;
  add_step(journal, "2.3.1", "act", "repair -pr on 10.0.0.3", 1, repair("10.0.0.3", "", 0));
  const std::string report = run_report_markdown(journal);
  INFO(report);
  const std::string repairs = section(report, "Repairs");
  CHECK(has(repairs, "| 10.0.0.1 | 2: (5,10] (10,5] | 1024 bytes (1 KiB) |"));
  CHECK(has(repairs, "| 10.0.0.3 | 1: all primary ranges | 0 bytes |"));
  CHECK_FALSE(has(repairs, "10.0.0.2"));
  // A scale-up's repair -pr of its new node is listed too; a run without a repair has no section.
  CHECK(has(section(run_report_markdown(scale_up_journal()), "Repairs"), "| 127.0.0.4 | 1: all primary ranges |"));
  journal.steps.clear();
  CHECK_FALSE(has(run_report_markdown(journal), "## Repairs"));
}
