// The lab's waits (lab_cluster.h, lab_agents.h, lab_processes.h) against a strict fake standing
// in for a node's admin API or its agent, on a clock that moves only when the wait sleeps: each
// returns at the look that finds what it waits for and asks no more, looks at its interval, and
// at the deadline says what was not reached.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lab/lab_agents.h"
#include "lab/lab_cluster.h"
#include "lab/lab_processes.h"
#include "lab/lab_workload.h"
#include "support/fake_clock.h"
#include "support/strict_fake_agent.h"
#include "support/test_files.h"
#include "support/test_paths.h"
#include "support/thrown_error.h"

using nlohmann::json;
using test_support::StrictFakeAgent;
using namespace std::chrono_literals;
using Pauses = std::vector<std::chrono::milliseconds>;

namespace {

constexpr const char* kFirst = "127.0.0.61";   // node1: the strict fake answers for it
constexpr const char* kSecond = "127.0.0.62";  // node2: only seen, never asked

// A two-node lab whose node1 is `fake` (its admin API and its agent both on the fake's port).
// The directory only names the logs in messages.
ringctl::lab::Lab lab_on(const StrictFakeAgent& fake) {
  ringctl::lab::Lab lab;
  lab.directory = "/labs/waits";
  lab.spec.native_port = fake.port();
  lab.spec.agent_port = fake.port();
  for (const char* address : {kFirst, kSecond}) {
    ringctl::lab::LabNode node;
    node.number = static_cast<int>(lab.nodes.size()) + 1;
    node.name = "node" + std::to_string(node.number);
    node.address = address;
    lab.nodes.push_back(node);
  }
  return lab;
}

// The cluster both nodes make, node2 `status` ("up" or "down"), as a ringnode serves it.
json cluster_with_second(const std::string& status) {
  json snapshot = json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
  snapshot["nodes"].erase(2);
  snapshot["nodes"][0]["address"] = kFirst;
  snapshot["nodes"][1]["address"] = kSecond;
  snapshot["nodes"][1]["status"] = status;
  return snapshot;
}

json bootstrap_job(const std::string& state, const std::string& error) {
  return {{"id", "b1"},
          {"operation", "bootstrap"},
          {"state", state},
          {"progress", {{"done", 10}, {"total", 10}, {"unit", "bytes"}}},
          {"error", error.empty() ? json(nullptr) : json(error)}};
}

// One look of follow_bootstrap that finds no job, the node in `mode`.
void expect_no_job_yet(StrictFakeAgent& fake, const std::string& mode) {
  fake.expect("GET", "/v1/jobs", 200, {{"jobs", json::array()}});
  fake.expect("GET", "/v1/node", 200, {{"mode", mode}});
}

}  // namespace

TEST_CASE("lab convergence returns at the look where every node is seen up and normal, looking every 250 ms") {
  StrictFakeAgent fake(kFirst);
  fake.expect("GET", "/v1/cluster", 200, cluster_with_second("down"));
  fake.expect("GET", "/v1/cluster", 200, cluster_with_second("down"));
  fake.expect("GET", "/v1/cluster", 200, cluster_with_second("up"));
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  ringctl::lab::wait_until_converged(lab, {&lab.nodes[0]}, {&lab.nodes[0], &lab.nodes[1]}, 60s, time.clock());
  CHECK(time.pauses == Pauses{250ms, 250ms});
  test_support::check_strict(fake);  // not asked again
}

TEST_CASE("lab convergence at its deadline fails saying which node sees which how, and where the logs are") {
  StrictFakeAgent fake(kFirst);
  fake.expect_always("GET", "/v1/cluster", 200, cluster_with_second("down"));
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error([&] {
    ringctl::lab::wait_until_converged(lab, {&lab.nodes[0]}, {&lab.nodes[0], &lab.nodes[1]}, 1s, time.clock());
  });
  CHECK(error.code() == ringcore::ErrorCode::kFailed);
  CHECK(error.message() ==
        "the lab did not converge within 1s:\n  node1 sees node2 down/normal\n"
        "(logs: /labs/waits/node*/ringnode.log, ringd.log)");
  CHECK(fake.received().size() == 5);  // at 0, 250, 500, 750 and 1000 ms
}

