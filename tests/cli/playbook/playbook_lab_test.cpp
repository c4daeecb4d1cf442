// The playbooks on a real lab (ringnode and ringd processes), in one lab to keep CI time down:
// a dry run changes nothing; removing a node below rf and a host-id mismatch are refused with
// exit 5 before anything changes; scale-up 3 -> 4 while a writer writes at QUORUM, with the CLI SIGKILLed while the
// new node joins and `playbook resume` finishing the run without a second node; then
// scale-down 4 -> 3; a pre-flight refusal with a node down; a join stalled past the critical
// threshold stops the run (exit 3) and resume finishes it; a rolling restart under writers with
// no failed write; the repair playbook; every acknowledged write is readable after each.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ringruntime/wait.h"
#include "support/json_lines.h"
#include "support/run_process.h"

namespace {

using nlohmann::json;
using test_support::json_lines;
using test_support::ProcessResult;

// Ports of its own, apart from the other lab tests'.
const std::string kStoragePort = "26060";
const std::string kNativePort = "29060";
const std::string kAgentPort = "7660";

class PlaybookLab {
 public:
  PlaybookLab() {
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    setenv("RINGCTL_CONFIG", (directory_ / "clusters.yaml").c_str(), 1);
    setenv("RINGCTL_RUNS_DIR", (directory_ / "runs").c_str(), 1);
    setenv("XDG_CONFIG_HOME", (directory_ / "config").c_str(), 1);  // no operator's own playbooks
    unsetenv("RINGCTL_TOKEN");
  }
  ~PlaybookLab() {
    lab({"down"});
    std::filesystem::remove_all(directory_);
  }
  std::string lab_dir() const { return (directory_ / "lab").string(); }
  std::filesystem::path runs() const { return directory_ / "runs"; }
  ProcessResult lab(std::vector<std::string> args) const {
    args.insert(args.begin(), {RINGCTL_BIN, "lab", "--dir", lab_dir()});
    return test_support::run_process(args);
  }
  // `ringctl -o json playbook ARGS...`
  ProcessResult playbook(std::vector<std::string> args) const {
    args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "playbook"});
    return test_support::run_process(args);
  }
  int members() const {
    const ProcessResult list = lab({"list", "-o", "json"});
    REQUIRE_MESSAGE(list.exit_code == 0, list.err);
    return static_cast<int>(json::parse(list.out)["nodes"].size());
  }

 private:
  std::filesystem::path directory_ =
      std::filesystem::temp_directory_path() / ("ringctl-playbook-test-" + std::to_string(getpid()));
};

// A ringctl running in the background, its stdout read line by line.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      const int null = open("/dev/null", O_RDWR);
      dup2(null, STDIN_FILENO);
      close(pipe_fds[0]);
      std::vector<char*> args;
      for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(pipe_fds[1]);
    out_ = fdopen(pipe_fds[0], "r");
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }
  // The next line of output; "" at its end.
  std::string next_line() {
    char* line = nullptr;
    size_t size = 0;
    const ssize_t n = getline(&line, &size, out_);
    std::string text = n > 0 ? std::string(line, static_cast<std::size_t>(n)) : "";
    free(line);
    return text;
  }
  int kill_and_reap() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

