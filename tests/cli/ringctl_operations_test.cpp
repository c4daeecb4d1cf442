// decommission, removenode, cleanup, repair and jobs, run as ringctl processes against a strict
// fake agent (tests/support/strict_fake_agent.h): what each sends, how it reads 200, 202 and
// errors, its exit codes, and --wait's events, on a pipe and on a terminal.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/json_lines.h"
#include "support/run_process.h"
#include "support/strict_fake_agent.h"
#include "support/temp_dir.h"
#include "support/test_paths.h"

using nlohmann::json;
using test_support::json_lines;
using test_support::ProcessResult;
using test_support::StrictFakeAgent;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A scratch cluster config, so that no operator's file is read; no token from the environment.
struct Scratch {
  const test_support::TempDir temp{"ringctl-operations-"};
  const std::filesystem::path dir = temp.path();
  Scratch() {
    setenv("RINGCTL_CONFIG", (dir / "clusters.yaml").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
  void write_config(const std::vector<std::string>& agents) const {
    std::ofstream out(dir / "clusters.yaml");
    out << "default: two\nclusters:\n  two:\n    agents:\n";
    for (const std::string& agent : agents) out << "      - \"" << agent << "\"\n";
  }
};

ProcessResult ringctl(std::vector<std::string> args) {
  args.insert(args.begin(), RINGCTL_BIN);
  return test_support::run_process(args);
}

json job(const std::string& operation, const std::string& state, int done, int total = 4194304) {
  return {{"id", "j1"},
          {"operation", operation},
          {"state", state},
          {"progress", {{"done", done}, {"total", total}, {"unit", "bytes"}}},
          {"started_at", "2026-11-22T10:00:00.123Z"},
          {"ended_at", nullptr},
          {"error", nullptr},
          {"parameters", json::object()},
          {"result", nullptr}};
}

json error_body(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

}  // namespace

TEST_CASE("a mutating command without -h is refused before any agent is asked, whatever the config names") {
  Scratch scratch;
  StrictFakeAgent first, second;
  scratch.write_config({first.address(), second.address()});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"decommission"}, {"removenode", "3f1c2e8a-5d1b-4c39-9a3e-2b7e0c1d9f01"}, {"cleanup"}, {"repair"}}) {
    CAPTURE(args[0]);
    const ProcessResult r = ringctl(args);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, args[0] + " changes a node: name that node's agent with -h HOST[:PORT]"));
  }
  check_strict(first);
  check_strict(second);
}

TEST_CASE("a mutating command never falls over to another agent: an unreachable -h is exit 4") {
  Scratch scratch;
  StrictFakeAgent other;
  scratch.write_config({other.address()});
  StrictFakeAgent gone;
  const std::string address = gone.address();
  gone.stop();
  const ProcessResult r = ringctl({"decommission", "-h", address});
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "cannot be reached"));
  check_strict(other);
}

TEST_CASE("decommission: 202 is a job started, 200 the same job already running") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("POST", "/v1/operations/decommission", 202, {{"job", job("decommission", "running", 0)}});
  agent.expect("POST", "/v1/operations/decommission", 200, {{"job", job("decommission", "running", 10)}});
  ProcessResult r = ringctl({"decommission", "-h", agent.address()});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "decommission job j1 started\n");
  r = ringctl({"-o", "json", "decommission", "-h", agent.address(), "--force"});
  CHECK(r.exit_code == 0);
  const json document = json::parse(r.out);
  CHECK(document["already_running"] == true);
  CHECK(document["job"]["progress"]["done"] == 10);
  const auto received = agent.received();
  REQUIRE(received.size() == 2);
  CHECK(json::parse(received[0].body) == json{{"force", false}});
  CHECK(json::parse(received[1].body) == json{{"force", true}});
  check_strict(agent);
}

