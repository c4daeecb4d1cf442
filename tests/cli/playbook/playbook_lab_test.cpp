// The playbooks on real labs (ringnode and ringd processes). Seven test cases, each a lab on
// ports of its own, which ctest runs as seven tests (in parallel):
// - scale-up 3 -> 4 and scale-down 4 -> 3 under a QUORUM writer: a dry run changes nothing;
//   removing a node below rf and a host-id mismatch are refused with exit 5 before anything
//   changes; the CLI SIGKILLed while the new node joins and `playbook resume` finishing the run
//   without a second node; a pre-flight refusal with a node down; a join stalled past the
//   critical threshold stops the run (exit 3), the new node SIGKILLed under the resumed run
//   ends it resumable again, and resume finishes it once the node is started again;
// - on four nodes, a rolling restart under writers with no failed write, the CLI SIGKILLed
//   after the first node's restart, resumed, that node SIGKILLed in its readiness wait (timed
//   out), started again and resumed, the next node's agent SIGKILLed in its readiness wait
//   (rides through); the repair playbook by token segments, the CLI SIGKILLed while a segment's
//   job runs and the run resumed (no finished segment run again), then a segment's agent
//   SIGKILLed (rides through) and a segment's node SIGKILLed (failed, resumed); a node added
//   without cleanup and the rebalance playbook SIGKILLed in its first cleanup, resumed, a
//   cleanup's agent SIGKILLed under it;
// - scale-up 4 -> 6 (two nodes in one run; the first new node, which the second took ranges
//   from, cleaned too) and scale-down 6 -> 3 (the seed last, with the
//   seed-list reminder) under QUORUM writers, ownership within the allocator's target after each;
//   the first scale-down's leaving node SIGKILLed mid-decommission (the run ends exit 7 saying to
//   start it and resume; resumed, it finishes), the second's agent (the run rides through);
// - disk headroom: on nodes of a small disk, scale-up refuses a node over half full and
//   scale-down refuses receivers that would pass 80%;
// - scale-up 3 -> 4 with a stream source SIGKILLed, then hung, then the new node's agent
//   SIGKILLed, and scale-down 4 -> 3 with a receiver SIGKILLed, then hung: each fault ends the
//   run failed (exit 2) naming the peer, or rides through (the agent); resumed, it finishes;
// - repair (2 segments per node) and rolling restart on 3 nodes, a peer SIGKILLed, then hung:
//   the repair fails (exit 2) naming it, the rolling restart's readiness gate holds and times
//   out (exit 3) naming it, restarting no other node; resumed, each finishes, no segment
//   repaired and no node restarted twice.
// Every acknowledged write is readable after each.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ringruntime/wait.h"
#include "support/background_process.h"
#include "support/health_checks.h"
#include "support/json_lines.h"
#include "support/playbook_lab.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"
#include "support/test_files.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::Background;
using test_support::check_failed_naming;
using test_support::check_named;
using test_support::check_no_failed_write;
using test_support::count_events;
using test_support::host_id_of;
using test_support::InterruptedRun;
using test_support::is_event;
using test_support::json_lines;
using test_support::kill_member;
using test_support::member_at;
using test_support::member_in;
using test_support::member_name;
using test_support::node_pid;
using test_support::PlaybookLab;
using test_support::ProcessResult;
using test_support::QuorumWriter;
using test_support::restart_agent_killed;
using test_support::run_interrupted;
using test_support::run_killed_at;
using test_support::run_watched;
using test_support::scale_down_interrupted;
using test_support::scale_down_throttled;
using test_support::seconds_since;
using test_support::wait_bootstrap_running;
using test_support::writes_made;
using test_support::WritesMade;

// The row of `report`'s "Data moved against the plan" table that starts with `start` ("" when
// none): a topology step's planned and streamed bytes and their ratio.
std::string movement_row(const std::string& report, const std::string& start) {
  const std::size_t at = report.find(start, report.find("## Data moved against the plan"));
  return at == std::string::npos ? "" : report.substr(at, report.find('\n', at) - at);
}

// The "check" event of a run's seed_lists after-check (null when the run sent none).
json seed_lists_event(const std::string& run_output) {
  for (const json& e : json_lines(run_output)) {
    if (e.value("event", "") == "check" && e.value("check", "") == "seed_lists") return e;
  }
  return nullptr;
}

// The last "check" event of a run for finding `name` (an after-check's, when the run has one);
// null when the run sent none.
json last_finding(const std::string& run_output, const std::string& name) {
  json last;
  for (const json& e : json_lines(run_output)) {
    if (e.value("event", "") == "check" && e.value("name", "") == name) last = e;
  }
  return last;
}

// After a scale-up or scale-down, the after-checks see every node's load as the run left it:
// the cleanups' ends, not the loads gossip carried before them.
void check_loads_settled(const std::string& run_output) {
  for (const char* finding : {"cleanup_debt", "load_skew"}) {
    const json event = last_finding(run_output, finding);
    CHECK_MESSAGE(event["status"] == "ok", event);
    if (event["status"] == "ok") continue;
    // What the loads were made of: the run's other checks that were not ok (an agent that did
    // not answer leaves its node with the gossiped load), and the loads as they are now.
    for (const json& e : json_lines(run_output)) {
      if (e.value("event", "") == "check" && e.value("status", "") != "ok") MESSAGE("not ok: " << e.dump());
    }
    MESSAGE("rebalance now: " << test_support::run_process({RINGCTL_BIN, "-o", "json", "rebalance"}).out);
    MESSAGE("status now: " << test_support::run_process({RINGCTL_BIN, "-o", "json", "status"}).out);
  }
}

// What a dry run must leave as it was: every token's owner, status and state (`ringctl ring`),
// and every node's jobs (`ringctl jobs` through each agent). Loads are left out: gossip
// publishes them every few rounds, whatever a run does.
json ring_and_jobs(const std::vector<std::string>& agents) {
  json state;
  const ProcessResult ring = test_support::run_process({RINGCTL_BIN, "-o", "json", "ring"});
  REQUIRE_MESSAGE(ring.exit_code == 0, ring.err);
  const json doc = json::parse(ring.out);
  for (const json& dc : doc["datacenters"]) {
    for (const json& token : dc["tokens"]) {
      state["ring"].push_back({token["token"], token["address"], token["status"], token["state"]});
    }
  }
  for (const std::string& agent : agents) {
    const ProcessResult jobs = test_support::run_process({RINGCTL_BIN, "-o", "json", "jobs", "-h", agent});
    REQUIRE_MESSAGE(jobs.exit_code == 0, jobs.err);
    state["jobs"][agent] = json::parse(jobs.out)["jobs"];
  }
  return state;
}

// The worst DC's ownership spread as rebalance measures it: max over mean of effective ownership.
double ownership_max_over_mean() {
  const ProcessResult rebalance = test_support::run_process({RINGCTL_BIN, "-o", "json", "rebalance"});
  REQUIRE_MESSAGE(!rebalance.out.empty(), rebalance.err);
  const json report = json::parse(rebalance.out);
  double worst = 0;
  for (const json& dc : report["datacenters"]) worst = std::max(worst, dc["ownership_max_over_mean"].get<double>());
  return worst;
}

// Whether `ringctl plan add` sees a load for every node: their agents report loads every few
// gossip rounds, so a plan made just after the first writes may still plan 0 bytes.
bool loads_reported() {
  const ProcessResult plan = test_support::run_process({RINGCTL_BIN, "-o", "json", "plan", "add"});
  if (plan.exit_code != 0) return false;
  const json doc = json::parse(plan.out);
  return std::all_of(doc["nodes"].begin(), doc["nodes"].end(),
                     [](const json& node) { return node["role"] == "added" || node["load_before_bytes"] > 0; });
}

// `playbook resume RUN_ID --yes` of a run killed at a step's `job` event, `on_event` called at
// each of its events: CHECKs that it succeeds (exit 0), and that the step killed under either
// follows the job the killed run had started (reattached, the same id) or, had that job ended
// between the event and the kill, is done before: never a second job. Its events;
// `followed_again` 1 when the job was followed.
std::vector<json> resume_killed_at_job(
    const InterruptedRun& killed, int& followed_again,
    const std::function<void(const json&)>& on_event = [](const json&) {}) {
  const std::string step = killed.last()["step"], job = killed.last()["job"];
  const InterruptedRun resumed = run_watched({"resume", killed.run_id(), "--yes"}, on_event);
  INFO(resumed.out);
  CHECK(resumed.exit_code == 0);
  const std::vector<json>& events = resumed.events;
  CHECK(resumed.last()["status"] == "succeeded");
  followed_again = count_events(events, "job", step);
  CHECK(followed_again + count_events(events, "step_finished", step, "done_before") == 1);
  for (const json& e : events) {
    if (is_event(e, "job", step)) CHECK_MESSAGE((e["reattached"] == true && e["job"] == job), e);
  }
  return events;
}

}  // namespace

