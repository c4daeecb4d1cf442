// The playbooks' wait conditions against a strict fake agent, for what a real lab cannot be made
// to do on cue: a joining node whose bootstrap job has failed.
#include "playbook/conditions.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/strict_fake_agent.h"
#include "support/test_files.h"

using nlohmann::json;
using test_support::StrictFakeAgent;

namespace {

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

  try {
    ringctl::playbook::wait_for_condition("node_normal_everywhere", context);
    FAIL("the wait went on past a failed bootstrap");
  } catch (const ringcore::Error& error) {
    CHECK(error.code() == ringcore::ErrorCode::kFailed);
    CHECK(error.message() ==
          "the bootstrap of 127.0.0.74 failed: source 10.0.0.2 is down; restart the node to "
          "resume its bootstrap, then resume this run");
  }
  test_support::check_strict(agent);
}