int count_events(const std::vector<json>& events, const std::string& event, const std::string& step,
                 const std::string& status = "") {
  int count = 0;
  for (const json& e : events) {
    if (e.value("event", "") == event && e.value("step", "") == step &&
        (status.empty() || e.value("status", "") == status))
      ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("scale-up and scale-down playbooks on a lab under a QUORUM writer, resumed after a SIGKILL mid-join") {
  PlaybookLab lab;
  const ProcessResult up = lab.lab({"up", "--nodes", "3", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                    "--agent-port", kAgentPort, "--timeout", "120"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const std::string lab_var = "lab_dir=" + lab.lab_dir();
  REQUIRE(lab.lab({"stress", "--rows", "2000", "--cl", "QUORUM"}).exit_code == 0);

  {  // --dry-run prints every step and changes nothing
    const ProcessResult dry = lab.playbook({"run", "scale-up", "--var", lab_var, "--dry-run"});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    const auto events = json_lines(dry.out);
    REQUIRE(!events.empty());
    CHECK(events.back()["event"] == "run_finished");
    CHECK(events.back()["status"] == "succeeded");
    int would = 0;
    for (const json& e : events) would += e["event"] == "would" ? 1 : 0;
    CHECK(would >= 4);  // the question, start, join, repair: every step printed
    CHECK(lab.members() == 3);
    CHECK_FALSE(std::filesystem::exists(lab.runs() / "locks"));  // no run was journaled
  }

  // Removing a node of three with rf 3: refused before anything changes (exit 5), naming the check.
  const ProcessResult below_rf =
      lab.playbook({"run", "scale-down", "--var", "node=127.0.0.3", "--var", lab_var, "--yes"});
  INFO(below_rf.out << below_rf.err);
  CHECK(below_rf.exit_code == 5);
  CHECK(json_lines(below_rf.out).back()["message"].get<std::string>().find("replication_factor") != std::string::npos);
  CHECK(lab.members() == 3);

  // Scale-up with a writer at QUORUM, the CLI killed while the new node joins.
  Background writer({RINGCTL_BIN, "lab", "--dir", lab.lab_dir(), "stress", "--rows", "20000", "--cl", "QUORUM"});
  std::string run_id;
  {
    Background run({RINGCTL_BIN, "-o", "json", "playbook", "run", "scale-up", "--var", lab_var, "--yes"});
    for (std::string line = run.next_line(); !line.empty(); line = run.next_line()) {
      const json event = json::parse(line);
      run_id = event.value("run_id", "");
      if (event["event"] == "step_started" && event["step"] == "4.1.2") break;  // the join is being waited for
    }
    REQUIRE_MESSAGE(!run_id.empty(), "the run never reached the join");
    run.kill_and_reap();
  }
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
  CHECK(lab.members() == 4);  // one node added, not two
  CHECK(writer.wait() == 0);  // no QUORUM write failed
  CHECK(std::filesystem::exists(lab.runs() / run_id / "report.md"));

  const ProcessResult verify = lab.lab({"verify", "--cl", "QUORUM"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);

  // A host id that is not the node's: refused (exit 5) naming it, nothing decommissioned.
  const ProcessResult mismatch = lab.playbook(
      {"run", "scale-down", "--var", "node=127.0.0.4", "--var", "host_id=not-its-host-id", "--var", lab_var, "--yes"});
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
  const ProcessResult down = lab.playbook(
      {"run", "scale-down", "--var", "node=127.0.0.4", "--var", "host_id=" + host_id, "--var", lab_var, "--yes"});
  INFO(down.out << down.err);
  CHECK(down.exit_code == 0);
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
  CHECK(refusal.find("127.0.0.3") != std::string::npos);
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
  // run with exit 3, resumable; with the limit lifted, resume finishes the join.
  const ProcessResult stalled =
      lab.playbook({"run", "scale-up", "--var", lab_var, "--var", "stream_throughput_mib=0.01", "--var",
                    "stall_critical=4", "--var", "stall_warn=2", "--yes"});
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
  REQUIRE(test_support::run_process({RINGCTL_BIN, "-h", joining + ":" + kAgentPort, "setstreamthroughput", "0"})
              .exit_code == 0);
  const ProcessResult finished = lab.playbook({"resume", stop["run_id"]});
  INFO(finished.out << finished.err);
  CHECK(finished.exit_code == 0);
  CHECK(lab.members() == 4);
  // The agents report the run's last cleanups as ended at their next collection; until then a
  // pre-flight would rightly refuse to start.
  std::string activity;
  const bool quiet = ringruntime::wait_until(
      [&] {
        const ProcessResult health = test_support::run_process({RINGCTL_BIN, "-o", "json", "health"});
        activity = health.out + health.err;
        if (health.out.empty()) return false;
        const json doc = json::parse(health.out);  // named: a temporary's member would dangle in the loop
        for (const json& check : doc["checks"]) {
          if (check["name"] == "streaming_operations") return check["status"] == "ok";
        }
        return false;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  REQUIRE_MESSAGE(quiet, activity);

  // Rolling restart under writers at QUORUM, from before the first node stops until after the
  // last is ready: no write fails, because the next node goes down only once the cluster is
  // whole again.
  std::atomic<bool> restarted = false;
  std::vector<ProcessResult> batches;
  std::thread writers([&] {
    while (!restarted) batches.push_back(lab.lab({"stress", "--rows", "500", "--cl", "QUORUM", "-o", "json"}));
  });
  const ProcessResult restart = lab.playbook({"run", "rolling-restart", "--var", lab_var, "--yes"});
  restarted = true;
  writers.join();
  INFO(restart.out << restart.err);
  CHECK(restart.exit_code == 0);
  const auto restart_events = json_lines(restart.out);
  for (const std::string& node :
       {std::string("127.0.0.1"), std::string("127.0.0.2"), std::string("127.0.0.3"), joining}) {
    int stopped = 0;
    for (const json& e : restart_events) stopped += e["event"] == "node_stopping" && e["node"] == node ? 1 : 0;
    CHECK_MESSAGE(stopped == 1, node);
  }
  CHECK(batches.size() >= 2);
  for (const ProcessResult& batch : batches) CHECK_MESSAGE(batch.exit_code == 0, batch.out << batch.err);
  CHECK(lab.lab({"verify", "--cl", "QUORUM"}).exit_code == 0);

  // Repair, one node at a time: a repair step per node, each followed to its end.
  const ProcessResult repair = lab.playbook({"run", "repair", "--yes"});
  INFO(repair.out << repair.err);
  CHECK(repair.exit_code == 0);
  int repaired = 0;
  for (const json& e : json_lines(repair.out)) {
    repaired += e["event"] == "step_finished" && e.value("title", "").rfind("repair -pr on 127.0.0.", 0) == 0 ? 1 : 0;
  }
  CHECK(repaired == 4);
}