TEST_CASE(
    "scale-up and scale-down playbooks on a lab under a QUORUM writer, resumed after a SIGKILL mid-join and "
    "mid-decommission") {
  PlaybookLab lab("resume", "127.0.64.", {"26060", "29060", "7660"});
  const ProcessResult up = lab.up(3);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const std::string lab_var = lab.lab_var();
  lab.must({"stress", "--rows", "2000", "--cl", "QUORUM"});

  {  // --dry-run prints every step and changes nothing
    const std::vector<std::string> agents = {"127.0.64.1:7660", "127.0.64.2:7660", "127.0.64.3:7660"};
    const json before = ring_and_jobs(agents);
    REQUIRE(before["ring"].size() == 3 * 16);
    const ProcessResult dry = lab.playbook({"run", "scale-up", "--var", lab_var, "--dry-run"});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    const auto events = json_lines(dry.out);
    REQUIRE(!events.empty());
    CHECK(events.back()["event"] == "run_finished");
    CHECK(events.back()["status"] == "succeeded");
    int would = 0;
    for (const json& e : events) would += e["event"] == "would" ? 1 : 0;
    CHECK(would >= 4);             // the question, start, join, repair: every step printed
    int gaining = 0, sending = 0;  // the plan event: what each node would gain and send
    for (const json& e : events) {
      if (e["event"] != "plan") continue;
      CHECK(e["nodes"].size() == 4);
      for (const json& node : e["nodes"]) {
        // Ranges, not bytes: the fresh lab's agents may not have reported a load yet.
        gaining += node["role"] == "added" && node["receive_ranges"] > 0 ? 1 : 0;
        sending += node["role"] == "stays" && node["send_ranges"] > 0 ? 1 : 0;
      }
    }
    CHECK(gaining == 1);
    CHECK(sending >= 1);
    CHECK(lab.members() == 3);
    CHECK(ring_and_jobs(agents) == before);
    CHECK_FALSE(std::filesystem::exists(lab.runs() / "locks"));  // no run was journaled
  }

  // Removing a node of three with rf 3: refused before anything changes (exit 5), naming the check.
  const ProcessResult below_rf =
      lab.playbook({"run", "scale-down", "--var", "node=127.0.64.3", "--var", lab_var, "--yes"});
  INFO(below_rf.out << below_rf.err);
  CHECK(below_rf.exit_code == 5);
  CHECK(json_lines(below_rf.out).back()["message"].get<std::string>().find("replication_factor") != std::string::npos);
  CHECK(lab.members() == 3);

  // Scale-up with a writer at QUORUM, the CLI killed while the new node joins.
  REQUIRE(ringruntime::wait_until(loads_reported, std::chrono::seconds(60), std::chrono::milliseconds(500)));
  Background writer({RINGCTL_BIN, "lab", "--dir", lab.directory(), "stress", "--rows", "20000", "--cl", "QUORUM"});
  // Killed once the join is being waited for.
  const std::string run_id = run_killed_at({"run", "scale-up", "--var", lab_var, "--yes"}, [](const json& e) {
                               return is_event(e, "step_started", "4.1.2");
                             }).run_id();
  const ProcessResult runs = lab.playbook({"runs"});
  REQUIRE(runs.exit_code == 0);
  CHECK(json::parse(runs.out)["runs"][0]["status"] == "interrupted");

  const ProcessResult resumed = lab.playbook({"resume", run_id});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  const auto events = json_lines(resumed.out);
  CHECK(count_events(events, "step_finished", "4.1.1", "done_before") == 1);  // the node was not started again
  CHECK(count_events(events, "node_starting", "4.1.1") == 0);
  CHECK(count_events(events, "step_finished", "4.1.2", "ok") == 1);
  CHECK(events.back()["status"] == "succeeded");
  const json added = lab.nodes();
  REQUIRE(added.size() == 4);       // one node added, not two
  CHECK(added[3]["tokens"] == 16);  // the tokens it chose, recorded once it joined
  CHECK(writer.wait() == 0);        // no QUORUM write failed
  {  // the report sets the join's bytes streamed against the plan's, with nothing unknown
    const std::string report = test_support::read_file((lab.runs() / run_id / "report.md").string());
    INFO(report);
    const std::string join = movement_row(report, "| 4.1.2 | join | 127.0.64.4 | ");
    CHECK(!join.empty());
    CHECK(join.find('?') == std::string::npos);
    CHECK(join.find("| 0 bytes |") == std::string::npos);  // something planned, something streamed
    CHECK(!movement_row(report, "| total |").empty());
  }

  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);

  // A host id that is not the node's: refused (exit 5) naming it, nothing decommissioned.
  const ProcessResult mismatch = lab.playbook(
      {"run", "scale-down", "--var", "node=127.0.64.4", "--var", "host_id=not-its-host-id", "--var", lab_var, "--yes"});
  INFO(mismatch.out << mismatch.err);
  CHECK(mismatch.exit_code == 5);
  CHECK(json_lines(mismatch.out).back()["message"].get<std::string>().find("host_id=not-its-host-id does not match") !=
        std::string::npos);
  CHECK(lab.members() == 4);

  // Scale-down 4 -> 3: the added node, its host id given.
  // Its host id, as the refused run's journal recorded it from the plan.
  const std::string refused_run = json_lines(mismatch.out).back()["run_id"];
  const json journal = json::parse(std::ifstream(lab.runs() / refused_run / "journal.json"));
  const std::string host_id = journal["steps"][0]["exports"].value("target_host_id", "");
  REQUIRE(!host_id.empty());
  // The CLI is SIGKILLed while the node streams its data away (held there by its stream
  // throughput, past the limiter's 1 MiB burst); `playbook resume` re-attaches to the running
  // decommission (the node hands back the same job, none started again) and finishes the run,
  // the steps done before not run again.
  const std::string leaving = "127.0.64.4";
  REQUIRE(lab.set_stream_throughput(leaving, "0.05"));
  std::string down_id, decommission_job;
  {
    Background run({RINGCTL_BIN, "-o", "json", "playbook", "run", "scale-down", "--var", "node=127.0.64.4", "--var",
                    "host_id=" + host_id, "--var", lab_var, "--yes"});
    bool midway = false;
    for (std::string line = run.next_line(); !line.empty() && !midway; line = run.next_line()) {
      const json event = json::parse(line);
      down_id = event.value("run_id", down_id);
      if (event["event"] == "job") decommission_job = event.value("job", "");
      midway = event["event"] == "progress" && event["done"] > 0 && event["done"] < event["total"];
    }
    REQUIRE_MESSAGE(midway, "the run never showed the decommission streaming");
    run.kill_and_reap();
  }
  REQUIRE(!decommission_job.empty());
  Background down({RINGCTL_BIN, "-o", "json", "playbook", "resume", down_id});
  std::vector<json> down_events;
  for (std::string line = down.next_line(); !line.empty(); line = down.next_line()) {
    down_events.push_back(json::parse(line));
    if (down_events.back()["event"] == "job") {  // re-attached: now let it finish
      CHECK(down_events.back()["reattached"] == true);
      CHECK(down_events.back()["job"] == decommission_job);
      REQUIRE(lab.set_stream_throughput(leaving, "0"));
    }
  }
  CHECK(down.wait() == 0);
  CHECK(count_events(down_events, "step_finished", "1", "done_before") == 1);  // the pre-flight
  CHECK(count_events(down_events, "step_finished", "2", "done_before") == 1);  // the host id asked
  CHECK(count_events(down_events, "job", "3") == 1);
  CHECK(count_events(down_events, "step_finished", "3", "ok") == 1);
  REQUIRE(!down_events.empty());
  CHECK(down_events.back()["status"] == "succeeded");
  {
    const std::string report = test_support::read_file((lab.runs() / down_id / "report.md").string());
    INFO(report);
    const std::string decommission = movement_row(report, "| 3 | decommission | 127.0.64.4 | ");
    CHECK(!decommission.empty());
    CHECK(decommission.find('?') == std::string::npos);
  }
  CHECK(lab.members() == 3);
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);

  // A node down in the views: the scale-up pre-flight refuses (exit 5) naming it, nothing starts.
  REQUIRE(lab.lab({"kill", "node3"}).exit_code == 0);
  const bool seen_down = ringruntime::wait_until(
      [] {
        return test_support::run_process({RINGCTL_BIN, "-o", "json", "health"}).exit_code == 5;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  REQUIRE(seen_down);
  const ProcessResult with_node_down = lab.playbook({"run", "scale-up", "--var", lab_var, "--yes"});
  INFO(with_node_down.out << with_node_down.err);
  CHECK(with_node_down.exit_code == 5);
  const std::string refusal = json_lines(with_node_down.out).back()["message"];
  CHECK(refusal.find("preflight") != std::string::npos);
  CHECK(refusal.find("127.0.64.3") != std::string::npos);
  CHECK(lab.members() == 3);
  REQUIRE(lab.lab({"start", "node3"}).exit_code == 0);
  // The agents see it back at their next collection.
  REQUIRE(ringruntime::wait_until(
      [] {
        return test_support::run_process({RINGCTL_BIN, "-o", "json", "health"}).exit_code == 0;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500)));

  // A join whose streaming stalls past the critical threshold (the new node limited to 10 KiB/s
  // after its first MiB, a page of 256 KiB: no progress for 25 s; critical after 4 s) stops the
  // run with exit 3, resumable; resumed, the new node is SIGKILLed under the run, which ends
  // resumable too; the node started again and the limit lifted, resume finishes the join.
  const ProcessResult stalled =
      lab.playbook({"run", "scale-up", "--var", lab_var, "--var", "stream_throughput_mib=0.01", "--var",
                    "stall_critical=4", "--var", "stall_warn=2", "--var", "join_timeout=30", "--yes"});
  INFO(stalled.out << stalled.err);
  CHECK(stalled.exit_code == 3);
  const json stop = json_lines(stalled.out).back();
  CHECK(stop["status"] == "timed_out");
  CHECK(stop["message"].get<std::string>().find("streaming made no progress") != std::string::npos);
  std::string joining;  // the lab numbers on after the departed node4
  for (const json& e : json_lines(stalled.out)) {
    if (e["event"] == "node_starting") joining = e["node"];
  }
  REQUIRE(!joining.empty());
  {
    // The new node SIGKILLed while the resumed run waits for its join: the run ends resumable,
    // naming the node, exit 3 (timed_out). Here the stall watch ends it (stall_critical 4 s, from
    // the stalled run: the dead node's last progress, as its agent last collected it, no longer
    // moves); with the default stall limits the down watch would (exit 2, failed: the node down
    // in every other view for with.down_after, 30 s, conditions_test), before join_timeout.
    const auto killed_started = std::chrono::steady_clock::now();
    Background killed_under({RINGCTL_BIN, "-o", "json", "playbook", "resume", stop["run_id"]});
    bool waiting = false;
    std::vector<json> killed_events;
    for (std::string line = killed_under.next_line(); !line.empty(); line = killed_under.next_line()) {
      killed_events.push_back(json::parse(line));
      if (!waiting && killed_events.back()["event"] == "step_started" && killed_events.back()["step"] == "4.1.2") {
        waiting = true;
        REQUIRE(lab.lab({"kill", joining}).exit_code == 0);
      }
    }
    const int killed_exit = killed_under.wait();
    REQUIRE(waiting);
    INFO(killed_events.back().dump());
    CHECK((killed_exit == 3 || killed_exit == 2));
    CHECK((killed_events.back()["status"] == "timed_out" || killed_events.back()["status"] == "failed"));
    CHECK(killed_events.back()["message"].get<std::string>().find(joining) != std::string::npos);
    MESSAGE("the new node killed under the run: exit "
            << killed_exit << ", " << killed_events.back()["message"] << ", after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_started).count() << " s");
    // Started again, it resumes its bootstrap (lab start waits for it to be normal: the limit
    // from its config is lifted once its agent answers).
    Background started({RINGCTL_BIN, "lab", "--dir", lab.directory(), "start", joining});
    REQUIRE(ringruntime::wait_until([&] { return lab.set_stream_throughput(joining, "0"); }, std::chrono::seconds(60),
                                    std::chrono::milliseconds(250)));
    CHECK(started.wait() == 0);
  }
  const ProcessResult finished = lab.playbook({"resume", stop["run_id"]});
  INFO(finished.out << finished.err);
  CHECK(finished.exit_code == 0);
  CHECK(lab.members() == 4);
  // A playbook's pre-flight could follow at once: the agents list the run's last cleanup, seen
  // ended through /v1/jobs/{id}, as ended, not as still running.
  const ProcessResult health = test_support::run_process({RINGCTL_BIN, "-o", "json", "health"});
  REQUIRE_MESSAGE(!health.out.empty(), health.err);
  const json report = json::parse(health.out);
  CHECK_MESSAGE(check_named(report["checks"], "streaming_operations")["status"] == "ok", health.out);
}

TEST_CASE(
    "rolling restart, repair by token segments and rebalance playbooks on a lab under QUORUM writers, resumed after "
    "SIGKILLs of the CLI, a node and an agent") {
  PlaybookLab lab("restart-repair-rebalance", "127.0.69.", {"27260", "30260", "8260"});
  const ProcessResult up = lab.up(4);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const std::string lab_var = lab.lab_var();
  lab.must({"stress", "--rows", "2000", "--cl", "QUORUM"});

  // Rolling restart under writers at QUORUM, from before the first node stops until after the
  // last is ready: no write fails, because the next node goes down only once the cluster is
  // whole again (a node killed under it leaves each row two replicas of three). Three runs:
  //  1. the CLI SIGKILLed once the first node has restarted (its readiness being waited for);
  //  2. `playbook resume`: it does not restart that node again but waits for its readiness, and
  //     the node is SIGKILLed there: the wait ends timed out (exit 3) at ready_timeout, naming it;
  //  3. the node started again, `playbook resume`: its readiness waited for again, then each
  //     other node restarted once, the second's agent SIGKILLed and started again while its
  //     readiness is waited for: the wait rides through the agent's gap, exit 0.
  const std::vector<std::string> members = {lab.address(1), lab.address(2), lab.address(3), lab.address(4)};
  // Each readiness wait's bound, which the killed node's wait runs out: a live node's takes a few
  // seconds (1 to 4.4 s in the last run).
  const int ready_timeout = 15;
  QuorumWriter writers(lab);
  const auto restart_started = std::chrono::steady_clock::now();
  const InterruptedRun restart_killed = run_killed_at(
      {"run", "rolling-restart", "--var", lab_var, "--var", "ready_timeout=" + std::to_string(ready_timeout), "--yes"},
      [](const json& e) { return is_event(e, "step_started", "3.1.2"); });
  const json first = member_at(lab, members.front());  // restarted by the killed run
  const InterruptedRun unready = run_watched({"resume", restart_killed.run_id()}, [&](const json& e) {
    if (is_event(e, "step_started", "3.1.2")) REQUIRE(kill(first["pid"].get<int>(), SIGKILL) == 0);
  });
  {
    INFO(unready.out);
    CHECK(unready.exit_code == 3);
    CHECK(unready.last()["status"] == "timed_out");
    const std::string message = unready.last().value("message", "");
    CHECK(message.find("timed out after " + std::to_string(ready_timeout) + " s") != std::string::npos);
    CHECK(message.find(members.front()) != std::string::npos);
    CHECK(count_events(unready.events, "step_finished", "3.1.1", "done_before") == 1);
    CHECK(count_events(unready.events, "step_finished", "3.1.2", "timed_out") == 1);
  }
  REQUIRE(lab.lab({"start", first["name"]}).exit_code == 0);
  double agent_killed_after = 0, agent_back_after = 0;  // since its readiness wait began
  const InterruptedRun restart = run_watched({"resume", restart_killed.run_id()}, [&](const json& e) {
    if (!is_event(e, "step_started", "3.2.2")) return;
    const auto waiting = std::chrono::steady_clock::now();
    const json member = member_at(lab, members[1]);  // its agent restarted with it: a new pid
    agent_killed_after = seconds_since(waiting);
    restart_agent_killed(lab, member);
    agent_back_after = seconds_since(waiting);
  });
  check_no_failed_write(writers);
  INFO(restart.out);
  CHECK(restart.exit_code == 0);
  CHECK(restart.last()["status"] == "succeeded");
  const std::vector<json>& restart_events = restart.events;
  CHECK(count_events(restart_events, "step_finished", "3.1.1", "done_before") == 1);
  CHECK(count_events(restart_events, "step_finished", "3.1.2", "ok") == 1);  // its readiness waited for again
  CHECK(count_events(restart_events, "step_finished", "3.2.2", "ok") == 1);  // through its agent's restart
  double ready_seconds = 0;  // the wait's: it was still waiting when the agent was killed
  for (const json& e : restart_events) {
    if (is_event(e, "step_finished", "3.2.2")) ready_seconds = e.value("seconds", 0.0);
  }
  CHECK(ready_seconds > agent_killed_after);
  for (const std::string& node : members) {
    const auto stopped = [&node](const std::vector<json>& events) {
      int count = 0;
      for (const json& e : events) count += e["event"] == "node_stopping" && e["node"] == node ? 1 : 0;
      return count;
    };
    // Every node stopped once across the three: the first by the killed run, the rest by the last.
    CHECK_MESSAGE(stopped(restart_killed.events) == (node == members.front() ? 1 : 0), node);
    CHECK_MESSAGE(stopped(unready.events) == 0, node);
    CHECK_MESSAGE(stopped(restart_events) == (node == members.front() ? 0 : 1), node);
  }
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);
  MESSAGE(
      "rolling restart killed after the first node's restart; resumed, that node killed in its readiness wait: exit "
      << unready.exit_code << ", " << unready.last()["message"] << "; resumed, the second node's agent killed: exit "
      << restart.exit_code << " (killed " << agent_killed_after << " s and back " << agent_back_after
      << " s into its readiness wait, which took " << ready_seconds << " s); " << seconds_since(restart_started)
      << " s");

  // Repair by token segments, two per node (a step each): the CLI SIGKILLed once the second
  // node's first segment repair has started its job; `playbook resume` follows that job (not a
  // second one), runs the segments after it, and runs none that had finished again: their
  // journal records are as the killed run left them.
  const auto repair_started = std::chrono::steady_clock::now();
  const InterruptedRun repair_killed = run_killed_at({"run", "repair", "--var", "segments=2", "--yes"},
                                                     [](const json& e) { return is_event(e, "job", "2.2.1.1.1"); });
  const std::string repair_job = repair_killed.last()["job"];
  const std::filesystem::path repair_journal = lab.runs() / repair_killed.run_id() / "journal.json";
  const json journal_killed = json::parse(std::ifstream(repair_journal));
  int followed_again = 0;
  const std::vector<json> repair_events = resume_killed_at_job(repair_killed, followed_again);
  for (const char* step : {"1", "2.1.1.1.1", "2.1.1.2.1"})
    CHECK(count_events(repair_events, "step_finished", step, "done_before") == 1);
  int jobs = 0, repaired = 0;
  for (const json& e : repair_events) {
    jobs += e["event"] == "job" ? 1 : 0;
    repaired += e["event"] == "step_finished" && e["status"] == "ok" &&
                        e.value("title", "").rfind("repair -pr on " + lab.ip_prefix(), 0) == 0
                    ? 1
                    : 0;
  }
  CHECK(jobs == 5 + followed_again);  // the five segments after it
  CHECK(repaired == 5 + followed_again);
  {  // the journal: the segments finished before the kill kept their records; every segment finished
    const json journal = json::parse(std::ifstream(repair_journal));
    std::map<std::string, json> killed_steps, steps;
    for (const json& step : journal_killed["steps"]) killed_steps[step["path"]] = step;
    for (const json& step : journal["steps"]) steps[step["path"]] = step;
    for (const char* path : {"2.1.1.1.1", "2.1.1.2.1"}) {
      CHECK(killed_steps[path]["state"] == "finished");
      CHECK_MESSAGE(steps[path] == killed_steps[path], path);
    }
    CHECK(steps["2.2.1.1.1"]["started"]["job"] == repair_job);
    int segments = 0;
    for (const auto& [path, step] : steps) {
      if (step.value("kind", "") == "act")
        segments += step["state"] == "finished" && step["result"].contains("range") ? 1 : 0;
    }
    CHECK(segments == 8);  // 4 nodes x 2 segments
  }
  {  // the report lists per node the two segments repaired and the bytes streamed
    const std::string report = test_support::read_file((lab.runs() / repair_killed.run_id() / "report.md").string());
    INFO(report);
    for (const std::string& node : members)
      CHECK_MESSAGE(report.find("| " + node + " | 2: (") != std::string::npos, node);
  }
  MESSAGE("repair in 2 segments per node, killed in node 2's first (its job followed again: "
          << followed_again << ") and resumed; " << seconds_since(repair_started) << " s");

  // Repair by token segments again, twice, under a QUORUM writer (each segment's job lasts well
  // under a second here: killed at its `job` event, the job may have ended first):
  //  - the second node's agent SIGKILLed and started again at its first segment's `job` event:
  //    the run follows that job through the gap, one job per segment, exit 0;
  //  - the third node SIGKILLed at its first segment's `job` event: the run ends failed (exit 2)
  //    naming it (that segment's job lost with the node, or, had it ended first, the next
  //    segment refused); the node started again, `playbook resume --yes` repairs the rest.
  {
    QuorumWriter writer(lab);
    const auto started = std::chrono::steady_clock::now();
    const json before = lab.nodes();  // the pids, looked up before the runs so that the kills are at once
    const std::vector<std::string> repair = {"run", "repair", "--var", "segments=2", "--yes"};
    const InterruptedRun agent_killed = run_watched(repair, [&](const json& e) {
      if (is_event(e, "job", "2.2.1.1.1")) restart_agent_killed(lab, member_in(before, members[1]));
    });
    {
      INFO(agent_killed.out);
      CHECK(agent_killed.exit_code == 0);
      CHECK(agent_killed.last()["status"] == "succeeded");
      CHECK(count_events(agent_killed.events, "job", "2.2.1.1.1") == 1);
      CHECK(count_events(agent_killed.events, "step_finished", "2.2.1.1.1", "ok") == 1);
      int jobs = 0;
      for (const json& e : agent_killed.events) jobs += e["event"] == "job" ? 1 : 0;
      CHECK(jobs == 8);  // 4 nodes x 2 segments, none started twice
    }
    const std::string third = members[2];
    std::chrono::steady_clock::time_point killed_at;
    const InterruptedRun node_killed = run_watched(repair, [&](const json& e) {
      if (!is_event(e, "job", "2.3.1.1.1")) return;
      REQUIRE(kill(member_in(before, third)["pid"].get<int>(), SIGKILL) == 0);
      killed_at = std::chrono::steady_clock::now();
    });
    const double failed_after = seconds_since(killed_at), agent_run = seconds_since(started) - failed_after;
    check_failed_naming(node_killed, third);
    std::string failed_step;
    for (const json& e : node_killed.events) {
      if (e["event"] == "step_finished" && e["status"] == "failed") failed_step = e["step"];
    }
    CHECK((failed_step == "2.3.1.1.1" || failed_step == "2.3.1.2.1"));
    REQUIRE(lab.lab({"start", member_in(before, third)["name"]}).exit_code == 0);
    const double restarted_after = seconds_since(killed_at);
    const ProcessResult resumed = lab.playbook({"resume", node_killed.run_id(), "--yes"});
    INFO(resumed.out << resumed.err);
    CHECK(resumed.exit_code == 0);
    const std::vector<json> events = json_lines(resumed.out);
    REQUIRE(!events.empty());
    CHECK(events.back()["status"] == "succeeded");
    for (const char* step : {"1", "2.1.1.1.1", "2.1.1.2.1", "2.2.1.1.1", "2.2.1.2.1"})
      CHECK_MESSAGE(count_events(events, "step_finished", step, "done_before") == 1, step);
    for (const char* step : {"2.3.1.2.1", "2.4.1.1.1", "2.4.1.2.1"})
      CHECK_MESSAGE(count_events(events, "step_finished", step, "ok") == 1, step);
    // The killed segment: run again (its job gone with the node) or, had it ended first, done before.
    CHECK(count_events(events, "step_finished", "2.3.1.1.1", failed_step == "2.3.1.1.1" ? "ok" : "done_before") == 1);
    for (const json& e : events) {
      if (e["event"] == "job") CHECK_MESSAGE(e["reattached"] == false, e);
    }
    check_no_failed_write(writer);  // its rows read back by the rebalance's `lab verify` below
    MESSAGE("repair, the second node's agent killed: exit "
            << agent_killed.exit_code << "; the third node killed: exit " << node_killed.exit_code << " at step "
            << failed_step << ", " << node_killed.last()["message"] << "; resumed: exit " << resumed.exit_code << "; "
            << agent_run << " s to the kill, failed " << failed_after << " s after it, restarted " << restarted_after
            << " s after it; " << seconds_since(started) << " s in all");
  }

  // Rebalance: a node added by hand (`lab add`, no cleanup after it) leaves the others holding
  // ranges they no longer own. The rebalance playbook is SIGKILLed once its first cleanup job has
  // started; resumed, it follows that job (or finds its step finished), cleans the other nodes
  // with debt once each, and its after-check finds no debt left. Every acknowledged row reads back.
  const auto rebalance_started = std::chrono::steady_clock::now();
  REQUIRE(lab.lab({"add", "--timeout", "120"}).exit_code == 0);
  const std::vector<std::string> indebted = test_support::nodes_in_cleanup_debt();
  REQUIRE(!indebted.empty());
  const InterruptedRun rebalance_killed = run_killed_at({"run", "rebalance", "--var", lab_var, "--yes"},
                                                        [](const json& e) { return is_event(e, "job", "5.1.1"); });
  // Resumed, the agent of the node its first new cleanup runs on is SIGKILLed at that job's event
  // and started again: the run follows the job through the gap.
  const json before_resume = lab.nodes();  // the pids, looked up first so that the kill is at once
  std::string agent_killed;
  int cleanup_followed = 0;
  const std::vector<json> rebalance_events =
      resume_killed_at_job(rebalance_killed, cleanup_followed, [&](const json& e) {
        if (!agent_killed.empty() || e.value("event", "") != "job" || e["reattached"] != false) return;
        agent_killed = e["node"];
        restart_agent_killed(lab, member_in(before_resume, agent_killed));
      });
  CHECK(!agent_killed.empty());
  for (const json& e : rebalance_events) {  // its cleanup finished on the one job
    if (e["event"] == "step_finished" && e.value("title", "") == "cleanup on " + agent_killed)
      CHECK_MESSAGE(e["status"] == "ok", e);
  }
  CHECK(count_events(rebalance_events, "step_finished", "1", "done_before") == 1);
  int cleanup_jobs = 0;
  for (const json& e : rebalance_events) cleanup_jobs += e["event"] == "job" ? 1 : 0;
  int listed = 0;  // the nodes the killed run's balance check found with debt: one cleanup each
  for (const json& e : rebalance_killed.events) {
    if (is_event(e, "step_started", "5")) listed = static_cast<int>(e["items"].size());
  }
  CHECK(listed >= 1);
  CHECK(cleanup_jobs == listed - 1 + cleanup_followed);
  for (const json& e : rebalance_events) {  // the after-check found no debt left
    CHECK_MESSAGE(!(is_event(e, "check", "6") && e["name"] == "cleanup_debt"), e);
  }
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);
  MESSAGE("rebalance with " << indebted.size()
                            << " nodes in debt, killed in the first cleanup (its job followed again: "
                            << cleanup_followed << ") and resumed, the agent of " << agent_killed
                            << " killed in its cleanup; " << seconds_since(rebalance_started) << " s");
}

