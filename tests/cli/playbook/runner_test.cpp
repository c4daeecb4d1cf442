// The run's launcher: the variables' else the cluster entry's, and a run that would start or stop
// nodes with no launcher, or with the lab launcher on a cluster that is not a lab, refused before
// anything runs - against a strict fake agent that fails on any request, so that a step that ran
// (the pre-flight asks every agent) shows. And the checks' verdicts on what only a fake can show
// on cue: one node's view alone seeing a peer down, a health warning under fail_on (strict fake
// agents on 127.0.109.1..3, one per node); and an ssh step's connect timeout against a host that
// never answers.
#include "playbook/runner.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "playbook/cluster_lock.h"
#include "playbook/launcher.h"
#include "playbook/playbook_loader.h"
#include "playbook/variables.h"
#include "support/full_listener.h"
#include "support/strict_fake_agent.h"
#include "support/temp_dir.h"
#include "support/test_files.h"
#include "support/test_paths.h"
#include "support/thrown_error.h"

namespace {

using nlohmann::json;
using test_support::StrictFakeAgent;

// A cluster config holding `clusters` (YAML under `clusters:`, default prod), and a runs
// directory, both of this test's own.
class ScratchConfig {
 public:
  explicit ScratchConfig(const std::string& clusters) : home_("ringctl-runner-test-") {
    const std::string config = home_.path() + "/clusters.yaml";
    std::ofstream(config) << "default: prod\nclusters:\n" << clusters;
    setenv("RINGCTL_CONFIG", config.c_str(), 1);
    setenv("RINGCTL_RUNS_DIR", runs().c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
  ~ScratchConfig() {
    unsetenv("RINGCTL_CONFIG");
    unsetenv("RINGCTL_RUNS_DIR");
  }
  std::string runs() const { return home_.path() + "/runs"; }
  std::string config() const { return home_.path() + "/clusters.yaml"; }

 private:
  test_support::TempDir home_;
};

// Starts the shipped scale-up playbook with `settings` (--var) on the default cluster; the
// error it is refused with. Checks that nothing ran: no event, no journal, no request.
ringcore::Error refused_scale_up(const StrictFakeAgent& agent, const ScratchConfig& scratch,
                                 const std::vector<std::string>& settings) {
  const auto book = ringctl::playbook::load_playbook(std::string(RINGCTL_PLAYBOOKS_DIR) + "/scale-up.yaml");
  REQUIRE(book.ok());
  const auto values = ringctl::playbook::bind_variables(*book, settings);
  REQUIRE(values.ok());
  std::vector<ringctl::Document> events;
  const ringctl::playbook::EventSink sink = [&events](const ringctl::Document& event) { events.push_back(event); };
  ringctl::playbook::RunOptions options;
  options.yes = true;
  const ringcore::Error error =
      test_support::thrown_error([&] { ringctl::playbook::start_run(*book, *values, options, sink); });
  CHECK(events.empty());                                 // not even run_started
  CHECK_FALSE(std::filesystem::exists(scratch.runs()));  // no journal, no lock
  test_support::check_strict(agent);                     // no step asked the agent anything
  return error;
}

// Three nodes, each with its own agent: the example cluster (tests/data/status_example.json) at
// the agents' addresses, every node up and normal, its disk 10% used.
class ThreeAgents {
 public:
  ThreeAgents() {
    for (const char* host : {"127.0.109.1", "127.0.109.2", "127.0.109.3"}) agents_.emplace_back(host);
  }
  StrictFakeAgent& operator[](std::size_t i) { return agents_[i]; }
  // The cluster config's entry for them.
  std::string entry() const {
    std::string listed;
    for (const StrictFakeAgent& agent : agents_) listed += (listed.empty() ? "\"" : ", \"") + agent.address() + "\"";
    return "  prod:\n    agents: [" + listed + "]\n    launcher: lab\n    lab_dir: /nonexistent/lab\n";
  }
  // /v1/cluster as agent `i` answers it: its view, with `down` (an address) down in it.
  json cluster(std::size_t i, const std::string& down = "") const {
    json snapshot = json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
    for (std::size_t n = 0; n < agents_.size(); ++n) {
      snapshot["nodes"][n]["address"] = host(n);
      snapshot["nodes"][n]["status"] = host(n) == down ? "down" : "up";
    }
    // The second agent's view is the freshest: the run's snapshot is taken from it.
    const double age = i == 1 ? 0.5 : 1.0;
    return {{"freshness", {{"age_seconds", age}, {"stale", false}, {"error", nullptr}}}, {"snapshot", snapshot}};
  }
  // What one survey asks agent `i` (cluster_survey.h), its node's capacity `capacity`.
  void expect_survey(std::size_t i, const json& cluster, json capacity = json::object()) {
    capacity["disk_total_bytes"] = 100'000'000'000;
    capacity["disk_used_bytes"] = 10'000'000'000;
    agents_[i].expect("GET", "/v1/cluster", 200, cluster);
    agents_[i].expect("GET", "/v1/node", 200, {{"node", {{"address", host(i)}, {"capacity", capacity}}}});
    agents_[i].expect("GET", "/v1/jobs", 200, {{"jobs", json::array()}});
    agents_[i].expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
    if (i == 1) agents_[i].expect("GET", "/v1/cluster", 200, cluster);  // the freshest, asked again whole
  }
  std::string host(std::size_t i) const { return "127.0.109." + std::to_string(i + 1); }
  void check_strict() const {
    for (const StrictFakeAgent& agent : agents_) test_support::check_strict(agent);
  }

 private:
  std::deque<StrictFakeAgent> agents_;  // not movable: a deque keeps them where they were made
};

// A run of the shipped playbook `name` with `settings` on the default cluster; its events.
struct ShippedRun {
  ShippedRun(const std::string& name, const std::vector<std::string>& settings) {
    const auto book = ringctl::playbook::load_playbook(std::string(RINGCTL_PLAYBOOKS_DIR) + "/" + name + ".yaml");
    REQUIRE(book.ok());
    const auto values = ringctl::playbook::bind_variables(*book, settings);
    REQUIRE(values.ok());
    ringctl::playbook::RunOptions options;
    options.yes = true;
    outcome = ringctl::playbook::start_run(*book, *values, options,
                                           [this](const ringctl::Document& event) { events.push_back(event); });
  }
  // The "check" events of `check` (a finding each).
  std::vector<ringctl::Document> findings(const std::string& check) const {
    std::vector<ringctl::Document> found;
    for (const ringctl::Document& event : events)
      if (event.value("event", "") == "check" && event.value("check", "") == check) found.push_back(event);
    return found;
  }
  ringctl::Document finding(const std::string& check, const std::string& name) const {
    for (const ringctl::Document& event : findings(check))
      if (event.value("name", "") == name) return event;
    return nullptr;
  }
  int exit_code() const { return ringctl::exit_code_for_run(outcome.status, outcome.error); }

  ringctl::playbook::RunOutcome outcome;
  std::vector<ringctl::Document> events;
};

}  // namespace

TEST_CASE("a scale-up on a cluster that names no launcher is refused before any step runs, saying what to give") {
  StrictFakeAgent agent("127.0.0.76");  // expects nothing
  ScratchConfig scratch("  prod:\n    agents: [\"" + agent.address() + "\"]\n");

  const ringcore::Error error = refused_scale_up(agent, scratch, {});
  CHECK(error.code() == ringcore::ErrorCode::kInvalidInput);
  CHECK_MESSAGE(error.message().find("cluster 'prod' names no launcher (its entry in " + scratch.config() + ")") == 0,
                error.message());
  CHECK_MESSAGE(error.message().find("--var launcher=ssh --var hosts=HOST,...") != std::string::npos, error.message());
}

TEST_CASE("the lab launcher on a cluster that is not a lab is refused before any step runs, naming the cluster") {
  StrictFakeAgent agent("127.0.0.76");
  ScratchConfig scratch("  prod:\n    agents: [\"" + agent.address() + "\"]\n    launcher: ssh\n");

  const ringcore::Error error = refused_scale_up(agent, scratch, {"launcher=lab"});
  CHECK(error.code() == ringcore::ErrorCode::kInvalidInput);
  CHECK_MESSAGE(error.message().find("cluster 'prod' is not a lab (its entry in " + scratch.config() +
                                     " does not say launcher: lab") == 0,
                error.message());
  CHECK_MESSAGE(error.message().find("--var launcher=ssh --var hosts=HOST,...") != std::string::npos, error.message());
}

TEST_CASE("a cluster lab up registered gives the lab launcher and its directory, and the run's variables win") {
  ScratchConfig scratch(
      "  prod:\n    agents: [\"127.0.0.76:7070\"]\n    launcher: lab\n    lab_dir: /srv/labs/one\n"
      "  other:\n    agents: [\"127.0.0.77:7070\"]\n");
  using ringctl::playbook::cluster_launch;
  using ringctl::playbook::with_cluster_defaults;
  ringctl::SnapshotSource source;  // the default cluster
  const auto lab = cluster_launch(source);
  CHECK(lab.described == "cluster 'prod'");
  ringctl::playbook::LauncherSettings unset;
  const auto settings = with_cluster_defaults(unset, lab);
  CHECK(settings.kind == "lab");
  CHECK(settings.lab_directory == "/srv/labs/one");
  CHECK(ringctl::playbook::check_launcher_fits(settings, lab).ok());

  ringctl::playbook::LauncherSettings named;
  named.kind = "lab";
  named.lab_directory = "/tmp/elsewhere";
  CHECK(with_cluster_defaults(named, lab).lab_directory == "/tmp/elsewhere");

  source.host = "127.0.0.76";  // -h: the entry that lists that agent (its port the default)
  CHECK(cluster_launch(source).lab_dir == "/srv/labs/one");
  source.host = "127.0.0.77:7070";
  const auto other = cluster_launch(source);
  CHECK(other.described == "cluster 'other'");
  CHECK(with_cluster_defaults(named, other).lab_directory == "/tmp/elsewhere");
  CHECK_FALSE(ringctl::playbook::check_launcher_fits(named, other).ok());  // not a lab, whatever the run says
  ringctl::playbook::LauncherSettings ssh;
  ssh.kind = "ssh";
  CHECK(ringctl::playbook::check_launcher_fits(ssh, other).ok());
}

TEST_CASE("a topology run by -h AGENT takes the lock of the config's cluster listing that agent") {
  StrictFakeAgent agent("127.0.0.76");  // expects nothing: refused at the lock, before any step
  ScratchConfig scratch("  prod:\n    agents: [\"" + agent.address() + "\"]\n    launcher: lab\n");
  const ringctl::playbook::ClusterLock held("prod", "run-by-cluster-name");  // e.g. --cluster prod

  const auto book = ringctl::playbook::load_playbook(std::string(RINGCTL_PLAYBOOKS_DIR) + "/scale-up.yaml");
  REQUIRE(book.ok());
  const auto values = ringctl::playbook::bind_variables(*book, {});
  REQUIRE(values.ok());
  ringctl::playbook::RunOptions options;
  options.source.host = agent.address();
  options.yes = true;
  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::start_run(*book, *values, options, [](const ringctl::Document&) {}); });
  CHECK(error.code() == ringcore::ErrorCode::kConflict);
  CHECK_MESSAGE(error.message().find("cluster prod (run run-by-cluster-name)") != std::string::npos, error.message());
  test_support::check_strict(agent);
}

