// The playbook lab tests' shared parts: a lab of the test's own (PlaybookLab), a QUORUM writer
// beside a run, playbook runs watched event by event and interrupted (SIGKILLed, or a fault
// injected at an event), and the lab members' names and pids to fault. Used by
// playbook_lab_test (scale-up, scale-down, rolling restart, repair, rebalance and their peer
// faults) and playbook_lab_node_stopped_test (the node of a step hung or killed).
#pragma once

#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ringruntime/wait.h"
#include "support/background_process.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"
#include "support/test_paths.h"

namespace test_support {

using nlohmann::json;

// Each test case's lab: a loopback block and ports apart from the other lab tests' and from
// each other's (tests/support/README.md).
struct LabPorts {
  std::string storage, native, agent;
};

// The lab of one test case (ScratchLab: its cluster config, runs and playbook folder its own).
class PlaybookLab : public test_support::ScratchLab {
 public:
  PlaybookLab(const std::string& name, const std::string& ip_prefix, LabPorts ports)
      : ScratchLab(RINGCTL_BIN, "ringctl-playbook-test-" + name + "-", ip_prefix), ports_(std::move(ports)) {}
  const LabPorts& ports() const { return ports_; }
  std::string lab_var() const { return "lab_dir=" + directory(); }
  std::filesystem::path runs() const { return runs_directory(); }
  // `ringctl lab up --nodes N` on this lab's block and ports, with `extra` options.
  ProcessResult up(int nodes, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {
        "--nodes",     std::to_string(nodes), "--storage-port", ports_.storage, "--native-port",
        ports_.native, "--agent-port",        ports_.agent,     "--timeout",    "120"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ScratchLab::up(args);
  }
  // `ringctl -o json playbook ARGS...`
  ProcessResult playbook(std::vector<std::string> args) const {
    args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "playbook"});
    return test_support::run_process(args);
  }
  // `ringctl -h NODE:AGENT setstreamthroughput MIB` (0: unlimited); whether it was applied.
  bool set_stream_throughput(const std::string& node, const std::string& mib) const {
    return test_support::run_process({RINGCTL_BIN, "-h", node + ":" + ports_.agent, "setstreamthroughput", mib})
               .exit_code == 0;
  }
  // `lab list`'s members.
  json nodes() const { return lab_json({"list"})["nodes"]; }
  int members() const { return static_cast<int>(nodes().size()); }

 private:
  LabPorts ports_;
};

inline int count_events(const std::vector<json>& events, const std::string& event, const std::string& step,
                        const std::string& status = "") {
  int count = 0;
  for (const json& e : events) {
    if (e.value("event", "") == event && e.value("step", "") == step &&
        (status.empty() || e.value("status", "") == status))
      ++count;
  }
  return count;
}

// The host id of `address` as `ringctl status` shows it.
inline std::string host_id_of(const std::string& address) {
  const ProcessResult status = test_support::run_process({RINGCTL_BIN, "-o", "json", "status"});
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  const json doc = json::parse(status.out);
  for (const json& dc : doc["datacenters"]) {
    for (const json& node : dc["nodes"]) {
      if (node["address"] == address) return node["host_id"];
    }
  }
  FAIL("no node at " << address << " in " << status.out);
  return "";
}

// `lab stress` batches at QUORUM, one after another, until stopped: the writer during a run.
class QuorumWriter {
 public:
  explicit QuorumWriter(const PlaybookLab& lab)
      : thread_([this, &lab] {
          while (!stop_) batches_.push_back(lab.lab({"stress", "--rows", "500", "--cl", "QUORUM", "-o", "json"}));
        }) {}
  ~QuorumWriter() { finish(); }
  // Stops after the batch in flight; every batch it wrote.
  const std::vector<ProcessResult>& finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return batches_;
  }

 private:
  std::atomic<bool> stop_ = false;
  std::vector<ProcessResult> batches_;
  std::thread thread_;
};

inline void check_no_failed_write(QuorumWriter& writer) {
  const std::vector<ProcessResult>& batches = writer.finish();
  CHECK(!batches.empty());
  for (const ProcessResult& batch : batches) CHECK_MESSAGE(batch.exit_code == 0, batch.out << batch.err);
}

// The member at `address` of `nodes`, as `lab list` shows them (its name, its pids).
inline json member_in(const json& nodes, const std::string& address) {
  for (const json& node : nodes) {
    if (node["address"] == address) return node;
  }
  FAIL("no member at " << address);
  return nullptr;
}

