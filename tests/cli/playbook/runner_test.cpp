// The run's launcher: the variables' else the cluster entry's, and a run that would start or stop
// nodes with no launcher, or with the lab launcher on a cluster that is not a lab, refused before
// anything runs - against a strict fake agent that fails on any request, so that a step that ran
// (the pre-flight asks every agent) shows.
#include "playbook/runner.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "playbook/cluster_lock.h"
#include "playbook/launcher.h"
#include "playbook/playbook_loader.h"
#include "playbook/variables.h"
#include "support/strict_fake_agent.h"
#include "support/temp_dir.h"
#include "support/thrown_error.h"

namespace {

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