TEST_CASE("scale-up 4 to 6 in one run and scale-down 6 to 3 under QUORUM writers, ownership within target") {
  PlaybookLab lab("grow", "127.0.65.", {"26160", "29160", "7760"});
  const ProcessResult up = lab.up(4);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  lab.must({"stress", "--rows", "2000", "--cl", "QUORUM"});
  const double target = 1.20;  // rebalance's ownership_spread: what the allocator keeps within
  CHECK(ownership_max_over_mean() <= target);

  {
    QuorumWriter writer(lab);
    // Timeouts well within the test's, so that a join or leave that never ends fails with the run's events.
    const ProcessResult grow = lab.playbook(
        {"run", "scale-up", "--var", "count=2", "--var", "join_timeout=240", "--var", lab.lab_var(), "--yes"});
    INFO(grow.out << grow.err);
    CHECK(grow.exit_code == 0);
    int started = 0;
    for (const json& e : json_lines(grow.out)) started += e["event"] == "node_starting" ? 1 : 0;
    CHECK(started == 2);
    const json seeds = seed_lists_event(grow.out);
    CHECK(seeds["status"] == "ok");
    CHECK(seeds["message"].get<std::string>().starts_with("seeds by datacenter dc1: 127.0.65.1 "));
    check_loads_settled(grow.out);
    // The first new node lost ranges to the second: it is cleaned too, after the older nodes.
    bool first_new_cleaned = false;
    for (const json& e : json_lines(grow.out)) {
      first_new_cleaned = first_new_cleaned || (e["event"] == "step_finished" && e["status"] == "ok" &&
                                                e["title"] == "cleanup on 127.0.65.5");
    }
    CHECK(first_new_cleaned);
    check_no_failed_write(writer);
  }
  const json six = lab.nodes();
  REQUIRE(six.size() == 6);
  for (const json& node : six) CHECK_MESSAGE(node["tokens"] == 16, node);
  CHECK(ownership_max_over_mean() <= target);
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);

  // Back to three, a run each: node 6, its node SIGKILLed mid-decommission; node 5, its agent
  // SIGKILLed; the seed.
  // About 1.5 MB more on every node first: a decommission held by a stream throughput of 0.05 MiB/s
  // streams for seconds past its limiter's 1 MiB burst.
  lab.must({"stress", "--rows", "3000", "--value-size", "1000", "--cl", "QUORUM"});

  // The leaving node SIGKILLed mid-decommission: the run ends failed (exit 2), its error
  // outcome_unknown, naming the node and saying what to do; the node started again (NORMAL, its job gone with
  // the process), `playbook resume` decommissions it anew and finishes the run.
  {
    QuorumWriter writer(lab);
    const auto started = std::chrono::steady_clock::now();
    const std::string node = "127.0.65.6";
    const std::string name = member_at(lab, node)["name"];
    std::chrono::steady_clock::time_point killed_at;
    const InterruptedRun killed = scale_down_interrupted(lab, node, [&] {
      REQUIRE(lab.lab({"kill", name}).exit_code == 0);
      killed_at = std::chrono::steady_clock::now();
    });
    const json& stop = killed.events.back();
    INFO(stop.dump());
    CHECK(stop["event"] == "run_finished");
    // Exit 2, a step failed; its error says the outcome is unknown (nobody can say how a job ended
    // whose node died), and the message what to do.
    CHECK(killed.exit_code == 2);
    CHECK(stop["status"] == "failed");
    CHECK(stop["error"] == "outcome_unknown");
    const std::string message = stop["message"];
    CHECK(message.find("lost sight of decommission job") != std::string::npos);
    CHECK(message.find("if " + node + " is down, start it again, then resume this run") != std::string::npos);
    CHECK(lab.members() == 6);
    const double failed_after = seconds_since(killed_at);
    REQUIRE(lab.lab({"start", name}).exit_code == 0);
    const ProcessResult resumed = lab.playbook({"resume", killed.run_id()});
    INFO(resumed.out << resumed.err);
    CHECK(resumed.exit_code == 0);
    const auto events = json_lines(resumed.out);
    CHECK(count_events(events, "step_finished", "1", "done_before") == 1);
    CHECK(count_events(events, "step_finished", "3", "ok") == 1);
    for (const json& e : events) {
      if (e["event"] == "job") CHECK_MESSAGE(e["reattached"] == false, e);  // its job died with it: a new one
    }
    CHECK(lab.members() == 5);
    CHECK(seed_lists_event(resumed.out)["status"] == "ok");
    check_loads_settled(resumed.out);
    check_no_failed_write(writer);
    CHECK(ownership_max_over_mean() <= target);
    MESSAGE("scale-down, the leaving node killed: exit "
            << killed.exit_code << ", " << stop["message"] << ", " << failed_after
            << " s after the kill; resumed: exit " << resumed.exit_code << "; " << seconds_since(started) << " s");
  }

  // The leaving node's agent SIGKILLed mid-decommission and started again: the run rides
  // through the gap (within the wait's 30 s grace) to the end, the same job followed.
  {
    QuorumWriter writer(lab);
    const auto started = std::chrono::steady_clock::now();
    const std::string node = "127.0.65.5";
    const json member = member_at(lab, node);
    const InterruptedRun agent_killed = scale_down_interrupted(lab, node, [&] {
      restart_agent_killed(lab, member);
      REQUIRE(lab.set_stream_throughput(node, "0"));
    });
    INFO(agent_killed.events.back().dump());
    CHECK(agent_killed.exit_code == 0);
    CHECK(agent_killed.events.back()["status"] == "succeeded");
    CHECK(count_events(agent_killed.events, "job", "3") == 1);  // one job, followed through the gap
    CHECK(seed_lists_event(agent_killed.out)["status"] == "ok");
    check_loads_settled(agent_killed.out);
    check_no_failed_write(writer);
    CHECK(lab.members() == 4);
    CHECK(ownership_max_over_mean() <= target);
    MESSAGE("scale-down, the leaving node's agent killed: exit " << agent_killed.exit_code << "; "
                                                                 << seconds_since(started) << " s");
  }

  // The seed last, with the seed-list reminder: the running nodes still name it.
  {
    QuorumWriter writer(lab);
    const std::string node = "127.0.65.1";
    const ProcessResult shrink =
        lab.playbook({"run", "scale-down", "--var", "node=" + node, "--var", "host_id=" + host_id_of(node), "--var",
                      "leave_timeout=120", "--var", lab.lab_var(), "--yes"});
    INFO(node << ": " << shrink.out << shrink.err);
    CHECK(shrink.exit_code == 0);
    const json seeds = seed_lists_event(shrink.out);
    CHECK(seeds["status"] == "warn");
    CHECK(seeds["nodes"] == json::array({"127.0.65.1"}));
    CHECK(seeds["message"].get<std::string>().starts_with(
        "127.0.65.1 is in a seed list but no longer in the ring: remove it from the seeds of every node's"));
    check_loads_settled(shrink.out);
    check_no_failed_write(writer);
    CHECK(ownership_max_over_mean() <= target);
  }
  CHECK(lab.members() == 3);
  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  MESSAGE("lab verify: " << verify.out << verify.err);
}