// The lab member at `address`, as `lab list` shows it now.
inline json member_at(const PlaybookLab& lab, const std::string& address) { return member_in(lab.nodes(), address); }

// The lab's name of the member at `address` ("node2").
inline std::string member_name(const PlaybookLab& lab, const std::string& address) {
  return member_at(lab, address)["name"].get<std::string>();
}

// The pid of the ringnode at `address` in `lab`, to hang it (SIGSTOP) and resume it (SIGCONT).
inline int node_pid(const PlaybookLab& lab, const std::string& address) {
  const json pid = member_at(lab, address)["pid"];
  REQUIRE_MESSAGE(pid.is_number_integer(), pid);
  return pid.get<int>();
}

// SIGKILLs the agent of `member` (as `lab list` showed it) and starts it again.
inline void restart_agent_killed(const PlaybookLab& lab, const json& member) {
  lab.restart_agent_killed(member["agent_pid"].get<int>(), member["name"]);
}

// The events and exit code of a playbook run that was interrupted midway.
struct InterruptedRun {
  std::string out;  // the events as printed, one JSON line each
  std::vector<json> events;
  int exit_code = -1;
  std::string run_id() const { return events.empty() ? "" : events.back().value("run_id", ""); }
  const json& last() const { return events.back(); }
};

// `ringctl -o json playbook ARGS...` (a run or a resume) to its end, `on_event` called at each
// event as it is printed (the run going on behind it): its events and exit code.
inline InterruptedRun run_watched(std::vector<std::string> args, const std::function<void(const json&)>& on_event) {
  args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "playbook"});
  Background run(args);
  InterruptedRun result;
  for (std::string line = run.next_line(); !line.empty(); line = run.next_line()) {
    result.out += line;
    result.events.push_back(json::parse(line));
    on_event(result.events.back());
  }
  result.exit_code = run.wait();
  REQUIRE_MESSAGE(!result.events.empty(), "the run printed no event");
  return result;
}

// `ringctl -o json playbook ARGS...` (a run or a resume); at its first progress event that shows
// some bytes streamed and not all (a join's or a decommission's), `interrupt` is called, the run
// still going on.
inline InterruptedRun run_interrupted(std::vector<std::string> args, const std::function<void()>& interrupt) {
  bool interrupted = false;
  InterruptedRun result = run_watched(std::move(args), [&](const json& event) {
    if (interrupted || event["event"] != "progress") return;
    interrupted = event.value("done", 0) > 0 && event.value("done", 0) < event.value("total", 0);
    if (interrupted) interrupt();
  });
  REQUIRE_MESSAGE(interrupted, "the run never showed bytes streaming: " << result.out);
  return result;
}

// `ringctl -o json playbook ARGS...` SIGKILLed at the first event `at` accepts (the event
// printed, the run going on behind it): the events up to it. REQUIREs that the run got there.
inline InterruptedRun run_killed_at(std::vector<std::string> args, const std::function<bool(const json&)>& at) {
  args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "playbook"});
  Background run(args);
  InterruptedRun result;
  bool reached = false;
  for (std::string line = run.next_line(); !line.empty() && !reached; line = run.next_line()) {
    result.out += line;
    result.events.push_back(json::parse(line));
    reached = at(result.events.back());
  }
  REQUIRE_MESSAGE(reached, "the run ended before the point to kill it at: " << result.out);
  result.exit_code = run.kill_and_reap();
  return result;
}

inline bool is_event(const json& e, const std::string& event, const std::string& step) {
  return e.value("event", "") == event && e.value("step", "") == step;
}

// A run stopped by a node's fault: failed (exit 2), resumable, the message naming the node.
inline void check_failed_naming(const InterruptedRun& run, const std::string& node) {
  INFO(run.out);
  CHECK(run.exit_code == 2);
  CHECK(run.last()["event"] == "run_finished");
  CHECK(run.last()["status"] == "failed");
  CHECK_MESSAGE(run.last().value("message", "").find(node) != std::string::npos, run.last().dump());
  const ProcessResult runs = test_support::run_process({RINGCTL_BIN, "-o", "json", "playbook", "runs"});
  REQUIRE(runs.exit_code == 0);
  const json listing = json::parse(runs.out);
  json listed;
  for (const json& each : listing["runs"]) {
    if (each["run_id"] == run.run_id()) listed = each;
  }
  CHECK_MESSAGE(listed["status"] == "failed", runs.out);
}

