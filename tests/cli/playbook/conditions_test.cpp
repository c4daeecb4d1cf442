// The playbooks' wait conditions against a strict fake agent, for what a real lab cannot be made
// to do on cue (a joining node whose bootstrap job has failed, a stream that stalls), and on a
// fake clock for how the waits poll and when they give up.
#include "playbook/conditions.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fake_clock.h"
#include "support/strict_fake_agent.h"
#include "support/test_files.h"
#include "support/thrown_error.h"

using nlohmann::json;
using test_support::StrictFakeAgent;
using namespace std::chrono_literals;
using Pauses = std::vector<std::chrono::milliseconds>;

namespace {

// The example cluster (10.0.0.1..3) as an agent serves it, with 10.0.0.3 `status`.
json cluster_with_third(const std::string& status) {
  json snapshot = json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
  snapshot["nodes"][2]["status"] = status;
  return {{"freshness", {{"age_seconds", 1.0}, {"stale", false}, {"error", nullptr}}}, {"snapshot", snapshot}};
}

// What one survey of a single agent asks (cluster_survey.h), its node being `node`.
void expect_survey(StrictFakeAgent& agent, const json& cluster, const std::string& node, const json& jobs) {
  agent.expect("GET", "/v1/cluster", 200, cluster);
  agent.expect("GET", "/v1/node", 200, {{"node", {{"address", node}}}});
  agent.expect("GET", "/v1/jobs", 200, jobs);
  agent.expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
  agent.expect("GET", "/v1/cluster", 200, cluster);
}

// A wait step's context with `params`, asking `agent`, recording the events it sends.
struct WaitStep {
  WaitStep(const StrictFakeAgent& agent, ringctl::playbook::Values params) {
    unsetenv("RINGCTL_TOKEN");
    source.host = agent.address();
    context.params = std::move(params);
  }
  ringctl::SnapshotSource source;
  ringctl::playbook::StepRecord record;
  std::vector<ringctl::Document> events;
  ringctl::playbook::StepContext context{
      source,
      {},
      record,
      [] {},
      [this](ringctl::Document event) { events.push_back(std::move(event)); },
      []() -> ringctl::playbook::Launcher& { throw std::logic_error("no launcher"); }};
};

// The example cluster with its first node at `address`, up and joining, as an agent serves it.
json joining_cluster(const std::string& address) {
  json snapshot = json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
  snapshot["nodes"][0]["address"] = address;
  snapshot["nodes"][0]["state"] = "joining";
  return {{"freshness", {{"age_seconds", 1.0}, {"stale", false}, {"error", nullptr}}}, {"snapshot", snapshot}};
}

json bootstrap_job(const std::string& id, const std::string& state, const std::string& started_at,
                   const std::string& error) {
  return {{"id", id},
          {"operation", "bootstrap"},
          {"state", state},
          {"started_at", started_at},
          {"progress", {{"done", 100}, {"total", 1000}, {"unit", "bytes"}}},
          {"error", error.empty() ? json(nullptr) : json(error)}};
}

}  // namespace

TEST_CASE("a join whose latest bootstrap job failed ends the wait at once, with the job's error") {
  unsetenv("RINGCTL_TOKEN");
  StrictFakeAgent agent("127.0.0.74");
  const std::string node = "127.0.0.74";
  // An earlier attempt that succeeded is not the latest: the failed one started after it.
  const json jobs = {{"jobs",
                      {bootstrap_job("b1", "succeeded", "2026-12-05T01:00:00.000Z", ""),
                       bootstrap_job("b2", "failed", "2026-12-05T01:01:51.327Z", "source 10.0.0.2 is down")}}};
  agent.expect("GET", "/v1/cluster", 200, joining_cluster(node));
  agent.expect("GET", "/v1/node", 200, {{"node", {{"address", node}}}});
  agent.expect("GET", "/v1/jobs", 200, jobs);
  agent.expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
  agent.expect("GET", "/v1/cluster", 200, joining_cluster(node));
  agent.expect("GET", "/v1/jobs", 200, jobs);

  ringctl::SnapshotSource source;
  source.host = agent.address();
  ringctl::playbook::StepRecord record;
  std::vector<ringctl::Document> events;
  ringctl::playbook::StepContext context{
      source,
      {{"node", node}, {"timeout", "5"}},
      record,
      [] {},
      [&](ringctl::Document event) { events.push_back(std::move(event)); },
      []() -> ringctl::playbook::Launcher& { throw std::logic_error("no launcher"); }};

  const ringcore::Error error =
      test_support::thrown_error([&] { ringctl::playbook::wait_for_condition("node_normal_everywhere", context); });
  CHECK(error.code() == ringcore::ErrorCode::kFailed);
  CHECK(error.message() ==
        "the bootstrap of 127.0.0.74 failed: source 10.0.0.2 is down; start any node named there that is down, "
        "then restart 127.0.0.74 to resume its bootstrap, then resume this run");
  test_support::check_strict(agent);
}