TEST_CASE(
    "disk headroom: on nodes of a small disk, scale-up refuses a node over half full, scale-down a full receiver") {
  PlaybookLab lab("disk", "127.0.66.", {"26260", "29260", "7860"});
  // 4 MiB, half a node's RocksDB memtable: its disk use (the write-ahead log until the first
  // flush) grows with every row it replicates.
  const ProcessResult up = lab.up(4, {"--disk-capacity", "4MiB"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);

  // Write until removing node4 would leave a receiving node over 80% of its disk, as plan
  // remove forecasts it from the agents' figures.
  const auto headroom = [] {
    const ProcessResult plan = test_support::run_process({RINGCTL_BIN, "-o", "json", "plan", "remove", "127.0.66.4"});
    if (plan.out.empty()) return std::string("no plan: ") + plan.err;
    const json doc = json::parse(plan.out);
    for (const json& check : doc["verdict"]["checks"]) {
      if (check["name"] == "disk_headroom") return check["status"].get<std::string>();
    }
    return std::string("no disk_headroom check");
  };
  std::string status = headroom();
  CHECK(status == "ok");
  for (int batch = 0; status != "critical" && batch < 30; ++batch) {
    REQUIRE(lab.lab({"stress", "--rows", "300", "--value-size", "1000", "--cl", "ALL", "--threads", "8"}).exit_code ==
            0);
    // The agents serve the new figures from their next collection on.
    ringruntime::wait_until([&] { return (status = headroom()) == "critical"; }, std::chrono::seconds(2),
                            std::chrono::milliseconds(250));
  }
  REQUIRE(status == "critical");

  const ProcessResult shrink = lab.playbook({"run", "scale-down", "--var", "node=127.0.66.4", "--var",
                                             "host_id=" + host_id_of("127.0.66.4"), "--var", lab.lab_var(), "--yes"});
  INFO(shrink.out << shrink.err);
  CHECK(shrink.exit_code == 5);
  CHECK(json_lines(shrink.out).back()["message"].get<std::string>().find("disk_headroom") != std::string::npos);

  // The nodes hold more than half their disk now: no node is added to them.
  const ProcessResult grow = lab.playbook({"run", "scale-up", "--var", lab.lab_var(), "--yes"});
  INFO(grow.out << grow.err);
  CHECK(grow.exit_code == 5);
  CHECK(json_lines(grow.out).back()["message"].get<std::string>().find("disk_usage") != std::string::npos);
  CHECK(lab.members() == 4);  // nothing started, nothing decommissioned
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);
}

