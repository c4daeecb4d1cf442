// The playbooks with the node of their running step hung (SIGSTOP) or killed (SIGKILL), on one
// lab (127.0.105.x) under a QUORUM writer, each run resumed to the end afterwards:
// - scale-up 3 -> 4: the new node hung while it joins;
// - scale-down 4 -> 3: the leaving node hung while it decommissions;
// - repair by token segments: the node whose segment repair job runs hung;
// - rolling restart: the restarted node hung while its readiness is waited for;
// - rebalance (a node added without cleanup): the node being cleaned SIGKILLed during the first
//   cleanup job, then, in the resumed run, the node of its first cleanup hung.
// Each fault ends the run in a documented state naming the node (failed, exit 2, or timed out,
// exit 3); the node resumed (SIGCONT) or started again, `playbook resume --yes` finishes the run
// (exit 0) without running again the steps done before. Every acknowledged row reads back at
// QUORUM afterwards (`lab verify`).
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ringruntime/wait.h"
#include "support/background_process.h"
#include "support/json_lines.h"
#include "support/playbook_lab.h"
#include "support/run_process.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::Background;
using test_support::count_events;
using test_support::InterruptedRun;
using test_support::is_event;
using test_support::member_at;
using test_support::member_in;
using test_support::node_pid;
using test_support::PlaybookLab;
using test_support::ProcessResult;
using test_support::QuorumWriter;
using test_support::run_interrupted;
using test_support::run_watched;
using test_support::seconds_since;

// A run stopped by the fault of `node`: exit `exit_code`, status and error `error` (a step's
// error: "failed", "timed_out" or "outcome_unknown"), the message naming the node and saying
// `what`.
void check_stopped_naming(const InterruptedRun& run, int exit_code, const std::string& error, const std::string& node,
                          const std::string& what) {
  INFO(run.out);
  CHECK(run.exit_code == exit_code);
  CHECK(run.last()["event"] == "run_finished");
  CHECK(run.last()["status"] == (error == "outcome_unknown" ? "failed" : error));
  CHECK(run.last()["error"] == error);
  const std::string message = run.last().value("message", "");
  CHECK_MESSAGE(message.find(node) != std::string::npos, message);
  CHECK_MESSAGE(message.find(what) != std::string::npos, message);
}

// `playbook resume RUN_ID --yes` to its end: CHECKs that it succeeds (exit 0). Its events.
std::vector<json> resume_to_end(const PlaybookLab& lab, const std::string& run_id) {
  const ProcessResult resumed = lab.playbook({"resume", run_id, "--yes"});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  const std::vector<json> events = test_support::json_lines(resumed.out);
  REQUIRE(!events.empty());
  CHECK(events.back()["status"] == "succeeded");
  return events;
}

// A node process hung by the test (SIGSTOP), from when, until resume() (SIGCONT).
class HungProcess {
 public:
  void stop(int pid) {
    REQUIRE(kill(pid, SIGSTOP) == 0);
    pid_ = pid;
    stopped_at_ = std::chrono::steady_clock::now();
  }
  bool stopped() const { return pid_ != 0; }
  // Taken as the run ends: how long it took the run to end after the stop.
  double seconds_stopped() const { return seconds_since(stopped_at_); }
  void resume() const {
    REQUIRE(stopped());
    REQUIRE(kill(pid_, SIGCONT) == 0);
  }

 private:
  int pid_ = 0;
  std::chrono::steady_clock::time_point stopped_at_;
};

// What the test saw of each case, printed at the end for docs/reliability.md.
std::ostringstream seen;
void record(const std::string& what, const InterruptedRun& run, double ended_after) {
  seen << what << ": exit " << run.exit_code << ", " << run.last().value("status", "") << ", " << ended_after
       << " s after the fault: " << run.last().value("message", "") << "\n";
}

// How many of `events` finish the cleanup on `node` with `status`.
int cleanups_finished(const std::vector<json>& events, const std::string& node, const std::string& status) {
  int count = 0;
  for (const json& e : events) {
    count += e["event"] == "step_finished" && e.value("title", "") == "cleanup on " + node && e["status"] == status;
  }
  return count;
}

// Appends `line` to the ringnode config of the lab member `name`: read when it next starts.
void append_node_config(const PlaybookLab& lab, const std::string& name, const std::string& line) {
  std::ofstream config(std::filesystem::path(lab.directory()) / name / "ringnode.yaml", std::ios::app);
  REQUIRE(config.good());
  config << line << "\n";
}

}  // namespace