TEST_CASE("an agent's refusal: 409 exits 2, 401 and 403 exit 8 naming the token, 405 exits 2") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("POST", "/v1/operations/decommission", 409,
               error_body("conflict", "Not enough live nodes to maintain replication factor"));
  agent.expect("POST", "/v1/operations/cleanup", 401, error_body("unauthorized", "no bearer token"));
  agent.expect("POST", "/v1/operations/repair", 403, error_body("forbidden", "a read token cannot POST"));
  agent.expect("POST", "/v1/operations/cleanup", 405, error_body("method_not_allowed", "POST is not allowed"));
  ProcessResult r = ringctl({"decommission", "-h", agent.address()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "Not enough live nodes"));
  r = ringctl({"-o", "json", "cleanup", "-h", agent.address(), "--token", "wrong"});
  CHECK(r.exit_code == 8);
  const json error = json::parse(r.err)["error"];
  CHECK(error["code"] == "unauthorized");
  CHECK(error["exit_code"] == 8);
  CHECK(contains(error["message"].get<std::string>(), "the agent refused the token: agent "));
  r = ringctl({"repair", "-h", agent.address(), "--token", "reader"});
  CHECK(r.exit_code == 8);
  CHECK(contains(r.err, "the agent refused the token: "));
  CHECK(contains(r.err, "a read token cannot POST"));
  r = ringctl({"cleanup", "-h", agent.address()});
  CHECK(r.exit_code == 2);
  check_strict(agent);
  const auto received = agent.received();
  REQUIRE(received.size() == 4);
  CHECK(received[1].header("Authorization") == "Bearer wrong");
}

TEST_CASE("cleanup --wait -o json: progress events as the job moves, then done, exit 0") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("POST", "/v1/operations/cleanup", 202, {{"job", job("cleanup", "running", 0)}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", job("cleanup", "running", 0)}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", job("cleanup", "running", 2097152)}});
  json done = job("cleanup", "succeeded", 4194304);
  done["result"] = {{"bytes_removed", 1000}};
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", done}});
  const ProcessResult r = ringctl({"-o", "json", "cleanup", "ks1", "-h", agent.address(), "--wait"});
  CHECK(r.exit_code == 0);
  const std::vector<json> events = json_lines(r.out);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["event"] == "progress");
  CHECK(events[1]["event"] == "progress");
  CHECK(events[1]["job"]["progress"]["done"] == 2097152);
  CHECK(events[2]["event"] == "done");
  CHECK(events[2]["job"]["result"]["bytes_removed"] == 1000);
  CHECK(json::parse(agent.received()[0].body) == json{{"keyspace", "ks1"}});
  check_strict(agent);
}