TEST_CASE("a peer down in one node's view alone blocks the scale-up pre-flight (exit 5), naming that view") {
  ThreeAgents agents;
  ScratchConfig scratch(agents.entry());
  // 127.0.109.1 sees 127.0.109.3 down; the two other views, the freshest among them, see it up:
  // a check of the snapshot, or of most views, would pass.
  agents.expect_survey(0, agents.cluster(0, agents.host(2)));
  agents.expect_survey(1, agents.cluster(1));
  agents.expect_survey(2, agents.cluster(2));

  const ShippedRun run("scale-up", {});
  CHECK(run.outcome.status == ringctl::playbook::RunStatus::kBlocked);
  CHECK(run.exit_code() == 5);
  const ringctl::Document up_normal = run.finding("preflight", "nodes_up_normal");
  REQUIRE_MESSAGE(up_normal.is_object(), ringctl::Document(run.events).dump());
  CHECK(up_normal["status"] == "critical");
  CHECK(up_normal["message"] == "127.0.109.3 is down in the view of 127.0.109.1");
  CHECK(up_normal["nodes"] == ringctl::Document::array({agents.host(2)}));
  // The run says which check blocked it and why; nothing after the pre-flight ran.
  CHECK_MESSAGE(run.outcome.message.find("check preflight blocked the run (critical or worse): nodes_up_normal: "
                                         "127.0.109.3 is down in the view of 127.0.109.1") != std::string::npos,
                run.outcome.message);
  for (const ringctl::Document& finding : run.findings("preflight")) {
    if (finding["name"] != "nodes_up_normal") CHECK_MESSAGE(finding["status"] != "critical", finding.dump());
  }
  CHECK(run.events.back()["event"] == "run_finished");
  CHECK(run.events.back()["status"] == "blocked");
  agents.check_strict();  // every agent surveyed once: the pre-flight, and no step after it
}