TEST_CASE("the agents' view: waits through an agent not answering yet, and fails naming what an agent shows") {
  StrictFakeAgent fake(kFirst);
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;
  SUBCASE("shown at the third look") {
    fake.expect("GET", "/v1/cluster", 503, {{"error", {{"code", "unavailable"}, {"message", "starting"}}}});
    fake.expect("GET", "/v1/cluster", 200, {{"snapshot", cluster_with_second("down")}});
    fake.expect("GET", "/v1/cluster", 200, {{"snapshot", cluster_with_second("up")}});
    ringctl::lab::wait_until_agents_see(lab, {&lab.nodes[0]}, {&lab.nodes[0], &lab.nodes[1]}, 60s, time.clock());
    CHECK(time.pauses == Pauses{250ms, 250ms});
  }
  SUBCASE("never shown") {
    fake.expect_always("GET", "/v1/cluster", 200, {{"snapshot", cluster_with_second("down")}});
    const ringcore::Error error = test_support::thrown_error([&] {
      ringctl::lab::wait_until_agents_see(lab, {&lab.nodes[0]}, {&lab.nodes[0], &lab.nodes[1]}, 2s, time.clock());
    });
    CHECK(error.message() ==
          "the lab did not converge within 2s:\n  the agent of node1 sees node2 down/normal\n"
          "(logs: /labs/waits/node*/ringnode.log, ringd.log)");
    CHECK(fake.received().size() == 9);
  }
  test_support::check_strict(fake);
}

TEST_CASE("the agents' view of a new keyspace: looked at every 250 ms until every agent lists it, then no more") {
  StrictFakeAgent fake(kFirst);
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;
  json before = cluster_with_second("up");
  before["keyspaces"] = json::array();  // collected before the keyspace was made
  SUBCASE("listed at the second look") {
    fake.expect("GET", "/v1/cluster", 200, {{"snapshot", before}});
    fake.expect("GET", "/v1/cluster", 200, {{"snapshot", cluster_with_second("up")}});
    ringctl::lab::wait_until_agents_list(lab, {&lab.nodes[0]}, "ks1", 30s, time.clock());
    CHECK(time.pauses == Pauses{250ms});
  }
  SUBCASE("never listed") {
    fake.expect_always("GET", "/v1/cluster", 200, {{"snapshot", before}});
    const ringcore::Error error = test_support::thrown_error(
        [&] { ringctl::lab::wait_until_agents_list(lab, {&lab.nodes[0]}, "ks1", 1s, time.clock()); });
    CHECK(error.message() ==
          "the lab did not converge within 1s:\n  the agent of node1 does not list keyspace 'ks1' yet\n"
          "(logs: /labs/waits/node*/ringnode.log, ringd.log)");
    CHECK(fake.received().size() == 5);  // at 0, 250, 500, 750 and 1000 ms
  }
  test_support::check_strict(fake);
}

TEST_CASE("following a bootstrap returns at once when the node joined with nothing to stream") {
  StrictFakeAgent fake(kFirst);
  expect_no_job_yet(fake, "NORMAL");
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  ringctl::lab::follow_bootstrap(lab, lab.nodes[0], 60s, time.clock());
  CHECK(time.pauses.empty());
  test_support::check_strict(fake);
}

TEST_CASE("following a bootstrap looks for the job every 200 ms and follows the one it finds to its end") {
  StrictFakeAgent fake(kFirst);
  expect_no_job_yet(fake, "JOINING");
  expect_no_job_yet(fake, "JOINING");
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;
  SUBCASE("a job that succeeded") {
    fake.expect("GET", "/v1/jobs", 200, {{"jobs", {bootstrap_job("succeeded", "")}}});
    ringctl::lab::follow_bootstrap(lab, lab.nodes[0], 60s, time.clock());
  }
  SUBCASE("a job that failed") {
    fake.expect("GET", "/v1/jobs", 200, {{"jobs", {bootstrap_job("failed", "source 127.0.0.63 is down")}}});
    const ringcore::Error error =
        test_support::thrown_error([&] { ringctl::lab::follow_bootstrap(lab, lab.nodes[0], 60s, time.clock()); });
    CHECK(error.code() == ringcore::ErrorCode::kFailed);
    CHECK(error.message() == "bootstrap job b1 failed: source 127.0.0.63 is down");
  }
  CHECK(time.pauses == Pauses{200ms, 200ms});
  test_support::check_strict(fake);
}

TEST_CASE("following a bootstrap fails at its deadline when no job started, naming the node's log") {
  StrictFakeAgent fake(kFirst);
  for (int look = 0; look < 6; ++look) expect_no_job_yet(fake, "JOINING");  // at 0, 200, ..., 1000 ms
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  const ringcore::Error error =
      test_support::thrown_error([&] { ringctl::lab::follow_bootstrap(lab, lab.nodes[0], 1s, time.clock()); });
  CHECK(error.message() == "node1 did not start its bootstrap within 1s (log: /labs/waits/node1/ringnode.log)");
  test_support::check_strict(fake);
}