TEST_CASE("repair --wait: a failed job is exit 2 with its error, and --timeout is exit 3 with how to re-attach") {
  Scratch scratch;
  StrictFakeAgent agent;
  json failed = job("repair", "failed", 10);
  failed["error"] = "replica 127.0.0.2 does not answer";
  agent.expect("POST", "/v1/operations/repair", 202, {{"job", job("repair", "running", 0)}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", failed}});
  ProcessResult r = ringctl({"repair", "-h", agent.address(), "--wait", "--st", "-100", "--et", "100"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "repair job j1 failed: replica 127.0.0.2 does not answer"));
  CHECK(json::parse(agent.received()[0].body) ==
        json{{"primary_range", false}, {"start_token", "-100"}, {"end_token", "100"}});

  agent.expect("POST", "/v1/operations/repair", 202, {{"job", job("repair", "running", 0)}});
  agent.expect_always("GET", "/v1/jobs/j1", 200, {{"job", job("repair", "running", 5)}});
  r = ringctl({"-o", "json", "repair", "-h", agent.address(), "--wait", "--timeout", "0.5"});
  CHECK(r.exit_code == 3);
  const std::vector<json> events = json_lines(r.out);
  REQUIRE(!events.empty());
  CHECK(events.back()["event"] == "timeout");
  CHECK(json::parse(r.err)["error"]["code"] == "timed_out");
  CHECK(contains(r.err, "ringctl jobs -h " + agent.address() + " --wait j1"));
  check_strict(agent);
}

TEST_CASE("--wait rides through the node stopping mid-operation, and back without the job ends unknown, exit 7") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("POST", "/v1/operations/decommission", 202, {{"job", job("decommission", "running", 0)}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", job("decommission", "running", 1024)}});
  // Killed: the agent answers that its node does not, which the wait rides through (a node
  // paused for a few seconds says the same); started again, the node has no such job.
  agent.expect("GET", "/v1/jobs/j1", 503, error_body("unavailable", "node 127.0.0.1:9042: connection refused"));
  agent.expect("GET", "/v1/jobs/j1", 404, error_body("not_found", "node 127.0.0.1:9042: no job j1 on this node"));
  const ProcessResult r = ringctl({"-o", "json", "decommission", "-h", agent.address(), "--wait"});
  CHECK(r.exit_code == 7);
  const std::vector<json> events = json_lines(r.out);
  REQUIRE(events.size() == 4);
  CHECK(events[2]["event"] == "unanswered");
  CHECK(contains(events[2]["error"].get<std::string>(), "connection refused"));
  CHECK(events[3]["event"] == "unknown");
  CHECK(events[3]["job"]["progress"]["done"] == 1024);
  CHECK(contains(events[3]["error"].get<std::string>(), "no job j1 on this node"));
  CHECK(json::parse(r.err)["error"]["code"] == "outcome_unknown");
  check_strict(agent);
}

TEST_CASE("removenode status reads the running removal, and removenode --wait draws a bar fitted to the terminal") {
  Scratch scratch;
  StrictFakeAgent agent;
  json running = job("removenode", "running", 1572864);
  running["parameters"] = {{"host_id", "c4d3e2f1-0a9b-4c8d-8e7f-6a5b4c3d2e10"}};
  agent.expect("GET", "/v1/jobs", 200, {{"jobs", json::array({job("cleanup", "succeeded", 1), running})}});
  ProcessResult r = ringctl({"removenode", "status", "-h", agent.address()});
  CHECK(r.exit_code == 0);
  CHECK(
      r.out ==
      "RemovalStatus: Removing host c4d3e2f1-0a9b-4c8d-8e7f-6a5b4c3d2e10 (job j1, 1572864/4194304 bytes restored).\n");

  // On a terminal (script(1) gives ringctl a pseudo-terminal) the bar is redrawn in place and
  // never wider than the terminal ($COLUMNS, as script's terminal has no size of its own).
  agent.expect("POST", "/v1/operations/removenode", 202, {{"job", running}});
  json more = running;
  more["progress"]["done"] = 3145728;
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", more}});
  json done = running;
  done["state"] = "succeeded";
  done["progress"]["done"] = 4194304;
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", done}});
  const std::string command = "COLUMNS=48 " + std::string(RINGCTL_BIN) +
                              " removenode c4d3e2f1-0a9b-4c8d-8e7f-6a5b4c3d2e10 -h " + agent.address() + " --wait";
  r = test_support::run_process({"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "removenode job j1 started; waiting for it to end"));
  CHECK(contains(r.out, "\r\033[Kremovenode [==>   ] 1.5 MiB / 4 MiB  37%"));
  CHECK(contains(r.out, "3 MiB / 4 MiB  75%"));
  CHECK(contains(r.out, "removenode job j1 succeeded"));
  std::size_t start = 0;
  for (std::size_t at; (at = r.out.find("\r\033[K", start)) != std::string::npos; start = at + 1) {
    const std::size_t end = std::min(r.out.find_first_of("\r\n", at + 4), r.out.size());
    CHECK(end - (at + 4) <= 47);  // a column is left free
  }
  check_strict(agent);
}

TEST_CASE("--timeout takes a finite number of seconds above 0 up to a week, only with --wait") {
  Scratch scratch;
  StrictFakeAgent agent;
  for (const char* bad : {"1e10", "nan", "0", "-3", "inf", "ten"}) {
    CAPTURE(bad);
    const ProcessResult r = ringctl({"cleanup", "-h", agent.address(), "--wait", "--timeout", bad});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "--timeout"));
    CHECK(contains(r.err, "above 0 and at most 604800 (7 days), got '" + std::string(bad) + "'"));
    CHECK(r.err.size() < 300);
  }
  ProcessResult r = ringctl({"cleanup", "-h", agent.address(), "--timeout", "10"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "--timeout requires --wait"));
  // The lab's waits take the same values: refused before anything is started.
  r = ringctl({"lab", "add", "--dir", (scratch.dir / "lab").string(), "--timeout", "-3"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "got '-3'"));
  CHECK(!std::filesystem::exists(scratch.dir / "lab"));
  check_strict(agent);
}

TEST_CASE("jobs lists the node's jobs, and jobs --wait ID follows one to its end") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("GET", "/v1/jobs", 200,
               {{"freshness", {{"stale", false}}}, {"jobs", json::array({job("repair", "running", 2097152)})}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", job("repair", "running", 2097152)}});
  agent.expect("GET", "/v1/jobs/j1", 200, {{"job", job("repair", "succeeded", 4194304)}});
  ProcessResult r = ringctl({"jobs", "-h", agent.address()});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "ID  OPERATION  STATE    PROGRESS"));
  CHECK(contains(r.out, "j1  repair     running  "));
  r = ringctl({"-o", "json", "jobs", "-h", agent.address(), "--wait", "j1"});
  CHECK(r.exit_code == 0);
  const std::vector<json> events = json_lines(r.out);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["event"] == "progress");
  CHECK(events[1]["event"] == "done");
  check_strict(agent);
}

TEST_CASE("-h is validated before anything is sent, and transport failures are said in plain words") {
  Scratch scratch;
  for (const char* bad : {"::::", "bad host name", "256.1.1.1", "ftp://x"}) {
    CAPTURE(bad);
    const ProcessResult r = ringctl({"jobs", "-h", bad});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "agent address '" + std::string(bad) + "': "));
  }
  StrictFakeAgent gone;
  const std::string address = gone.address();
  gone.stop();
  ProcessResult r = ringctl({"jobs", "-h", address});
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "connection refused"));
  CHECK(!contains(r.err, "Connection\n"));
  r = ringctl({"jobs", "-h", address, "--cacert", (scratch.dir / "missing-ca.pem").string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "cannot read CA file '" + (scratch.dir / "missing-ca.pem").string() + "'"));
}

