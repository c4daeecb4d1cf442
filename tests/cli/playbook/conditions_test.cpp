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
#include "support/test_paths.h"
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

// The example cluster as 10.0.0.1's agent serves it, its facts `age` seconds old and called
// stale (its node not answering) or not.
json cluster_aged(double age, bool stale) {
  json cluster = cluster_with_third("up");
  cluster["freshness"] = {{"age_seconds", age}, {"stale", stale}, {"error", stale ? json("timed out") : json(nullptr)}};
  return cluster;
}

TEST_CASE(
    "the rolling restart's gate stays shut while an agent says its node does not answer, though its view is recent") {
  StrictFakeAgent agent("127.0.0.74");
  const json no_jobs = {{"jobs", json::array()}};
  // A node killed after the wait began: its agent's last view, collected since, shows every
  // node up until the others convict it; the agent's word "stale" is what shows it at once.
  expect_survey(agent, cluster_aged(0, true), "10.0.0.1", no_jobs);
  expect_survey(agent, cluster_aged(0.2, true), "10.0.0.1", no_jobs);
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // collected again since
  WaitStep step(agent, {{"node", "10.0.0.1"}, {"timeout", "600"}});
  test_support::FakeClock time;

  ringctl::playbook::wait_for_condition("node_ready_everywhere", step.context, time.clock());
  // Ready at the third look, the first not stale; open at the fourth, its view collected since.
  CHECK(time.pauses == Pauses{300ms, 600ms, 1200ms});
  test_support::check_strict(agent);
}

TEST_CASE("the rolling restart's gate opens only once every agent collected again after all was seen ready") {
  StrictFakeAgent agent("127.0.0.74");
  const json no_jobs = {{"jobs", json::array()}};
  // A node hung just after its agent's last collection: that view shows all ready, and stays
  // as it was (older at each look) until the agent calls it stale.
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 0 s: from before the wait
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 0.3 s: all ready
  expect_survey(agent, cluster_aged(0.7, false), "10.0.0.1", no_jobs);  // at 0.9 s: the same view
  expect_survey(agent, cluster_aged(1.9, false), "10.0.0.1", no_jobs);  // at 2.1 s: the same view
  expect_survey(agent, cluster_aged(0, true), "10.0.0.1", no_jobs);     // at 4.1 s: stale
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 6.1 s: back, all ready
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 8.1 s: collected since
  WaitStep step(agent, {{"node", "10.0.0.1"}, {"timeout", "600"}});
  test_support::FakeClock time;

  ringctl::playbook::wait_for_condition("node_ready_everywhere", step.context, time.clock());
  CHECK(time.pauses == Pauses{300ms, 600ms, 1200ms, 2000ms, 2000ms, 2000ms});
  test_support::check_strict(agent);
}

TEST_CASE("the rolling restart's gate timed out while a view was not collected again says so, naming it") {
  StrictFakeAgent agent("127.0.0.74");
  const json no_jobs = {{"jobs", json::array()}};
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 0 s: from before the wait
  expect_survey(agent, cluster_aged(0.1, false), "10.0.0.1", no_jobs);  // at 0.3 s: all ready
  expect_survey(agent, cluster_aged(0.7, false), "10.0.0.1", no_jobs);  // at 0.9 s: the same view
  expect_survey(agent, cluster_aged(1.8, false), "10.0.0.1", no_jobs);  // at 2 s, the deadline: the same
  WaitStep step(agent, {{"node", "10.0.0.1"}, {"timeout", "2"}});
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("node_ready_everywhere", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kTimedOut);
  CHECK(error.message() ==
        "timed out after 2 s waiting until every node is up and normal in every view (10.0.0.1's too), the schema "
        "agreed and no hints pending; not yet: the view of 10.0.0.1 not collected again since all was first seen "
        "ready");
  test_support::check_strict(agent);
}