TEST_CASE("health-check with fail_on=warn blocks on a warning (exit 5) that the default fail_on only reports") {
  ThreeAgents agents;
  ScratchConfig scratch(agents.entry());
  // 60 pending compactions on 127.0.109.2: over the warn level (50), under the critical (100).
  const json compacting = {{"pending_compactions", 60}};
  for (int run = 0; run < 2; ++run) {
    for (std::size_t i = 0; i < 3; ++i)
      agents.expect_survey(i, agents.cluster(i), i == 1 ? compacting : json::object());
  }

  const ShippedRun strict("health-check", {"fail_on=warn"});
  CHECK(strict.outcome.status == ringctl::playbook::RunStatus::kBlocked);
  CHECK(strict.exit_code() == 5);
  const ringctl::Document pending = strict.finding("health", "pending_compactions");
  REQUIRE_MESSAGE(pending.is_object(), ringctl::Document(strict.events).dump());
  CHECK(pending["status"] == "warn");
  CHECK(pending["nodes"] == ringctl::Document::array({agents.host(1)}));
  CHECK_MESSAGE(strict.outcome.message.find("check health blocked the run (warn or worse): ") != std::string::npos,
                strict.outcome.message);
  CHECK_MESSAGE(strict.outcome.message.find("pending_compactions: ") != std::string::npos, strict.outcome.message);
  for (const ringctl::Document& finding : strict.findings("health"))
    CHECK_MESSAGE(finding["status"] != "critical", finding.dump());

  const ShippedRun lenient("health-check", {});
  CHECK_MESSAGE(lenient.outcome.status == ringctl::playbook::RunStatus::kSucceeded, lenient.outcome.message);
  CHECK(lenient.exit_code() == 0);
  CHECK(lenient.finding("health", "pending_compactions")["status"] == "warn");  // reported, not blocking
  CHECK(lenient.events.back()["status"] == "succeeded");
  agents.check_strict();
}