TEST_CASE("playbooks with their step's own node hung or killed, resumed to the end") {
  PlaybookLab lab("node-stopped", "127.0.105.", {"27060", "30060", "8060"});
  const auto test_started = std::chrono::steady_clock::now();
  // About 4 MB on every node (rf 3 of 3): a join or decommission at 0.05 MiB/s streams for
  // seconds past its limiter's 1 MiB burst.
  test_support::up_with_rows(lab, 3, 4000);
  const std::string lab_var = lab.lab_var();
  QuorumWriter writer(lab);

  // Scale-up: the new node hung (SIGSTOP) mid-join. Its peers convict it and see it down; the
  // join's down watch (30 s) fails the run, naming it and saying to restart it. Resumed (SIGCONT)
  // and restarted as the message says, its bootstrap resumes and `playbook resume` finishes.
  const std::string joining = lab.address(4);
  {
    HungProcess node;
    const InterruptedRun hung =
        run_interrupted(test_support::scale_up_throttled(lab), [&] { node.stop(node_pid(lab, joining)); });
    record("scale-up, the new node hung", hung, node.seconds_stopped());
    node.resume();
    // For how long as measured: the down watch's 30 s, or a second more on a loaded machine.
    check_stopped_naming(hung, 2, "failed", joining, "has been down in every other node's view for ");
    CHECK_MESSAGE(hung.last().value("message", "").find(" s: restart it (its bootstrap resumes)") != std::string::npos,
                  hung.last().dump());
    CHECK(count_events(hung.events, "step_finished", "4.1.2", "failed") == 1);
    const std::string name = member_at(lab, joining)["name"];
    REQUIRE(lab.lab({"stop", name}).exit_code == 0);
    // `lab start` of a joining node returns once it is normal: beside the resumed run.
    Background started(lab.command({"start", name, "--timeout", "300"}));
    test_support::wait_bootstrap_running(lab, joining);
    REQUIRE(ringruntime::wait_until([&] { return lab.set_stream_throughput(joining, "0"); }, std::chrono::seconds(60),
                                    std::chrono::milliseconds(250)));
    const std::vector<json> events = resume_to_end(lab, hung.run_id());
    CHECK(count_events(events, "step_finished", "4.1.1", "done_before") == 1);  // not started a second time
    CHECK(count_events(events, "node_starting", "4.1.1") == 0);
    CHECK(count_events(events, "step_finished", "4.1.2", "ok") == 1);
    CHECK(started.wait() == 0);
    CHECK(lab.members() == 4);
  }

  // Scale-down: the leaving node hung mid-decommission.
  {
    HungProcess node;
    const InterruptedRun hung =
        test_support::scale_down_interrupted(lab, joining, [&] { node.stop(node_pid(lab, joining)); });
    record("scale-down, the leaving node hung", hung, node.seconds_stopped());
    node.resume();
    check_stopped_naming(hung, 2, "outcome_unknown", joining, "lost sight of decommission job");
    CHECK(count_events(hung.events, "step_finished", "3", "failed") == 1);
    REQUIRE(ringruntime::wait_until([&] { return lab.set_stream_throughput(joining, "0"); }, std::chrono::seconds(60),
                                    std::chrono::milliseconds(250)));
    const std::vector<json> events = resume_to_end(lab, hung.run_id());
    CHECK(count_events(events, "step_finished", "1", "done_before") == 1);
    CHECK(count_events(events, "step_finished", "2", "done_before") == 1);
    CHECK(count_events(events, "step_finished", "3", "ok") == 1);
    CHECK(lab.members() == 3);
  }

  // Repair by token segments: the second node hung at its first segment's `job` event.
  const std::vector<std::string> members = {lab.address(1), lab.address(2), lab.address(3)};
  {
    const int pid = member_at(lab, members[1])["pid"];  // looked up first so that the stop is at once
    HungProcess node;
    const InterruptedRun hung = run_watched({"run", "repair", "--var", "segments=2", "--yes"}, [&](const json& e) {
      if (is_event(e, "job", "2.2.1.1.1")) node.stop(pid);
    });
    record("repair, the second node hung at its first segment", hung, node.seconds_stopped());
    node.resume();
    check_stopped_naming(hung, 2, "outcome_unknown", members[1], "lost sight of repair job");
    CHECK(count_events(hung.events, "step_finished", "2.2.1.1.1", "failed") == 1);
    const std::vector<json> events = resume_to_end(lab, hung.run_id());
    for (const char* step : {"1", "2.1.1.1.1", "2.1.1.2.1"})
      CHECK_MESSAGE(count_events(events, "step_finished", step, "done_before") == 1, step);
    for (const char* step : {"2.2.1.1.1", "2.2.1.2.1", "2.3.1.1.1", "2.3.1.2.1"})
      CHECK_MESSAGE(count_events(events, "step_finished", step, "ok") == 1, step);
  }

  // A node added without cleanup leaves the others in cleanup debt, for the rebalance below; the
  // nodes' cleanups paced by compaction_throughput_mib (read at their restart, the rolling
  // restart's) so that a cleanup job runs for seconds.
  REQUIRE(lab.lab({"add", "--timeout", "120"}).exit_code == 0);
  for (const json& node : lab.nodes()) append_node_config(lab, node["name"], "compaction_throughput_mib: 0.5");

  // Rolling restart: the first node hung once restarted, while its readiness is waited for: the
  // wait ends at ready_timeout, timed out (exit 3), naming it.
  {
    const int ready_timeout = 15;
    HungProcess node;
    const std::vector<std::string> args = {
        "run", "rolling-restart", "--var", lab_var, "--var", "ready_timeout=" + std::to_string(ready_timeout), "--yes"};
    const InterruptedRun hung = run_watched(args, [&](const json& e) {
      if (is_event(e, "step_started", "3.1.2")) node.stop(node_pid(lab, members[0]));  // restarted: a new pid
    });
    record("rolling restart, the first node hung in its readiness wait", hung, node.seconds_stopped());
    node.resume();
    check_stopped_naming(hung, 3, "timed_out", members[0],
                         "timed out after " + std::to_string(ready_timeout) + " s waiting until every node");
    CHECK(count_events(hung.events, "step_finished", "3.1.2", "timed_out") == 1);
    const std::vector<json> events = resume_to_end(lab, hung.run_id());
    CHECK(count_events(events, "step_finished", "3.1.1", "done_before") == 1);
    CHECK(count_events(events, "step_finished", "3.1.2", "ok") == 1);
    for (const json& node : lab.nodes()) {
      int stopped = 0;
      for (const json& e : events) stopped += e["event"] == "node_stopping" && e["node"] == node["address"] ? 1 : 0;
      CHECK_MESSAGE(stopped == (node["address"] == members[0] ? 0 : 1), node);
    }
  }

  // Rebalance: the node of the first cleanup SIGKILLed at its `job` event: failed, its outcome
  // unknown, naming the node; started again, the resumed run's first cleanup's node hung at its
  // `job` event; resumed (SIGCONT), the last resume cleans what is left.
  {
    REQUIRE(!test_support::nodes_in_cleanup_debt().empty());
    json before = lab.nodes();
    std::string killed_node;
    std::chrono::steady_clock::time_point killed_at;
    const InterruptedRun killed = run_watched({"run", "rebalance", "--var", lab_var, "--yes"}, [&](const json& e) {
      if (!killed_node.empty() || e.value("event", "") != "job") return;
      killed_node = e["node"];
      REQUIRE(kill(member_in(before, killed_node)["pid"].get<int>(), SIGKILL) == 0);
      killed_at = std::chrono::steady_clock::now();
    });
    const double killed_ended_after = seconds_since(killed_at);
    record("rebalance, the node of the first cleanup killed", killed, killed_ended_after);
    check_stopped_naming(killed, 2, "outcome_unknown", killed_node, "lost sight of cleanup job");
    REQUIRE(lab.lab({"start", member_in(before, killed_node)["name"]}).exit_code == 0);

    before = lab.nodes();
    std::string hung_node;
    HungProcess node;
    const InterruptedRun hung = run_watched({"resume", killed.run_id(), "--yes"}, [&](const json& e) {
      if (node.stopped() || e.value("event", "") != "job" || e["reattached"] != false || e["node"] == killed_node)
        return;
      hung_node = e["node"];
      node.stop(member_in(before, hung_node)["pid"]);
    });
    record("rebalance resumed, the node of its next cleanup hung", hung, node.seconds_stopped());
    node.resume();
    check_stopped_naming(hung, 2, "outcome_unknown", hung_node, "lost sight of cleanup job");
    CHECK(cleanups_finished(hung.events, killed_node, "ok") == 1);  // its job gone with the node: run again
    const std::vector<json> events = resume_to_end(lab, killed.run_id());
    CHECK(cleanups_finished(events, killed_node, "done_before") == 1);  // not run a third time
    CHECK(cleanups_finished(events, hung_node, "ok") == 1);
    for (const json& e : events) {  // the after-check found no debt left
      CHECK_MESSAGE(!(e["event"] == "check" && e.value("name", "") == "cleanup_debt" && e["status"] != "ok"), e);
    }
  }

  const test_support::WritesMade writes = test_support::writes_made(writer);
  CHECK(writes.acknowledged > 0);
  CHECK(writes.failed == 0);  // a node of three hung or killed leaves QUORUM its two others
  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM", "-o", "json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  MESSAGE(seen.str() << "writes " << writes.acknowledged << " acknowledged, " << writes.failed << " failed; verify "
                     << verify.out << "; " << seconds_since(test_started) << " s");
}