TEST_CASE("a wait returns at the survey that finds its condition, and asks no more") {
  StrictFakeAgent agent("127.0.0.74");
  const json no_jobs = {{"jobs", json::array()}};
  expect_survey(agent, cluster_with_third("down"), "10.0.0.1", no_jobs);
  expect_survey(agent, cluster_with_third("up"), "10.0.0.1", no_jobs);
  WaitStep step(agent, {{"timeout", "600"}});
  test_support::FakeClock time;

  const auto outcome = ringctl::playbook::wait_for_condition("all_normal", step.context, time.clock());
  CHECK(outcome.message == "3 nodes up and normal in 1 views");
  CHECK(time.pauses == Pauses{300ms});
  test_support::check_strict(agent);
}

TEST_CASE("a wait polls at 300 ms doubling to 2 s, and at its timeout stops timed out saying what it waited for") {
  StrictFakeAgent agent("127.0.0.74");
  for (int look = 0; look < 6; ++look)
    expect_survey(agent, cluster_with_third("down"), "10.0.0.1", {{"jobs", json::array()}});
  WaitStep step(agent, {{"timeout", "6"}});
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("all_normal", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kTimedOut);
  CHECK(error.message() == "timed out after 6 s waiting until every node is up and normal in every view");
  // Looks at 0, 0.3, 0.9, 2.1, 4.1 and 6 s: the last pause ends at the deadline.
  CHECK(time.pauses == Pauses{300ms, 600ms, 1200ms, 2000ms, 1900ms});
  test_support::check_strict(agent);
}

TEST_CASE("a joining node that every other view shows down for with.down_after seconds fails the wait, resumable") {
  StrictFakeAgent agent("127.0.0.74");
  const std::string node = "127.0.0.74";
  json cluster = joining_cluster(node);
  cluster["snapshot"]["nodes"][0]["status"] = "down";  // as 10.0.0.2, the agent's node, sees it
  const json jobs = {{"jobs", {bootstrap_job("b1", "running", "2026-12-05T01:00:00.000Z", "")}}};
  for (int look = 0; look < 4; ++look) {  // at 0, 0.3, 0.9 and 2.1 s: down since the first
    expect_survey(agent, cluster, "10.0.0.2", jobs);
    agent.expect("GET", "/v1/jobs", 200, jobs);  // its own agent still answers (ringd outlives its node)
  }
  WaitStep step(agent, {{"node", node}, {"timeout", "600"}, {"with.down_after", "2"}});
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("node_normal_everywhere", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kFailed);
  CHECK(error.message() ==
        "127.0.0.74 has been down in every other node's view for 2 s: restart it (its bootstrap resumes), then "
        "resume this run");
  CHECK(time.pauses == Pauses{300ms, 600ms, 1200ms});
  test_support::check_strict(agent);
}

TEST_CASE("a join whose stream makes no progress warns at with.stall_warn and stops at with.stall_critical") {
  StrictFakeAgent agent("127.0.0.74");
  const std::string node = "127.0.0.74";
  const json jobs = {{"jobs", {bootstrap_job("b1", "running", "2026-12-05T01:00:00.000Z", "")}}};
  for (int look = 0; look < 4; ++look) {  // at 0, 0.3, 0.9 and 2.1 s, progress 100 bytes each time
    expect_survey(agent, joining_cluster(node), node, jobs);
    agent.expect("GET", "/v1/jobs", 200, jobs);
  }
  WaitStep step(agent, {{"node", node}, {"timeout", "600"}, {"with.stall_warn", "0.5"}, {"with.stall_critical", "2"}});
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("node_normal_everywhere", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kTimedOut);
  CHECK(error.message() == "streaming made no progress for 2 s (critical from 2 s)");
  std::vector<std::string> thresholds;
  for (const ringctl::Document& event : step.events) {
    if (event.value("event", "") == "threshold") {
      thresholds.push_back(event.value("threshold", "") + " " + event.value("status", ""));
    }
  }
  CHECK(thresholds == std::vector<std::string>{"streaming_stalled warn", "streaming_stalled critical"});
  test_support::check_strict(agent);
}