namespace {

// A playbook of one ssh step to 127.0.0.1, its ssh_port and ssh_connect_timeout variables
// declared as `timeout_spec` says, in a directory of its own.
class OneSshStep {
 public:
  explicit OneSshStep(const std::string& timeout_spec) : dir_("ringctl-runner-ssh-") {
    std::ofstream(path()) << "name: one-ssh-step\ndescription: one command on one host\nvariables:\n"
                             "  ssh_port: {type: int, default: 22}\n"
                             "  ssh_connect_timeout: "
                          << timeout_spec << "\nsteps:\n  - ssh: \"true\"\n    name: run it\n"
                          << "    host: 127.0.0.1\n    timeout: 60\n";
  }
  std::string path() const { return dir_.path() + "/one-ssh-step.yaml"; }
  ringctl::playbook::RunOutcome run(const std::vector<std::string>& settings) const {
    const auto book = ringctl::playbook::load_playbook(path());
    REQUIRE(book.ok());
    const auto values = ringctl::playbook::bind_variables(*book, settings);
    REQUIRE(values.ok());
    ringctl::playbook::RunOptions options;
    options.yes = true;
    return ringctl::playbook::start_run(*book, *values, options, [](const ringctl::Document&) {});
  }

 private:
  test_support::TempDir dir_;
};

}  // namespace

TEST_CASE("an ssh step to a host that never answers fails at ssh_connect_timeout, naming host:port, in the journal") {
  ScratchConfig scratch("  prod:\n    agents: [\"127.0.109.1:7070\"]\n");  // not asked: an ssh step needs no agent
  test_support::FullListener silent;  // accepts nothing, answers no further handshake
  const OneSshStep book("{type: int, default: 10, min: 1}");

  const auto started = std::chrono::steady_clock::now();
  const auto outcome = book.run({"ssh_port=" + std::to_string(silent.port()), "ssh_connect_timeout=1"});
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= std::chrono::seconds(1));
  CHECK(took < std::chrono::seconds(5));  // not the default 10 s
  CHECK(outcome.status == ringctl::playbook::RunStatus::kFailed);
  REQUIRE(outcome.error);
  CHECK(outcome.error->code() == ringcore::ErrorCode::kSshConnect);
  CHECK(ringctl::exit_code_for_run(outcome.status, outcome.error) == 2);  // a step failed (4 is for agents)
  const std::string where = "@127.0.0.1:" + std::to_string(silent.port()) + ": cannot connect: timed out after 1 s";
  CHECK_MESSAGE(outcome.error->message().find(where) != std::string::npos, outcome.error->message());

  const auto journal = ringctl::playbook::load_journal(outcome.run_id);
  REQUIRE(journal.ok());
  REQUIRE(journal->steps.size() == 1);
  CHECK(journal->steps[0].state == ringctl::playbook::StepState::kFailed);
  CHECK_MESSAGE(journal->steps[0].message.find(where) != std::string::npos, journal->steps[0].message);
}

TEST_CASE("an ssh_connect_timeout under 1 s fails the ssh step before connecting, naming the variable") {
  ScratchConfig scratch("  prod:\n    agents: [\"127.0.109.1:7070\"]\n");
  const OneSshStep book("{type: int, default: 10}");  // a playbook of the user's may declare no minimum

  const auto outcome = book.run({"ssh_connect_timeout=0"});
  CHECK(outcome.status == ringctl::playbook::RunStatus::kFailed);
  REQUIRE(outcome.error);
  CHECK(outcome.error->code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(outcome.error->message() == "ssh_connect_timeout must be at least 1 (seconds), not 0");
}