TEST_CASE("an agent on IPv6 is reached with -h ::1 in brackets and a port") {
  Scratch scratch;
  StrictFakeAgent agent("::1");
  agent.expect("GET", "/v1/jobs", 200, {{"jobs", json::array()}});
  const std::string address = "[::1]:" + std::to_string(agent.port());
  const ProcessResult r = ringctl({"jobs", "-h", address});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "No jobs on the node of agent " + address + ".\n");
  check_strict(agent);
}

TEST_CASE("Ctrl-C while waiting says the job goes on and how to follow it, and exits 130") {
  Scratch scratch;
  StrictFakeAgent agent;
  agent.expect("POST", "/v1/operations/repair", 202, {{"job", job("repair", "running", 0)}});
  agent.expect_always("GET", "/v1/jobs/j1", 200, {{"job", job("repair", "running", 5)}});
  const std::string err_file = (scratch.dir / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const std::string address = agent.address();
  std::vector<std::string> args = {RINGCTL_BIN, "repair", "-h", address, "--wait"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, RINGCTL_BIN, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  // Interrupt once it is following the job (it has polled it), which is when the notice holds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (agent.received().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the fake, not a wait to pass
  }
  REQUIRE(agent.received().size() >= 2);
  kill(pid, SIGINT);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  std::ifstream in(err_file);
  const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(contains(err,
                 "ringctl: interrupted: the repair job j1 goes on on the node; follow it again with: ringctl jobs -h " +
                     address + " --wait j1"));
  CHECK(agent.unexpected() == std::vector<std::string>{});
}