TEST_CASE("the rolling restart's gate timed out names what kept it shut: the node down, its agent's word") {
  StrictFakeAgent agent("127.0.0.74");
  json cluster = cluster_aged(0, true);
  cluster["snapshot"]["nodes"][2]["status"] = "down";
  for (int look = 0; look < 6; ++look) expect_survey(agent, cluster, "10.0.0.1", {{"jobs", json::array()}});
  WaitStep step(agent, {{"node", "10.0.0.1"}, {"timeout", "6"}});
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("node_ready_everywhere", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kTimedOut);
  CHECK(error.message() ==
        "timed out after 6 s waiting until every node is up and normal in every view (10.0.0.1's too), the schema "
        "agreed and no hints pending; not yet: the agent of 10.0.0.1 says its node does not answer; 10.0.0.3 is "
        "down in the view of 10.0.0.1");
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

namespace {

// The scale-up playbook's alert thresholds as its wait step passes them (scale-up.yaml's
// defaults): pending compactions 50/100, dropped messages 0.1%/1%, disk 70%/80%.
ringctl::playbook::Values scale_up_wait(const std::string& node) {
  return {{"node", node},
          {"timeout", "600"},
          {"with.pending_compactions_warn", "50"},
          {"with.pending_compactions_critical", "100"},
          {"with.dropped_messages_warn", "0.001"},
          {"with.dropped_messages_critical", "0.01"},
          {"with.disk_warn", "0.7"},
          {"with.disk_critical", "0.8"}};
}

// One look of node_normal_everywhere at the joining (or joined) `node`, whose own agent reports
// `capacity` for it: the survey, then its bootstrap job.
void expect_join_look(StrictFakeAgent& agent, const std::string& node, bool joined, const json& capacity) {
  json cluster = joining_cluster(node);
  if (joined) cluster["snapshot"]["nodes"][0]["state"] = "normal";
  const json jobs = {{"jobs", {bootstrap_job("b1", joined ? "succeeded" : "running", "2026-12-05T01:00:00.000Z", "")}}};
  agent.expect("GET", "/v1/cluster", 200, cluster);
  agent.expect("GET", "/v1/node", 200, {{"node", {{"address", node}, {"capacity", capacity}}}});
  agent.expect("GET", "/v1/jobs", 200, jobs);
  agent.expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
  agent.expect("GET", "/v1/cluster", 200, cluster);
  agent.expect("GET", "/v1/jobs", 200, jobs);
}

// The "threshold" events a step sent, as "NAME LEVEL".
std::vector<std::string> thresholds_sent(const std::vector<ringctl::Document>& events) {
  std::vector<std::string> sent;
  for (const ringctl::Document& event : events) {
    if (event.value("event", "") == "threshold")
      sent.push_back(event.value("threshold", "") + " " + event.value("status", ""));
  }
  return sent;
}

// A join whose node shows `capacity` at the warn level of `threshold`: warned of once, and the
// wait goes on to the look that finds the node joined.
void check_warns_and_continues(const std::string& threshold, const json& capacity) {
  StrictFakeAgent agent("127.0.0.74");
  const std::string node = "127.0.0.74";
  expect_join_look(agent, node, false, capacity);
  expect_join_look(agent, node, true, capacity);  // still at the warn level: no second event
  WaitStep step(agent, scale_up_wait(node));
  test_support::FakeClock time;

  const auto outcome = ringctl::playbook::wait_for_condition("node_normal_everywhere", step.context, time.clock());
  CHECK(outcome.message == node + " is up and normal in all 1 views");
  CHECK(thresholds_sent(step.events) == std::vector<std::string>{threshold + " warn"});
  CHECK(time.pauses == Pauses{300ms});  // a second look: the warning did not stop the wait
  test_support::check_strict(agent);
}

// A join whose node shows `capacity` at the critical level of `threshold`: the wait stops at that
// look, timed out (exit 3, the run resumable), naming the threshold and the figure.
void check_critical_stops(const std::string& threshold, const json& capacity, const std::string& figure) {
  StrictFakeAgent agent("127.0.0.74");
  const std::string node = "127.0.0.74";
  expect_join_look(agent, node, false, capacity);
  WaitStep step(agent, scale_up_wait(node));
  test_support::FakeClock time;

  const ringcore::Error error = test_support::thrown_error(
      [&] { ringctl::playbook::wait_for_condition("node_normal_everywhere", step.context, time.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kTimedOut);
  const std::string message = error.message();
  CHECK_MESSAGE(message.find("stopped at the critical level of " + threshold + ": ") == 0, message);
  CHECK_MESSAGE(message.find(figure + " on " + node) != std::string::npos, message);
  CHECK(thresholds_sent(step.events) == std::vector<std::string>{threshold + " critical"});
  CHECK(time.pauses.empty());  // stopped at the first look
  test_support::check_strict(agent);
}

}  // namespace

TEST_CASE("a join's pending compactions at scale-up's warn level (50) warn and the wait goes on") {
  check_warns_and_continues("pending_compactions", {{"pending_compactions", 60}});
}

TEST_CASE("a join's pending compactions at scale-up's critical level (100) stop the wait, naming the threshold") {
  check_critical_stops("pending_compactions", {{"pending_compactions", 120}}, "highest 120");
}

TEST_CASE("a join's dropped messages at scale-up's warn level (0.1%) warn and the wait goes on") {
  check_warns_and_continues("dropped_messages", {{"requests_total", 100000}, {"dropped_messages_total", 500}});
}

TEST_CASE("a join's dropped messages at scale-up's critical level (1%) stop the wait, naming the threshold") {
  check_critical_stops("dropped_messages", {{"requests_total", 100000}, {"dropped_messages_total", 5000}},
                       "highest 5.0%");
}

TEST_CASE("a join's disk use at scale-up's warn level (70%) warns and the wait goes on") {
  check_warns_and_continues("disk_usage", {{"disk_total_bytes", 1000000}, {"disk_used_bytes", 750000}});
}

TEST_CASE("a join's disk use reaching scale-up's critical level (80%) stops the wait, naming the threshold") {
  check_critical_stops("disk_usage", {{"disk_total_bytes", 1000000}, {"disk_used_bytes", 850000}}, "highest 85.0%");
}