namespace {

// Once the node at `node` streams with one of `peers` (in `direction`, some bytes and not all, as
// its own API lists it), that peer's address.
std::string streaming_peer(const PlaybookLab& lab, const std::string& node, const std::string& direction,
                           const std::vector<std::string>& peers) {
  std::string peer;
  const bool found = ringruntime::wait_until(
      [&] {
        for (const std::string& candidate : peers) {
          if (test_support::session_in_progress(node, std::stoi(lab.ports().native), direction, candidate)
                  .is_object()) {
            peer = candidate;
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50));
  REQUIRE_MESSAGE(found, test_support::call(node, std::stoi(lab.ports().native), "GET", "/v1/streams").body.dump());
  return peer;
}

// A playbook run (`args`) that `fault` interrupts, given the peer the node at `node` streams with
// (in `direction`) once the run shows bytes streaming: that peer, the run, and how long after
// the fault the run ended.
struct PeerFault {
  std::string peer;
  InterruptedRun run;
  double ended_after = 0;
};
PeerFault run_with_peer_fault(const PlaybookLab& lab, std::vector<std::string> args, const std::string& node,
                              const std::string& direction, const std::vector<std::string>& peers,
                              const std::function<void(const std::string& peer)>& fault) {
  PeerFault result;
  std::chrono::steady_clock::time_point faulted_at;
  result.run = run_interrupted(std::move(args), [&] {
    result.peer = streaming_peer(lab, node, direction, peers);
    fault(result.peer);
    faulted_at = std::chrono::steady_clock::now();
  });
  result.ended_after = seconds_since(faulted_at);
  return result;
}

// Waits (up to 120 s) until none of the lab's first `nodes` holds a hint; how long it took. Rows
// a node missed while down or cut off reach it through those hints; the rolling restart's gate
// waits for them too, within its 20 s here only when they are few, and a peer down for a gate's
// timeout under the writer misses tens of thousands of rows.
double wait_hints_delivered(const PlaybookLab& lab, int nodes) {
  std::vector<std::string> addresses;
  for (int i = 1; i <= nodes; ++i) addresses.push_back(lab.address(i));
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(
      ringruntime::wait_until([&] { return test_support::hints_delivered(addresses, std::stoi(lab.ports().native)); },
                              std::chrono::seconds(120), std::chrono::milliseconds(250)));
  return seconds_since(started);
}

}  // namespace

// Scale-up 3 -> 4 under a QUORUM writer, the join interrupted three times, resumed each time:
//  1. a stream source (not the seed) SIGKILLed mid-join: the run ends failed (exit 2), naming it;
//  2. the source started again and the new node restarted (its bootstrap resumes), the resumed
//     run's join is interrupted by a source hung (SIGSTOP): failed (exit 2), naming it, once
//     the failure detector convicts it;
//  3. the source resumed and the new node restarted, the next resumed run's join loses the new
//     node's agent (SIGKILL, then started again): the run rides through to exit 0.
// Every acknowledged row reads back at QUORUM afterwards (`lab verify`).
TEST_CASE("scale-up with a stream source SIGKILLed then hung, and the new node's agent SIGKILLed, resumed to the end") {
  PlaybookLab lab("peer-up", "127.0.82.", {"26860", "29860", "7560"});
  const auto test_started = std::chrono::steady_clock::now();
  // About 3 MB on every node (rf 3 of 3): the new node's share outlasts its stream limiter's
  // 1 MiB burst in each of its three bootstrap attempts.
  test_support::up_with_rows(lab, 3, 4000);
  const std::string joining = lab.address(4);
  const std::vector<std::string> peers = {lab.address(2), lab.address(3)};  // not the seed: the new node needs it
  QuorumWriter writer(lab);
  // The new node stopped (its bootstrap failed) and started again, its bootstrap resumed; `lab
  // start` of a joining node returns once it is normal, so it runs beside the resumed run.
  std::optional<Background> joining_started;
  const auto restart_joining = [&] {
    joining_started.reset();
    REQUIRE(lab.lab({"stop", member_name(lab, joining)}).exit_code == 0);
    joining_started.emplace(lab.command({"start", member_name(lab, joining), "--timeout", "300"}));
  };

  const PeerFault killed = run_with_peer_fault(lab, test_support::scale_up_throttled(lab), joining, "receiving", peers,
                                               [&](const std::string& peer) { kill_member(lab, peer); });
  check_failed_naming(killed.run, killed.peer);
  CHECK(count_events(killed.run.events, "step_finished", "4.1.2", "failed") == 1);
  CHECK_MESSAGE(
      killed.run.last()["message"].get<std::string>().find("start any node named there that is down, then restart " +
                                                           joining + " to resume its bootstrap") != std::string::npos,
      killed.run.last().dump());
  // The new node first (a node started waits for every running one to be normal), then the peer.
  REQUIRE(lab.lab({"stop", member_name(lab, joining)}).exit_code == 0);
  REQUIRE(lab.lab({"start", member_name(lab, killed.peer)}).exit_code == 0);
  joining_started.emplace(lab.command({"start", member_name(lab, joining), "--timeout", "300"}));
  wait_bootstrap_running(lab, joining);

  const PeerFault hung =
      run_with_peer_fault(lab, {"resume", killed.run.run_id()}, joining, "receiving", peers,
                          [&](const std::string& peer) { REQUIRE(kill(node_pid(lab, peer), SIGSTOP) == 0); });
  REQUIRE(kill(node_pid(lab, hung.peer), SIGCONT) == 0);
  check_failed_naming(hung.run, hung.peer);
  CHECK(count_events(hung.run.events, "step_finished", "4.1.1", "done_before") == 1);  // not started a second time
  restart_joining();
  wait_bootstrap_running(lab, joining);

  const InterruptedRun agent_killed = run_interrupted({"resume", killed.run.run_id()}, [&] {
    restart_agent_killed(lab, member_at(lab, joining));
    REQUIRE(lab.set_stream_throughput(joining, "0"));
  });
  INFO(agent_killed.out);
  CHECK(agent_killed.exit_code == 0);
  CHECK(agent_killed.last()["status"] == "succeeded");
  CHECK(count_events(agent_killed.events, "step_finished", "4.1.2", "ok") == 1);
  CHECK(count_events(agent_killed.events, "node_starting", "4.1.1") == 0);
  REQUIRE(joining_started);
  CHECK(joining_started->wait() == 0);
  const json members = lab.nodes();
  CHECK(members.size() == 4);  // one node added, not two
  const WritesMade writes = writes_made(writer);
  CHECK(writes.acknowledged > 0);
  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM", "-o", "json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  // Rows on 2 of their 3 replicas right after the run are the hinted writes not yet delivered;
  // once no node holds a hint, every row is on all of them.
  wait_hints_delivered(lab, 4);
  const ProcessResult reverify = lab.lab({"verify", "--cl", "QUORUM", "-o", "json"});
  INFO(reverify.out << reverify.err);
  CHECK(reverify.exit_code == 0);
  CHECK(json::parse(reverify.out, nullptr, false)["under_replicated"] == 0);
  MESSAGE("under-replicated right after the run: " << json::parse(verify.out, nullptr, false)["under_replicated"]
                                                   << "; once the hints are delivered: "
                                                   << json::parse(reverify.out, nullptr, false)["under_replicated"]);
  MESSAGE("scale-up: source " << killed.peer << " killed: exit " << killed.run.exit_code << " " << killed.ended_after
                              << " s after the kill, " << killed.run.last()["message"] << "; source " << hung.peer
                              << " hung: exit " << hung.run.exit_code << " " << hung.ended_after
                              << " s after the stop, " << hung.run.last()["message"] << "; the agent killed: exit "
                              << agent_killed.exit_code << "; writes " << writes.acknowledged << " acknowledged, "
                              << writes.failed << " failed; verify " << verify.out << "; "
                              << seconds_since(test_started) << " s");
}

// Scale-down 4 -> 3 under a QUORUM writer, the decommission interrupted twice, resumed each
// time:
//  1. a receiving peer (not the seed) SIGKILLed mid-stream: the run ends failed (exit 2), naming
//     it; the peer started again, the resumed run starts a new decommission (the failed job is
//     not followed again);
//  2. that one's receiving peer hung (SIGSTOP): failed (exit 2), naming it once convicted;
//     resumed (SIGCONT), the run resumed again decommissions the node and finishes.
// Every acknowledged row reads back at QUORUM afterwards (`lab verify`).
TEST_CASE("scale-down with a receiving peer SIGKILLed, then hung, resumed to the end") {
  PlaybookLab lab("peer-down", "127.0.83.", {"26960", "29960", "7460"});
  const auto test_started = std::chrono::steady_clock::now();
  // About 2 MB on every node: the decommission outlasts the leaving node's 1 MiB burst.
  test_support::up_with_rows(lab, 4, 3000);
  const std::string leaving = lab.address(4);
  const std::vector<std::string> peers = {lab.address(2), lab.address(3)};
  QuorumWriter writer(lab);

  const PeerFault killed = run_with_peer_fault(lab, scale_down_throttled(lab, leaving), leaving, "sending", peers,
                                               [&](const std::string& peer) { kill_member(lab, peer); });
  check_failed_naming(killed.run, killed.peer);
  CHECK(count_events(killed.run.events, "step_finished", "3", "failed") == 1);
  CHECK_MESSAGE(
      killed.run.last()["message"].get<std::string>().find(
          "resume this run (ringctl playbook resume): the step runs the decommission again") != std::string::npos,
      killed.run.last().dump());
  REQUIRE(lab.lab({"start", member_name(lab, killed.peer)}).exit_code == 0);

  const PeerFault hung =
      run_with_peer_fault(lab, {"resume", killed.run.run_id()}, leaving, "sending", peers,
                          [&](const std::string& peer) { REQUIRE(kill(node_pid(lab, peer), SIGSTOP) == 0); });
  REQUIRE(kill(node_pid(lab, hung.peer), SIGCONT) == 0);
  check_failed_naming(hung.run, hung.peer);
  CHECK(count_events(hung.run.events, "step_finished", "1", "done_before") == 1);
  for (const json& e : hung.run.events) {
    if (e["event"] == "job") CHECK_MESSAGE(e["reattached"] == false, e);  // the failed job not followed again
  }

  REQUIRE(lab.set_stream_throughput(leaving, "0"));
  const ProcessResult finished = lab.playbook({"resume", killed.run.run_id()});
  INFO(finished.out << finished.err);
  CHECK(finished.exit_code == 0);
  CHECK(count_events(json_lines(finished.out), "step_finished", "3", "ok") == 1);
  CHECK(lab.members() == 3);
  const WritesMade writes = writes_made(writer);
  CHECK(writes.acknowledged > 0);
  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM", "-o", "json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  MESSAGE("scale-down: receiver " << killed.peer << " killed: exit " << killed.run.exit_code << " "
                                  << killed.ended_after << " s after the kill, " << killed.run.last()["message"]
                                  << "; receiver " << hung.peer << " hung: exit " << hung.run.exit_code << " "
                                  << hung.ended_after << " s after the stop, " << hung.run.last()["message"]
                                  << "; writes " << writes.acknowledged << " acknowledged, " << writes.failed
                                  << " failed; verify " << verify.out << "; " << seconds_since(test_started) << " s");
}

namespace {

// Waits until `ringctl health` finds every node up and normal in every view: a peer started
// again or resumed (SIGCONT) is seen up before the run it stopped is resumed, or that run's
// next repair would fail at once on a replica still convicted down.
void wait_every_node_up() {
  json seen;
  const bool up = ringruntime::wait_until(
      [&] {
        const json report =
            json::parse(test_support::run_process({RINGCTL_BIN, "-o", "json", "health"}).out, nullptr, false);
        if (!report.is_object() || !report["checks"].is_array()) return false;
        for (const json& check : report["checks"]) {
          if (check["name"] == "nodes_up_normal") seen = check;
        }
        return seen.is_object() && seen["status"] == "ok";
      },
      std::chrono::seconds(90), std::chrono::milliseconds(500));
  REQUIRE_MESSAGE(up, seen);
}

// The steps a run finished ok (`step_finished`, status ok), by path.
std::map<std::string, int> steps_ok(const std::vector<json>& events) {
  std::map<std::string, int> ok;
  for (const json& e : events) {
    if (e.value("event", "") == "step_finished" && e.value("status", "") == "ok") ++ok[e["step"]];
  }
  return ok;
}

// How many times a run stopped the node at `address` (its `node_stopping` events).
int times_stopped(const std::vector<json>& events, const std::string& address) {
  int count = 0;
  for (const json& e : events) count += e.value("event", "") == "node_stopping" && e["node"] == address ? 1 : 0;
  return count;
}

}  // namespace

// The repair and rolling-restart playbooks on one lab of 3 nodes (rf 3: every node a replica of
// every range), under a QUORUM writer, each with a peer SIGKILLed, then one hung (SIGSTOP):
//  - repair by 2 token segments per node: node 3, a replica of the ranges node 1 repairs, is
//    SIGKILLed at node 1's first segment's `job` event: the run ends failed (exit 2) naming it
//    (that segment's job, or had it ended first the next one); node 3 started again, the resumed
//    run's first segment job sees node 3 hung: failed (exit 2) once convicted, naming it;
//    resumed (SIGCONT), the run resumed again finishes. No segment is repaired twice.
//  - rolling restart: node 3 SIGKILLed as node 1's readiness wait begins: the gate holds, no
//    other node is restarted, the wait times out (exit 3) naming node 3; started again, the
//    resumed run goes on to node 2, and node 3 hung as node 2's readiness wait begins:
//    timed out again, naming it, node 3 not restarted; resumed (SIGCONT), the run resumed
//    again restarts node 3 and finishes. Every node restarted once.
// Every acknowledged row reads back at QUORUM afterwards (`lab verify`).
TEST_CASE("repair and rolling restart with a peer SIGKILLed, then hung, resumed to the end") {
  PlaybookLab lab("peer-repair-restart", "127.0.107.", {"27070", "30070", "7370"});
  const auto test_started = std::chrono::steady_clock::now();
  const ProcessResult up = lab.up(3);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  lab.must({"stress", "--rows", "2000", "--cl", "QUORUM"});
  const std::string first = lab.address(1), second = lab.address(2), peer = lab.address(3);
  QuorumWriter writer(lab);

  // Repair: node 3 SIGKILLed at node 1's first segment's job, then hung at node 2's.
  const auto repair_started = std::chrono::steady_clock::now();
  const std::vector<std::string> repair = {"run", "repair", "--var", "segments=2", "--yes"};
  // Each fault by a pid looked up before the run, so that it lands at once: a segment's job
  // lasts well under a second here, and the six of them not much more.
  std::chrono::steady_clock::time_point faulted_at;
  const int killed_pid = node_pid(lab, peer);
  const InterruptedRun repair_killed = run_watched(repair, [&](const json& e) {
    if (!is_event(e, "job", "2.1.1.1.1")) return;
    REQUIRE(kill(killed_pid, SIGKILL) == 0);
    faulted_at = std::chrono::steady_clock::now();
  });
  const double repair_killed_after = seconds_since(faulted_at);
  check_failed_naming(repair_killed, peer);
  REQUIRE(lab.lab({"start", member_name(lab, peer)}).exit_code == 0);
  wait_every_node_up();

  // Hung at the resumed run's first segment job (node 1's failed segment run again, or node 2's
  // first).
  bool hung = false;
  const int hung_pid = node_pid(lab, peer);
  const InterruptedRun repair_hung = run_watched({"resume", repair_killed.run_id(), "--yes"}, [&](const json& e) {
    if (hung || e.value("event", "") != "job") return;
    hung = true;
    REQUIRE(kill(hung_pid, SIGSTOP) == 0);
    faulted_at = std::chrono::steady_clock::now();
  });
  const double repair_hung_after = seconds_since(faulted_at);
  REQUIRE(kill(hung_pid, SIGCONT) == 0);
  check_failed_naming(repair_hung, peer);
  // Node 1's first segment finished in the first run when the kill landed after its replicas had
  // answered, and is done before here; otherwise it failed there and runs again here, its job the
  // one hung.
  const bool first_segment_ok = steps_ok(repair_killed.events).count("2.1.1.1.1") == 1;
  CHECK(count_events(repair_hung.events, "step_finished", "2.1.1.1.1", "done_before") == (first_segment_ok ? 1 : 0));
  wait_every_node_up();

  const InterruptedRun repaired = run_watched({"resume", repair_killed.run_id(), "--yes"}, [](const json&) {});
  {
    INFO(repaired.out);
    CHECK(repaired.exit_code == 0);
    CHECK(repaired.last()["status"] == "succeeded");
    // Every segment (3 nodes x 2) repaired once across the three runs: none again once finished.
    std::map<std::string, int> ok;
    for (const InterruptedRun* run : {&repair_killed, &repair_hung, &repaired}) {
      for (const auto& [step, count] : steps_ok(run->events)) ok[step] += count;
    }
    for (const char* node : {"1", "2", "3"}) {
      for (const char* segment : {"1", "2"}) {
        const std::string step = std::string("2.") + node + ".1." + segment + ".1";
        CHECK_MESSAGE(ok[step] == 1, step);
      }
    }
    for (const json& e : repaired.events) {
      if (e["event"] == "job") CHECK_MESSAGE(e["reattached"] == false, e);  // a failed job not followed again
    }
    // What the first two runs finished, the last one gives as done before.
    for (const InterruptedRun* run : {&repair_killed, &repair_hung}) {
      for (const auto& finished : steps_ok(run->events)) {  // no structured binding: INFO is a lambda
        const std::string& step = finished.first;
        if (step.rfind("2.", 0) == 0 && step.size() == 9)  // a segment's repair ("2.N.1.S.1")
          CHECK_MESSAGE(count_events(repaired.events, "step_finished", step, "done_before") == 1, step);
      }
    }
  }
  const double repair_seconds = seconds_since(repair_started);

  // Rolling restart: node 3 SIGKILLed as node 1's readiness wait begins, then hung as node 2's
  // does: at the restart step's end, by its pid looked up before the run, so that the fault is
  // there before the gate has seen all ready and every agent collect again since (not a process
  // spawn later: a fault after the gate is one no gate can see). Not while the step restarts its
  // node: the launcher's start waits for every agent to collect, node 3's too.
  const auto restart_finished = [](const json& e, const std::string& step) {
    return is_event(e, "step_finished", step) && e.value("status", "") == "ok";
  };
  const int ready_timeout = 20;
  const auto restart_started = std::chrono::steady_clock::now();
  const std::vector<std::string> restart = {
      "run",  "rolling-restart", "--var", lab.lab_var(), "--var", "ready_timeout=" + std::to_string(ready_timeout),
      "--yes"};
  const int restart_killed_pid = node_pid(lab, peer);
  const InterruptedRun restart_killed = run_watched(restart, [&](const json& e) {
    if (restart_finished(e, "3.1.1")) REQUIRE(kill(restart_killed_pid, SIGKILL) == 0);
  });
  const auto check_held = [&](const InterruptedRun& run, const std::string& step) {
    INFO(run.out);
    CHECK(run.exit_code == 3);
    CHECK(run.last()["status"] == "timed_out");
    CHECK(count_events(run.events, "step_finished", step, "timed_out") == 1);
    CHECK_MESSAGE(run.last().value("message", "").find(peer) != std::string::npos, run.last().dump());
  };
  check_held(restart_killed, "3.1.2");
  CHECK(times_stopped(restart_killed.events, first) == 1);
  CHECK(times_stopped(restart_killed.events, second) == 0);  // not with node 3 down
  REQUIRE(lab.lab({"start", member_name(lab, peer)}).exit_code == 0);
  const double killed_hints_seconds = wait_hints_delivered(lab, 3);

  const int restart_hung_pid = node_pid(lab, peer);
  const InterruptedRun restart_hung = run_watched({"resume", restart_killed.run_id()}, [&](const json& e) {
    if (restart_finished(e, "3.2.1")) REQUIRE(kill(restart_hung_pid, SIGSTOP) == 0);
  });
  REQUIRE(kill(restart_hung_pid, SIGCONT) == 0);
  check_held(restart_hung, "3.2.2");
  CHECK(count_events(restart_hung.events, "step_finished", "3.1.1", "done_before") == 1);
  CHECK(count_events(restart_hung.events, "step_finished", "3.1.2", "ok") == 1);
  CHECK(times_stopped(restart_hung.events, peer) == 0);  // not while it is hung
  const double hung_hints_seconds = wait_hints_delivered(lab, 3);

  const InterruptedRun restarted = run_watched({"resume", restart_killed.run_id()}, [](const json&) {});
  {
    INFO(restarted.out);
    CHECK(restarted.exit_code == 0);
    CHECK(restarted.last()["status"] == "succeeded");
    for (const char* step : {"3.1.1", "3.1.2", "3.2.1"})
      CHECK_MESSAGE(count_events(restarted.events, "step_finished", step, "done_before") == 1, step);
    CHECK(count_events(restarted.events, "step_finished", "3.2.2", "ok") == 1);
    CHECK(count_events(restarted.events, "step_finished", "3.3.2", "ok") == 1);
  }
  for (const std::string& node : {first, second, peer}) {
    const int stopped = times_stopped(restart_killed.events, node) + times_stopped(restart_hung.events, node) +
                        times_stopped(restarted.events, node);
    CHECK_MESSAGE(stopped == 1, node);  // each node restarted once across the three runs
  }
  const double restart_seconds = seconds_since(restart_started);

  const WritesMade writes = writes_made(writer);
  CHECK(writes.acknowledged > 0);
  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM", "-o", "json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  MESSAGE("repair: replica " << peer << " killed: exit " << repair_killed.exit_code << " " << repair_killed_after
                             << " s after the kill, " << repair_killed.last()["message"] << "; hung: exit "
                             << repair_hung.exit_code << " " << repair_hung_after << " s after the stop, "
                             << repair_hung.last()["message"] << "; resumed: exit " << repaired.exit_code << "; "
                             << repair_seconds << " s. rolling restart: " << peer << " killed: exit "
                             << restart_killed.exit_code << ", " << restart_killed.last()["message"] << "; hung: exit "
                             << restart_hung.exit_code << ", " << restart_hung.last()["message"] << "; resumed: exit "
                             << restarted.exit_code << "; hints delivered " << killed_hints_seconds
                             << " s after the killed node's start, " << hung_hints_seconds
                             << " s after the hung one's SIGCONT; " << restart_seconds << " s. writes "
                             << writes.acknowledged << " acknowledged, " << writes.failed << " failed; verify "
                             << verify.out << "; " << seconds_since(test_started) << " s");
}