// A scale-down run of `node`, its decommission held streaming by the node's stream throughput
// (past the limiter's 1 MiB burst), set first: the run's arguments. Then, once the run shows
// it midway, `interrupt` is called.
inline std::vector<std::string> scale_down_throttled(const PlaybookLab& lab, const std::string& node) {
  REQUIRE(lab.set_stream_throughput(node, "0.05"));
  return {"run",   "scale-down",        "--var", "node=" + node, "--var", "host_id=" + host_id_of(node),
          "--var", "leave_timeout=120", "--var", lab.lab_var(),  "--yes"};
}

// The nodes `ringctl rebalance` finds in cleanup debt, once it finds any (their agents report
// the loads every few gossip rounds, so a node added just now may not show yet); empty when it
// found none within 60 s.
inline std::vector<std::string> nodes_in_cleanup_debt() {
  std::vector<std::string> indebted;
  ringruntime::wait_until(
      [&] {
        const json report = json::parse(run_process({RINGCTL_BIN, "-o", "json", "rebalance"}).out, nullptr, false);
        if (!report.is_object()) return false;
        for (const json& finding : report.value("findings", json::array())) {
          if (finding["kind"] != "cleanup_debt") continue;
          indebted.clear();
          for (const json& node : finding["cleanup"]) indebted.push_back(node["address"]);
          return !indebted.empty();
        }
        return false;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  return indebted;
}

// A scale-up run on `lab`, the join held streaming by the new node's stream throughput (past
// the limiter's 1 MiB burst), the dropped-messages alert set out of reach (messages to a node
// faulted are dropped, and some of a writer's on a loaded machine) so that what stops the run is
// the fault itself: the run's arguments.
inline std::vector<std::string> scale_up_throttled(const PlaybookLab& lab) {
  return {"run",   "scale-up",
          "--var", lab.lab_var(),
          "--var", "stream_throughput_mib=0.05",
          "--var", "join_timeout=300",
          "--var", "dropped_messages_warn=1",
          "--var", "dropped_messages_critical=1",
          "--yes"};
}

// `lab up` of `nodes` nodes, then `rows` rows of 1,000 bytes written at QUORUM: with rf 3, a join
// or decommission of a few thousand rows streams for seconds past its limiter's 1 MiB burst.
inline void up_with_rows(const PlaybookLab& lab, int nodes, int rows) {
  const ProcessResult up = lab.up(nodes);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  lab.must({"stress", "--rows", std::to_string(rows), "--value-size", "1000", "--cl", "QUORUM"});
}

inline InterruptedRun scale_down_interrupted(const PlaybookLab& lab, const std::string& node,
                                             const std::function<void()>& interrupt) {
  return run_interrupted(scale_down_throttled(lab, node), interrupt);
}

// The writes a QuorumWriter's batches made: acknowledged (each recorded for `lab verify`) and
// failed.
struct WritesMade {
  std::int64_t acknowledged = 0, failed = 0;
};

inline WritesMade writes_made(QuorumWriter& writer) {
  WritesMade made;
  for (const ProcessResult& batch : writer.finish()) {
    const json report = json::parse(batch.out, nullptr, false);
    if (!report.is_object()) continue;
    made.acknowledged += report.value("acknowledged", std::int64_t{0});
    made.failed += report.value("failed", std::int64_t{0});
  }
  return made;
}

// Waits until the agent of the node at `address` lists a bootstrap running: a node restarted
// has resumed its bootstrap (the agent lists its last collection, which until then can still
// show the failed bootstrap that stopped the run, and a run resumed on that fails again at once).
inline void wait_bootstrap_running(const PlaybookLab& lab, const std::string& address) {
  const std::vector<std::string> jobs = {RINGCTL_BIN, "-o", "json", "-h", address + ":" + lab.ports().agent, "jobs"};
  const bool running = ringruntime::wait_until(
      [&] {
        const json listing = json::parse(test_support::run_process(jobs).out, nullptr, false);
        if (!listing.is_object() || !listing["jobs"].is_array()) return false;
        for (const json& job : listing["jobs"]) {
          if (job["operation"] == "bootstrap" && job["state"] == "running") return true;
        }
        return false;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(250));
  REQUIRE_MESSAGE(running, test_support::run_process(jobs).out);
}

inline void kill_member(const PlaybookLab& lab, const std::string& address) {
  REQUIRE(lab.lab({"kill", member_name(lab, address)}).exit_code == 0);
}

}  // namespace test_support