TEST_CASE("following a bootstrap ends when the node's process is gone after its first 2 s") {
  StrictFakeAgent fake(kFirst);  // the lab has no pid file for node1: it does not run
  for (int look = 0; look < 11; ++look) expect_no_job_yet(fake, "JOINING");  // at 0, 200, ..., 2000 ms
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  const ringcore::Error error =
      test_support::thrown_error([&] { ringctl::lab::follow_bootstrap(lab, lab.nodes[0], 60s, time.clock()); });
  CHECK(error.message() == "node1 exited while joining (log: /labs/waits/node1/ringnode.log)");
  test_support::check_strict(fake);
}

TEST_CASE("the agents' readiness is asked every 100 ms until it answers, then no more") {
  StrictFakeAgent fake(kFirst);
  fake.expect("GET", "/v1/health/ready", 503, {{"error", {{"code", "unavailable"}, {"message", "no collection yet"}}}});
  fake.expect("GET", "/v1/health/ready", 503, {{"error", {{"code", "unavailable"}, {"message", "no collection yet"}}}});
  fake.expect("GET", "/v1/health/ready", 200, {{"ready", true}});
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  unsetenv("RINGCTL_TOKEN");
  ringctl::lab::wait_for_agents(lab, {&lab.nodes[0]}, 60s, time.clock());
  CHECK(time.pauses == Pauses{100ms, 100ms});
  test_support::check_strict(fake);
}

TEST_CASE("an agent not ready at the deadline fails with its last error and its log") {
  StrictFakeAgent fake(kFirst);
  fake.expect_always("GET", "/v1/health/ready", 503,
                     {{"error", {{"code", "unavailable"}, {"message", "no collection yet"}}}});
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  unsetenv("RINGCTL_TOKEN");
  const ringcore::Error error =
      test_support::thrown_error([&] { ringctl::lab::wait_for_agents(lab, {&lab.nodes[0]}, 1s, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kFailed);
  CHECK(error.message().starts_with("the agent of node1 did not answer: "));
  CHECK(error.message().find("no collection yet") != std::string::npos);
  CHECK(error.message().ends_with(" (log: /labs/waits/node1/ringd.log)"));
  CHECK(fake.received().size() == 11);  // at 0, 100, ..., 1000 ms
  test_support::check_strict(fake);
}

TEST_CASE("a node is asked for the workload's keyspace every 100 ms until it lists it, then no more") {
  StrictFakeAgent fake(kFirst);
  fake.expect("GET", "/v1/keyspaces", 200, {{"keyspaces", json::array()}});
  fake.expect("GET", "/v1/keyspaces", 200, {{"keyspaces", json::array()}});
  fake.expect("GET", "/v1/keyspaces", 200, {{"keyspaces", {{{"name", "stress"}}}}});
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  ringctl::lab::wait_for_keyspace_everywhere(lab, {&lab.nodes[0]}, "stress", time.clock());
  CHECK(time.pauses == Pauses{100ms, 100ms});
  test_support::check_strict(fake);
}

TEST_CASE("a node that has not learnt the workload's keyspace in 30 s is named") {
  StrictFakeAgent fake(kFirst);
  fake.expect_always("GET", "/v1/keyspaces", 200, {{"keyspaces", {{{"name", "other"}}}}});
  const ringctl::lab::Lab lab = lab_on(fake);
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::lab::wait_for_keyspace_everywhere(lab, {&lab.nodes[0]}, "stress", time.clock()); });
  CHECK(error.message() == "node1 did not learn keyspace 'stress' in 30 s");
  CHECK(time.now - std::chrono::steady_clock::time_point{} == 30s);
  CHECK(fake.received().size() == 301);  // every 100 ms from 0 to 30 s
}

TEST_CASE("waiting for a process to exit: a pid that runs nothing has exited, one that runs is looked at every 20 ms") {
  SUBCASE("no such process") {
    test_support::FakeClock time;
    CHECK(ringctl::lab::wait_for_exit(2147483000, 5s, time.clock()));
    CHECK(time.pauses.empty());
  }
  SUBCASE("this test's own process, which does not exit") {
    test_support::FakeClock time;
    CHECK_FALSE(ringctl::lab::wait_for_exit(getpid(), 90ms, time.clock()));
    CHECK(time.pauses == Pauses{20ms, 20ms, 20ms, 20ms, 10ms});
  }
}
